"""ML-DSA throughput of the native module against pyca/cryptography (OpenSSL) and liboqs,
all measured in the same run on the same messages, printed as ratios to cryptography."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import mldsa

from streams import signing
from streams.errors import BackendUnavailable

__all__ = ["CryptoBenchConfig", "Measurement", "format_table", "run_crypto_bench"]

OPERATIONS = ("keygen", "sign", "verify")
NATIVE_1T = "native batch 1 thread"
NATIVE_ALL = "native batch all cores"
NATIVE_SINGLE = "native single calls"
CRYPTOGRAPHY = "cryptography"
LIBOQS = "liboqs"
IMPLEMENTATIONS = (NATIVE_1T, NATIVE_ALL, NATIVE_SINGLE, CRYPTOGRAPHY, LIBOQS)

_CRYPTOGRAPHY_KEYS: dict[
    str,
    type[mldsa.MLDSA44PrivateKey] | type[mldsa.MLDSA65PrivateKey] | type[mldsa.MLDSA87PrivateKey],
] = {
    "ML-DSA-44": mldsa.MLDSA44PrivateKey,
    "ML-DSA-65": mldsa.MLDSA65PrivateKey,
    "ML-DSA-87": mldsa.MLDSA87PrivateKey,
}


@dataclass(frozen=True)
class CryptoBenchConfig:
    algorithms: tuple[str, ...] = signing.MLDSA_ALGORITHMS
    seconds: float = 1.0
    batch: int = 256
    message_bytes: int = 300
    liboqs_algorithms: tuple[str, ...] = ("Falcon-512", "SPHINCS+-SHA2-128f-simple")


@dataclass(frozen=True)
class Measurement:
    algorithm: str
    operation: str
    implementation: str
    ops_per_second: float


def ops_per_second(run_once: Callable[[], int], seconds: float) -> float:
    """Repeats `run_once` (which returns how many operations it did) for at least `seconds`
    after one warm-up call."""
    run_once()
    done, start = 0, time.perf_counter()
    while True:
        done += run_once()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _native_cases(
    alg: str, messages: list[bytes], context: bytes
) -> Iterator[tuple[str, str, Callable[[], int]]]:
    pair = signing.generate_keypair(alg)
    sigs = signing.sign_many(alg, pair.private_key, messages, context)
    n = len(messages)

    def keygen() -> int:
        signing.generate_keypair(alg)
        return 1

    def single_sign() -> int:
        for m in messages:
            signing.sign(alg, pair.private_key, m, context)
        return n

    def single_verify() -> int:
        for m, s in zip(messages, sigs, strict=True):
            signing.verify(alg, pair.public_key, m, s, context)
        return n

    for label, threads in ((NATIVE_1T, 1), (NATIVE_ALL, None)):

        def batch_sign(threads: int | None = threads) -> int:
            return len(signing.sign_many(alg, pair.private_key, messages, context, threads=threads))

        def batch_verify(threads: int | None = threads) -> int:
            ok = signing.verify_many(alg, pair.public_key, messages, sigs, context, threads=threads)
            if not all(ok):
                raise RuntimeError(f"{alg} benchmark signatures failed to verify")
            return len(ok)

        yield "sign", label, batch_sign
        yield "verify", label, batch_verify
    yield "keygen", NATIVE_SINGLE, keygen
    yield "sign", NATIVE_SINGLE, single_sign
    yield "verify", NATIVE_SINGLE, single_verify


def _cryptography_cases(
    alg: str, messages: list[bytes], context: bytes
) -> Iterator[tuple[str, str, Callable[[], int]]]:
    key_class = _CRYPTOGRAPHY_KEYS[alg]
    key = key_class.generate()
    public = key.public_key()
    sigs = [key.sign(m, context) for m in messages]

    def keygen() -> int:
        key_class.generate()
        return 1

    def sign() -> int:
        for m in messages:
            key.sign(m, context)
        return len(messages)

    def verify() -> int:
        for m, s in zip(messages, sigs, strict=True):
            public.verify(s, m, context)
        return len(messages)

    yield "keygen", CRYPTOGRAPHY, keygen
    yield "sign", CRYPTOGRAPHY, sign
    yield "verify", CRYPTOGRAPHY, verify


def _liboqs_cases(
    alg: str, messages: list[bytes], context: bytes
) -> Iterator[tuple[str, str, Callable[[], int]]]:
    pair = signing.generate_keypair(alg)
    sigs = signing.sign_many(alg, pair.private_key, messages, context)

    def keygen() -> int:
        signing.generate_keypair(alg)
        return 1

    def sign() -> int:
        return len(signing.sign_many(alg, pair.private_key, messages, context))

    def verify() -> int:
        return len(signing.verify_many(alg, pair.public_key, messages, sigs, context))

    yield "keygen", LIBOQS, keygen
    yield "sign", LIBOQS, sign
    yield "verify", LIBOQS, verify


def run_crypto_bench(
    config: CryptoBenchConfig, progress: Callable[[str], None] = lambda _: None
) -> list[Measurement]:
    messages = [os.urandom(config.message_bytes) for _ in range(config.batch)]
    context = signing.ENVELOPE_CONTEXT
    results: list[Measurement] = []

    def measure(alg: str, cases: Iterator[tuple[str, str, Callable[[], int]]]) -> None:
        for operation, implementation, run_once in cases:
            progress(f"{alg} {operation} {implementation} ...")
            rate = ops_per_second(run_once, config.seconds)
            results.append(Measurement(alg, operation, implementation, rate))

    for alg in config.algorithms:
        measure(alg, _native_cases(alg, messages, context))
        measure(alg, _cryptography_cases(alg, messages, context))
    for alg in config.liboqs_algorithms:
        try:
            # liboqs signs each message in Python, so a few suffice for a stable figure.
            measure(alg, _liboqs_cases(alg, messages[:16], context))
        except BackendUnavailable as err:
            progress(f"{alg}: skipped, {err}")
    return results


def _rate(results: list[Measurement], alg: str, op: str, impl: str) -> float | None:
    for m in results:
        if (m.algorithm, m.operation, m.implementation) == (alg, op, impl):
            return m.ops_per_second
    return None


def _cell(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}{suffix}" if suffix else f"{value:,.0f}"


def format_table(results: list[Measurement]) -> str:
    """A fixed-width table: operations/s per implementation, then the ratios of the
    native batch to cryptography (per core and on all cores) and the multi-core scaling."""
    headers = ("algorithm", "op", *IMPLEMENTATIONS, "1t/crypto", "all/crypto", "scaling")
    rows: list[tuple[str, ...]] = []
    algorithms = list(dict.fromkeys(m.algorithm for m in results))
    for alg in algorithms:
        for op in OPERATIONS:
            rates = [_rate(results, alg, op, impl) for impl in IMPLEMENTATIONS]
            if all(r is None for r in rates):
                continue
            one, every, _, crypto, _ = rates
            rows.append(
                (
                    alg,
                    op,
                    *(_cell(r) for r in rates),
                    _cell(one / crypto if one and crypto else None, "x"),
                    _cell(every / crypto if every and crypto else None, "x"),
                    _cell(every / one if every and one else None, "x"),
                )
            )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
