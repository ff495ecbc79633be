"""Falcon and SPHINCS+ signatures from liboqs, through liboqs-python (`import oqs`).

The liboqs in use is 0.13.0, built by `scripts/build-liboqs.sh` (`make setup`) into
`.cache/liboqs`, or any install that `OQS_INSTALL_PATH` names. It offers:

- `Falcon-512`, `Falcon-1024`: Falcon as submitted to NIST round 3 ("20211101 with PQClean
  patches"), not FIPS 206 FN-DSA. Signatures have a variable length up to the maximum that
  `parameter_sizes` reports.
- `SPHINCS+-SHA2-128f-simple`, `SPHINCS+-SHA2-128s-simple`: SPHINCS+ round 3.1, **not** FIPS 205
  SLH-DSA, which liboqs 0.13 does not have. FIPS 205 changed the round 3.1 algorithm (among
  other things it frames every message with a domain byte and a context string), so the two do
  not verify each other's signatures; hence the library's names, not "SLH-DSA-...".

Context strings: liboqs 0.13 accepts a context only for ML-DSA, so this backend binds it itself
for every algorithm above: it signs `u8(len(context)) || context || message`. A context is at
most 255 bytes (`ValueError` otherwise); the empty context still adds its zero length byte.
This framing is ours, so only this backend verifies its signatures.

All these algorithms sign with fresh randomness inside liboqs and generate keys from the OS
RNG, so `deterministic=True` and a key-generation `seed` raise `ValueError`.

liboqs-python tries to `git clone` and build liboqs, or exits the process, when it cannot find
the library at import time. `liboqs_backend()` therefore locates and loads the library first and
raises `BackendUnavailable` instead: it never exits and never touches the network.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from typing_extensions import Buffer

from streams.errors import BackendUnavailable, UnknownAlgorithm
from streams.signing import (
    OQS_ALGORITHMS,
    KeyPair,
    ParameterSizes,
    PublicKeys,
    SignatureBackend,
)

__all__ = ["DEFAULT_INSTALL_PATH", "MAX_CONTEXT_BYTES", "LiboqsBackend", "liboqs_backend"]

DEFAULT_INSTALL_PATH = Path(__file__).resolve().parents[1] / ".cache" / "liboqs"
MAX_CONTEXT_BYTES = 255
_FIX = "run `make setup` or set OQS_INSTALL_PATH to a liboqs install"
# Our public names to liboqs's: the same today, kept apart so that a later liboqs (FIPS 205
# SLH-DSA, FIPS 206 FN-DSA) can be mapped without renaming what producers put in `qr-alg`.
_LIBOQS_NAMES = {name: name for name in OQS_ALGORITHMS}


class LiboqsBackend(SignatureBackend):
    """Falcon and SPHINCS+ from liboqs; see the module docstring for the context framing."""

    algorithms = OQS_ALGORITHMS

    def __init__(self, oqs: Any, library: Path) -> None:
        self._oqs = oqs
        self.library = library
        self.version = str(oqs.oqs_version())
        self._enabled = frozenset(oqs.get_enabled_sig_mechanisms())
        self._sizes: dict[str, ParameterSizes] = {}

    def parameter_sizes(self, algorithm: str) -> ParameterSizes:
        """Sizes in bytes; for Falcon `signature` is the maximum, as its signatures vary."""
        if algorithm not in self._sizes:
            with self._oqs.Signature(self._liboqs_name(algorithm)) as signer:
                self._sizes[algorithm] = ParameterSizes(
                    int(signer.length_public_key),
                    int(signer.length_secret_key),
                    int(signer.length_signature),
                )
        return self._sizes[algorithm]

    def generate_keypair(self, algorithm: str, seed: bytes | None = None) -> KeyPair:
        name = self._liboqs_name(algorithm)
        if seed is not None:
            raise ValueError(f"{algorithm} key generation in liboqs takes no seed; pass None")
        with self._oqs.Signature(name) as signer:
            public_key = bytes(signer.generate_keypair())
            private_key = bytes(signer.export_secret_key())
        return KeyPair(algorithm, public_key, private_key)

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
        name = self._liboqs_name(algorithm)
        if deterministic:
            raise ValueError(f"{algorithm} in liboqs signs with fresh randomness only")
        _check_threads(threads)
        prefix = _context_prefix(context)
        key = _as_bytes(private_key, "private_key")
        expected = self.parameter_sizes(algorithm).private_key
        if len(key) != expected:
            raise ValueError(f"{algorithm} private key is {expected} bytes long")
        items = _as_list(messages, "messages")
        with self._oqs.Signature(name, key) as signer:
            return [bytes(signer.sign(prefix + message)) for message in items]

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
        name = self._liboqs_name(algorithm)
        _check_threads(threads)
        prefix = _context_prefix(context)
        items = _as_list(messages, "messages")
        sigs = _as_list(signatures, "signatures")
        _check_same_len("messages", len(items), "signatures", len(sigs))
        keys = self._public_keys(algorithm, public_keys, len(items))
        # liboqs reports a malformed signature (any length, any bytes) as a failed verification,
        # so each item gets its verdict and one bad record cannot fail the batch.
        with self._oqs.Signature(name) as verifier:
            return [
                bool(verifier.verify(prefix + message, signature, key))
                for message, signature, key in zip(items, sigs, keys, strict=True)
            ]

    def _liboqs_name(self, algorithm: str) -> str:
        name = _LIBOQS_NAMES.get(algorithm)
        if name is None:
            raise UnknownAlgorithm(algorithm, OQS_ALGORITHMS)
        if name not in self._enabled:
            raise BackendUnavailable(
                "liboqs",
                f"{name} is not enabled in liboqs {self.version} at {self.library}; {_FIX}",
            )
        return name

    def _public_keys(self, algorithm: str, public_keys: PublicKeys, count: int) -> list[bytes]:
        expected = self.parameter_sizes(algorithm).public_key
        # bytes and memoryview are Sequences too, so "one key" is told apart by type first.
        if isinstance(public_keys, bytes | bytearray | memoryview) or not isinstance(
            public_keys, Sequence
        ):
            shared, keys = True, [_as_bytes(public_keys, "public_keys")]
        else:
            shared = False
            keys = [_as_bytes(key, f"public_keys[{i}]") for i, key in enumerate(public_keys)]
            _check_same_len("messages", count, "public keys", len(keys))
        if any(len(key) != expected for key in keys):
            raise ValueError(f"{algorithm} public key is {expected} bytes long")
        return keys * count if shared else keys


@cache
def liboqs_backend() -> LiboqsBackend:
    """The liboqs backend, loading liboqs on first use; raises `BackendUnavailable` (and never
    exits or downloads) when liboqs-python or the liboqs library is missing."""
    oqs, library = _import_oqs()
    return LiboqsBackend(oqs, library)


def _import_oqs() -> tuple[Any, Path]:
    if importlib.util.find_spec("oqs") is None:
        raise BackendUnavailable(
            "liboqs", "liboqs-python is not installed; pip install 'qrstream[oqs]'"
        )
    configured = os.environ.get("OQS_INSTALL_PATH")
    install = Path(configured) if configured else DEFAULT_INSTALL_PATH
    library = next(
        (
            p
            for p in (install / "lib" / "liboqs.so", install / "lib64" / "liboqs.so")
            if p.is_file()
        ),
        None,
    )
    if library is None:
        raise BackendUnavailable("liboqs", f"no liboqs.so in {install}/lib; {_FIX}")
    # Loading it here first means liboqs-python finds a loadable library and never falls back to
    # its own download-and-build; a broken file is reported here instead.
    try:
        ctypes.CDLL(str(library))
    except OSError as exc:
        raise BackendUnavailable("liboqs", f"cannot load {library}: {exc}; {_FIX}") from exc
    # liboqs-python reads OQS_INSTALL_PATH when imported and otherwise looks in ~/_oqs.
    os.environ["OQS_INSTALL_PATH"] = str(install)
    # liboqs-python logs a banner to stdout at import, which would corrupt CLI output.
    oqs_logger = logging.getLogger("oqs.oqs")
    oqs_logger.addFilter(_drop)
    try:
        with warnings.catch_warnings():
            # liboqs-python 0.16 warns whenever liboqs is not 0.16; we pin liboqs 0.13 (the newest
            # one that crates.io vendors) and build it with the one 0.14 function that
            # liboqs-python 0.16 needs, so this mismatch is known and safe.
            warnings.filterwarnings(
                "ignore",
                message=r"liboqs version \(major, minor\) \S+ differs from liboqs-python version",
                category=UserWarning,
            )
            import oqs
    except (SystemExit, ImportError, OSError, AttributeError) as exc:
        # AttributeError: a liboqs older than liboqs-python expects lacks a symbol it binds.
        raise BackendUnavailable(
            "liboqs", f"liboqs-python cannot use {library} ({exc or type(exc).__name__}); {_FIX}"
        ) from exc
    finally:
        oqs_logger.removeFilter(_drop)
    return oqs, library


def _drop(record: logging.LogRecord) -> bool:
    return False


def _context_prefix(context: Buffer) -> bytes:
    ctx = _as_bytes(context, "context")
    if len(ctx) > MAX_CONTEXT_BYTES:
        raise ValueError(f"context is at most {MAX_CONTEXT_BYTES} bytes long, got {len(ctx)}")
    return bytes([len(ctx)]) + ctx


def _check_threads(threads: int | None) -> None:
    # Accepted for the facade's sake and otherwise unused: items run in order on the calling
    # thread, as a thread pool over the ctypes calls measured no faster on our 2-core machines.
    if threads is not None and threads < 1:
        raise ValueError("invalid thread count: must be at least 1")


def _check_same_len(left: str, left_len: int, right: str, right_len: int) -> None:
    if left_len != right_len:
        raise ValueError(
            f"{left} and {right} must have the same length ({left_len} != {right_len})"
        )


def _as_list(items: Sequence[Buffer], what: str) -> list[bytes]:
    if isinstance(items, str | bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be a sequence of bytes-like objects")
    return [_as_bytes(item, f"{what}[{i}]") for i, item in enumerate(items)]


def _as_bytes(value: Buffer, what: str) -> bytes:
    # memoryview, unlike bytes(), refuses an int instead of making that many zero bytes.
    try:
        return memoryview(value).tobytes()
    except TypeError:
        raise TypeError(f"{what} must be bytes-like, not {type(value).__name__}") from None
