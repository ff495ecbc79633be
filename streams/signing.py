"""The signing facade: one small API over every signature backend.

ML-DSA (FIPS 204) always runs in the native module (`streams._native`, libcrux-ml-dsa with
AVX2 selected at run time); this is the only module that imports it. Other post-quantum
algorithms (Falcon, SPHINCS+) come from liboqs through `streams.oqs_backend`, loaded on first use.

Batch calls release the GIL and spread over all cores; `verify_many` returns one verdict per
item so that callers can route each failing record instead of failing the batch.
"""

from __future__ import annotations

import abc
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from typing_extensions import Buffer

from streams import _native
from streams.errors import InvalidSignature, UnknownAlgorithm

__all__ = [
    "DEFAULT_ALGORITHM",
    "ENVELOPE_CONTEXT",
    "MLDSA_ALGORITHMS",
    "OQS_ALGORITHMS",
    "KeyPair",
    "NativeInfo",
    "ParameterSizes",
    "SignatureBackend",
    "backend_for",
    "generate_keypair",
    "native_info",
    "parameter_sizes",
    "sign",
    "sign_many",
    "verify",
    "verify_many",
]

MLDSA_ALGORITHMS = ("ML-DSA-44", "ML-DSA-65", "ML-DSA-87")
# liboqs 0.13 has SPHINCS+ round 3.1, not FIPS 205 SLH-DSA: see streams/oqs_backend.py.
OQS_ALGORITHMS = (
    "Falcon-512",
    "Falcon-1024",
    "SPHINCS+-SHA2-128f-simple",
    "SPHINCS+-SHA2-128s-simple",
)
DEFAULT_ALGORITHM = "ML-DSA-65"
# FIPS 204 context string of envelope v1 (DESIGN.md section 4).
ENVELOPE_CONTEXT = b"qrstream/v1"
MLDSA_SEED_BYTES = 32

PublicKeys = Buffer | Sequence[Buffer]


@dataclass(frozen=True)
class NativeInfo:
    version: str
    simd: str


@dataclass(frozen=True)
class ParameterSizes:
    public_key: int
    private_key: int
    signature: int


@dataclass(frozen=True)
class KeyPair:
    """A signing key pair. For ML-DSA, `seed` is the 32-byte form that PKCS#8 stores and
    `private_key` the expanded key that signing uses."""

    algorithm: str
    public_key: bytes
    private_key: bytes = field(repr=False)
    seed: bytes | None = field(default=None, repr=False)


class SignatureBackend(abc.ABC):
    """A provider of some signature algorithms, batch first."""

    algorithms: tuple[str, ...]

    @abc.abstractmethod
    def parameter_sizes(self, algorithm: str) -> ParameterSizes: ...

    @abc.abstractmethod
    def generate_keypair(self, algorithm: str, seed: bytes | None = None) -> KeyPair: ...

    @abc.abstractmethod
    def sign_many(
        self,
        algorithm: str,
        private_key: Buffer,
        messages: Sequence[Buffer],
        context: Buffer,
        *,
        deterministic: bool = False,
        threads: int | None = None,
    ) -> list[bytes]: ...

    @abc.abstractmethod
    def verify_many(
        self,
        algorithm: str,
        public_keys: PublicKeys,
        messages: Sequence[Buffer],
        signatures: Sequence[Buffer],
        context: Buffer,
        *,
        threads: int | None = None,
    ) -> list[bool]: ...

    def sign(
        self,
        algorithm: str,
        private_key: Buffer,
        message: Buffer,
        context: Buffer,
        *,
        deterministic: bool = False,
    ) -> bytes:
        return self.sign_many(
            algorithm, private_key, [message], context, deterministic=deterministic
        )[0]

    def verify(
        self,
        algorithm: str,
        public_key: Buffer,
        message: Buffer,
        signature: Buffer,
        context: Buffer,
    ) -> None:
        if not self.verify_many(algorithm, public_key, [message], [signature], context)[0]:
            raise InvalidSignature(f"{algorithm} signature verification failed")


class NativeMLDSA(SignatureBackend):
    """ML-DSA-44/65/87 from the Rust module."""

    algorithms = MLDSA_ALGORITHMS

    def parameter_sizes(self, algorithm: str) -> ParameterSizes:
        return ParameterSizes(*_native.parameter_sizes(algorithm))

    def generate_keypair(self, algorithm: str, seed: bytes | None = None) -> KeyPair:
        seed = secrets.token_bytes(MLDSA_SEED_BYTES) if seed is None else bytes(seed)
        public_key, private_key = _native.keypair(algorithm, seed)
        return KeyPair(algorithm, public_key, private_key, seed)

    def sign_many(
        self,
        algorithm: str,
        private_key: Buffer,
        messages: Sequence[Buffer],
        context: Buffer,
        *,
        deterministic: bool = False,
        threads: int | None = None,
    ) -> list[bytes]:
        return _native.sign_many(
            algorithm, private_key, messages, context, deterministic=deterministic, threads=threads
        )

    def verify_many(
        self,
        algorithm: str,
        public_keys: PublicKeys,
        messages: Sequence[Buffer],
        signatures: Sequence[Buffer],
        context: Buffer,
        *,
        threads: int | None = None,
    ) -> list[bool]:
        return _native.verify_many(
            algorithm, public_keys, messages, signatures, context, threads=threads
        )

    def sign(
        self,
        algorithm: str,
        private_key: Buffer,
        message: Buffer,
        context: Buffer,
        *,
        deterministic: bool = False,
    ) -> bytes:
        return _native.sign(algorithm, private_key, message, context, deterministic=deterministic)

    def verify(
        self,
        algorithm: str,
        public_key: Buffer,
        message: Buffer,
        signature: Buffer,
        context: Buffer,
    ) -> None:
        _native.verify(algorithm, public_key, message, signature, context)


@cache
def _native_backend() -> NativeMLDSA:
    return NativeMLDSA()


def backend_for(algorithm: str) -> SignatureBackend:
    """The backend that implements `algorithm`; liboqs is loaded only when first needed and
    raises `BackendUnavailable` (never exits, never touches the network) when missing."""
    if algorithm in MLDSA_ALGORITHMS:
        return _native_backend()
    if algorithm in OQS_ALGORITHMS:
        from streams.oqs_backend import liboqs_backend

        return liboqs_backend()
    raise UnknownAlgorithm(algorithm, MLDSA_ALGORITHMS + OQS_ALGORITHMS)


def native_info() -> NativeInfo:
    """Version of the native module and the ML-DSA code path it runs on this CPU."""
    return NativeInfo(_native.__version__, _native.simd_backend())


def parameter_sizes(algorithm: str) -> ParameterSizes:
    return backend_for(algorithm).parameter_sizes(algorithm)


def generate_keypair(algorithm: str = DEFAULT_ALGORITHM, seed: bytes | None = None) -> KeyPair:
    """A new key pair; ML-DSA key pairs are a pure function of the 32-byte `seed`."""
    return backend_for(algorithm).generate_keypair(algorithm, seed)


def sign_many(
    algorithm: str,
    private_key: Buffer,
    messages: Sequence[Buffer],
    context: Buffer = ENVELOPE_CONTEXT,
    *,
    deterministic: bool = False,
    threads: int | None = None,
) -> list[bytes]:
    """One signature per message, in order. Hedged (randomised) unless `deterministic`."""
    return backend_for(algorithm).sign_many(
        algorithm, private_key, messages, context, deterministic=deterministic, threads=threads
    )


def verify_many(
    algorithm: str,
    public_keys: PublicKeys,
    messages: Sequence[Buffer],
    signatures: Sequence[Buffer],
    context: Buffer = ENVELOPE_CONTEXT,
    *,
    threads: int | None = None,
) -> list[bool]:
    """One verdict per (message, signature), in order; `public_keys` is one key for all
    messages or one key per message. A malformed signature is `False`, never an exception."""
    return backend_for(algorithm).verify_many(
        algorithm, public_keys, messages, signatures, context, threads=threads
    )


def sign(
    algorithm: str,
    private_key: Buffer,
    message: Buffer,
    context: Buffer = ENVELOPE_CONTEXT,
    *,
    deterministic: bool = False,
) -> bytes:
    return backend_for(algorithm).sign(
        algorithm, private_key, message, context, deterministic=deterministic
    )


def verify(
    algorithm: str,
    public_key: Buffer,
    message: Buffer,
    signature: Buffer,
    context: Buffer = ENVELOPE_CONTEXT,
) -> None:
    """Raises `InvalidSignature` unless `signature` verifies."""
    backend_for(algorithm).verify(algorithm, public_key, message, signature, context)
