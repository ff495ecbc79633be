"""The liboqs backend through the `streams.signing` facade: round trips, per-item verdicts, the
context framing, input errors, and a missing liboqs that must neither exit nor download."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from streams import signing
from streams.errors import BackendUnavailable, InvalidSignature
from streams.oqs_backend import LiboqsBackend, liboqs_backend

pytestmark = pytest.mark.native

REPO_ROOT = Path(__file__).resolve().parents[2]
CTX = b"qrstream/test"


@dataclass(frozen=True)
class Sizes:
    public_key: int
    private_key: int
    signature: int


SIZES = {
    "Falcon-512": Sizes(897, 1281, 752),
    "Falcon-1024": Sizes(1793, 2305, 1462),
    "SPHINCS+-SHA2-128f-simple": Sizes(32, 64, 17088),
    "SPHINCS+-SHA2-128s-simple": Sizes(32, 64, 7856),
}
# SPHINCS+-SHA2-128s signs in about 0.2 s, so only the fast instances sign in these tests.
SIGNING = [pytest.param(alg, id=alg) for alg in ("Falcon-512", "SPHINCS+-SHA2-128f-simple")]


@pytest.fixture(scope="module", autouse=True)
def backend() -> LiboqsBackend:
    try:
        return liboqs_backend()
    except BackendUnavailable as exc:
        pytest.fail(f"{exc} (the native tests need liboqs: bash scripts/build-liboqs.sh)")


@pytest.fixture(scope="module", params=SIGNING)
def keypair(request: pytest.FixtureRequest) -> signing.KeyPair:
    algorithm: str = request.param
    return signing.generate_keypair(algorithm)


@pytest.fixture(scope="module")
def other_keypair(keypair: signing.KeyPair) -> signing.KeyPair:
    return signing.generate_keypair(keypair.algorithm)


def test_algorithms_route_to_liboqs(backend: LiboqsBackend) -> None:
    assert backend.version == "0.13.0"
    for algorithm in signing.OQS_ALGORITHMS:
        assert signing.backend_for(algorithm) is backend
    assert not isinstance(signing.backend_for("ML-DSA-65"), LiboqsBackend)


@pytest.mark.parametrize("algorithm", list(SIZES))
def test_parameter_sizes(algorithm: str) -> None:
    sizes = signing.parameter_sizes(algorithm)
    assert Sizes(sizes.public_key, sizes.private_key, sizes.signature) == SIZES[algorithm]


def test_keypair(keypair: signing.KeyPair, other_keypair: signing.KeyPair) -> None:
    sizes = SIZES[keypair.algorithm]
    assert len(keypair.public_key) == sizes.public_key
    assert len(keypair.private_key) == sizes.private_key
    assert keypair.seed is None
    assert keypair.public_key != other_keypair.public_key


def test_round_trip(keypair: signing.KeyPair) -> None:
    alg, messages = keypair.algorithm, [b"record 0", b"", b"record 2" * 100]
    sigs = signing.sign_many(alg, keypair.private_key, messages, CTX)
    assert len(sigs) == len(messages)
    assert all(len(sig) <= SIZES[alg].signature for sig in sigs)
    assert signing.verify_many(alg, keypair.public_key, messages, sigs, CTX) == [True] * 3
    sig = signing.sign(alg, keypair.private_key, b"one", CTX)
    signing.verify(alg, keypair.public_key, b"one", sig, CTX)


def test_default_context_and_buffers(keypair: signing.KeyPair) -> None:
    alg, key = keypair.algorithm, bytearray(keypair.private_key)
    sig = signing.sign(alg, memoryview(key), bytearray(b"msg"))
    signing.verify(alg, memoryview(keypair.public_key), memoryview(b"msg"), bytearray(sig))
    assert signing.verify_many(alg, keypair.public_key, [b"msg"], [sig], CTX) == [False]


def test_signing_is_randomized(keypair: signing.KeyPair) -> None:
    alg = keypair.algorithm
    first, second = signing.sign_many(alg, keypair.private_key, [b"same", b"same"], CTX)
    assert first != second


def test_per_item_keys_give_per_item_verdicts(
    keypair: signing.KeyPair, other_keypair: signing.KeyPair
) -> None:
    alg = keypair.algorithm
    messages = [b"a", b"b", b"c"]
    sigs = [
        signing.sign(alg, keypair.private_key, b"a", CTX),
        signing.sign(alg, other_keypair.private_key, b"b", CTX),
        signing.sign(alg, other_keypair.private_key, b"c", CTX),
    ]
    keys = [keypair.public_key, other_keypair.public_key, keypair.public_key]
    assert signing.verify_many(alg, keys, messages, sigs, CTX) == [True, True, False]
    assert signing.verify_many(alg, keypair.public_key, messages, sigs, CTX) == [
        True,
        False,
        False,
    ]


def test_tampering_is_caught(keypair: signing.KeyPair) -> None:
    alg, pk = keypair.algorithm, keypair.public_key
    sig = signing.sign(alg, keypair.private_key, b"payload", CTX)
    flipped = bytearray(sig)
    flipped[len(flipped) // 2] ^= 0x01
    cases = [
        (b"payload!", sig, CTX),
        (b"payload", bytes(flipped), CTX),
        (b"payload", sig, b"qrstream/other"),
        (b"payload", sig, b""),
    ]
    for message, signature, context in cases:
        assert signing.verify_many(alg, pk, [message], [signature], context) == [False]
        with pytest.raises(
            InvalidSignature, match=re.escape(f"{alg} signature verification failed")
        ):
            signing.verify(alg, pk, message, signature, context)


def test_malformed_signatures_are_false(keypair: signing.KeyPair) -> None:
    alg = keypair.algorithm
    good = signing.sign(alg, keypair.private_key, b"m", CTX)
    malformed = [b"", good[:10], good[:-1], good + b"\x00", good + bytes(20000), bytes(len(good))]
    verdicts = signing.verify_many(
        alg, keypair.public_key, [b"m"] * (len(malformed) + 1), [*malformed, good], CTX
    )
    assert verdicts == [False] * len(malformed) + [True]


def test_context_framing_is_length_prefixed(
    backend: LiboqsBackend, keypair: signing.KeyPair
) -> None:
    # The wire format: liboqs signs u8(len(ctx)) || ctx || message, so (ctx, message) pairs
    # that concatenate to the same bytes still give different signed messages.
    alg = keypair.algorithm
    sig = signing.sign(alg, keypair.private_key, b"cd", b"ab")
    with backend._oqs.Signature(alg) as raw:
        assert raw.verify(b"\x02abcd", sig, keypair.public_key)
        assert not raw.verify(b"cd", sig, keypair.public_key)
    assert signing.verify_many(alg, keypair.public_key, [b"bcd"], [sig], b"a") == [False]


def test_context_length_limit(keypair: signing.KeyPair) -> None:
    alg, pk, sk = keypair.algorithm, keypair.public_key, keypair.private_key
    longest = bytes(range(255))
    sig = signing.sign(alg, sk, b"m", longest)
    signing.verify(alg, pk, b"m", sig, longest)
    too_long = bytes(256)
    with pytest.raises(ValueError, match="context is at most 255 bytes long, got 256"):
        signing.sign_many(alg, sk, [b"m"], too_long)
    with pytest.raises(ValueError, match="context is at most 255 bytes long, got 256"):
        signing.verify_many(alg, pk, [b"m"], [sig], too_long)


def test_mismatched_lengths(keypair: signing.KeyPair) -> None:
    alg, pk = keypair.algorithm, keypair.public_key
    sig = signing.sign(alg, keypair.private_key, b"m", CTX)
    with pytest.raises(ValueError, match=r"messages and signatures .* \(2 != 1\)"):
        signing.verify_many(alg, pk, [b"m", b"n"], [sig], CTX)
    with pytest.raises(ValueError, match=r"messages and public keys .* \(1 != 2\)"):
        signing.verify_many(alg, [pk, pk], [b"m"], [sig], CTX)
    assert signing.verify_many(alg, pk, [], [], CTX) == []
    assert signing.sign_many(alg, keypair.private_key, [], CTX) == []


def test_wrong_key_sizes(keypair: signing.KeyPair) -> None:
    alg, sizes = keypair.algorithm, SIZES[keypair.algorithm]
    with pytest.raises(
        ValueError, match=re.escape(f"{alg} private key is {sizes.private_key} bytes long")
    ):
        signing.sign(alg, keypair.private_key[:-1], b"m", CTX)
    sig = signing.sign(alg, keypair.private_key, b"m", CTX)
    with pytest.raises(
        ValueError, match=re.escape(f"{alg} public key is {sizes.public_key} bytes long")
    ):
        signing.verify_many(alg, keypair.public_key + b"\x00", [b"m"], [sig], CTX)
    with pytest.raises(
        ValueError, match=re.escape(f"{alg} public key is {sizes.public_key} bytes long")
    ):
        signing.verify_many(alg, [b""], [b"m"], [sig], CTX)


def test_wrong_types(keypair: signing.KeyPair) -> None:
    alg, sk = keypair.algorithm, keypair.private_key
    with pytest.raises(TypeError, match="messages must be a sequence of bytes-like objects"):
        signing.sign_many(alg, sk, b"not a list", CTX)
    with pytest.raises(TypeError, match=r"messages\[1\] must be bytes-like, not str"):
        signing.sign_many(alg, sk, [b"ok", "text"], CTX)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="private_key must be bytes-like, not int"):
        signing.sign(alg, 5, b"m", CTX)  # type: ignore[arg-type]


def test_unsupported_options(keypair: signing.KeyPair) -> None:
    alg, sk = keypair.algorithm, keypair.private_key
    with pytest.raises(ValueError, match="takes no seed"):
        signing.generate_keypair(alg, seed=bytes(32))
    with pytest.raises(ValueError, match="signs with fresh randomness only"):
        signing.sign(alg, sk, b"m", CTX, deterministic=True)
    with pytest.raises(ValueError, match="invalid thread count"):
        signing.sign_many(alg, sk, [b"m"], CTX, threads=0)
    sigs = signing.sign_many(alg, sk, [b"m"], CTX, threads=1)
    assert signing.verify_many(alg, keypair.public_key, [b"m"], sigs, CTX, threads=2) == [True]


PROBE = textwrap.dedent(
    """
    import sys
    from streams import signing
    from streams.errors import BackendUnavailable
    try:
        signing.generate_keypair("Falcon-512")
    except BackendUnavailable as exc:
        print(exc)
    else:
        print("no BackendUnavailable")
    print("oqs imported:", "oqs" in sys.modules)
    """
)


def _probe_without_liboqs(tmp_path: Path, install: Path) -> subprocess.CompletedProcess[str]:
    """Runs PROBE with `install` as OQS_INSTALL_PATH, an empty HOME (no ~/_oqs) and a PATH whose
    only program is a `git` that leaves a marker, so that any download attempt shows."""
    home, bin_dir = tmp_path / "home", tmp_path / "bin"
    home.mkdir()
    bin_dir.mkdir()
    git = bin_dir / "git"
    # A shell redirection, not `touch`: PATH holds no other program.
    git.write_text(f"#!/bin/sh\n: > '{tmp_path / 'git-was-run'}'\nexit 1\n")
    git.chmod(0o755)
    env = {"OQS_INSTALL_PATH": str(install), "HOME": str(home), "PATH": str(bin_dir)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert not (tmp_path / "git-was-run").exists(), "liboqs-python tried to run git"
    return result


def test_missing_liboqs_is_backend_unavailable(tmp_path: Path) -> None:
    install = tmp_path / "empty-oqs"
    install.mkdir()
    result = _probe_without_liboqs(tmp_path, install)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"liboqs backend unavailable: no liboqs.so in {install}/lib; "
        "run `make setup` or set OQS_INSTALL_PATH to a liboqs install",
        "oqs imported: False",
    ]
    assert result.stderr == ""


def test_unloadable_liboqs_is_backend_unavailable(tmp_path: Path) -> None:
    install = tmp_path / "broken-oqs"
    (install / "lib").mkdir(parents=True)
    (install / "lib" / "liboqs.so").write_bytes(b"not an ELF file")
    result = _probe_without_liboqs(tmp_path, install)
    assert result.returncode == 0, result.stderr
    first, imported = result.stdout.splitlines()
    assert first.startswith(f"liboqs backend unavailable: cannot load {install}/lib/liboqs.so")
    assert first.endswith("run `make setup` or set OQS_INSTALL_PATH to a liboqs install")
    assert imported == "oqs imported: False"


def test_library_without_liboqs_symbols_is_backend_unavailable(tmp_path: Path) -> None:
    # Any loadable shared object that is not liboqs: liboqs-python gets past its search and then
    # fails to bind a symbol, as it does with a stock liboqs older than 0.14.
    import _ctypes

    install = tmp_path / "not-oqs"
    (install / "lib").mkdir(parents=True)
    shutil.copy(_ctypes.__file__, install / "lib" / "liboqs.so")
    result = _probe_without_liboqs(tmp_path, install)
    assert result.returncode == 0, result.stderr
    first, imported = result.stdout.splitlines()
    assert first.startswith(
        f"liboqs backend unavailable: liboqs-python cannot use {install}/lib/liboqs.so ("
    )
    assert "undefined symbol: OQS_" in first
    assert imported == "oqs imported: False"
