"""ML-DSA (FIPS 204) batch signing and verification; import it through `streams.signing`.

`alg` is one of "ML-DSA-44", "ML-DSA-65", "ML-DSA-87". Every bytes argument accepts bytes,
bytearray or a C-contiguous memoryview of unsigned bytes (format 'B') and reads it in place.
Key generation and signing run libcrux-ml-dsa, verification AWS-LC. Wrong sizes raise
`ValueError` with the exact expected size, non-bytes raise `TypeError`; no Rust panic
reaches Python.
"""

from collections.abc import Sequence

from typing_extensions import Buffer

__all__ = [
    "__version__",
    "keypair",
    "parameter_sizes",
    "sign",
    "sign_internal",
    "sign_many",
    "simd_backend",
    "verify",
    "verify_internal",
    "verify_many",
]
__version__: str

def simd_backend() -> str:
    """The ML-DSA code path libcrux selects on this CPU: "avx2", "neon" or "portable"."""

def parameter_sizes(alg: str) -> tuple[int, int, int]:
    """(public key, private key, signature) sizes in bytes of a parameter set."""

def keypair(alg: str, seed: Buffer | None = None) -> tuple[bytes, bytes]:
    """ML-DSA.KeyGen: (public key, expanded private key) from a 32-byte seed, or from the OS
    RNG when `seed` is None."""

def sign_many(
    alg: str,
    sk: Buffer,
    msgs: Sequence[Buffer],
    ctx: Buffer,
    *,
    deterministic: bool = False,
    threads: int | None = None,
) -> list[bytes]:
    """One signature per message with the GIL released; parallel over `threads` (default all
    cores) once the batch is large enough. Hedged unless `deterministic`."""

def verify_many(
    alg: str,
    pk: Buffer | Sequence[Buffer],
    msgs: Sequence[Buffer],
    sigs: Sequence[Buffer],
    ctx: Buffer,
    *,
    threads: int | None = None,
) -> list[bool]:
    """One verdict per item, so callers can route failures; `pk` is one key for all items or
    one key per item. Malformed signatures give False; mismatched lengths raise ValueError."""

def sign(alg: str, sk: Buffer, msg: Buffer, ctx: Buffer, *, deterministic: bool = False) -> bytes:
    """One ML-DSA signature with the context string `ctx` (at most 255 bytes)."""

def verify(alg: str, pk: Buffer, msg: Buffer, sig: Buffer, ctx: Buffer) -> None:
    """Returns None when the signature verifies; raises `streams.errors.InvalidSignature`."""

def sign_internal(alg: str, sk: Buffer, message: Buffer, rnd: Buffer) -> bytes:
    """ML-DSA.Sign_internal (FIPS 204 Alg. 7) over M'. For ACVP conformance tests only."""

def verify_internal(alg: str, pk: Buffer, message: Buffer, sig: Buffer) -> bool:
    """ML-DSA.Verify_internal (FIPS 204 Alg. 8) over M'. For ACVP conformance tests only."""
