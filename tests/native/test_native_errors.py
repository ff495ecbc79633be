"""Negative and edge cases of `streams._native`, in the style of pyca/cryptography's
tests/hazmat/primitives/test_mldsa.py: tampering, malformed sizes, wrong types, batch shapes,
thread counts, zero-copy buffers, and the GIL being released during batch work."""

from __future__ import annotations

import array
import importlib.metadata
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from streams import _native
from streams.errors import InvalidSignature

pytestmark = pytest.mark.native

CTX = b"qrstream/v1"
MESSAGE = bytes(range(64))


@dataclass(frozen=True)
class Variant:
    alg: str
    public_key_size: int
    private_key_size: int
    signature_size: int


VARIANTS = (
    pytest.param(Variant("ML-DSA-44", 1312, 2560, 2420), id="ML-DSA-44"),
    pytest.param(Variant("ML-DSA-65", 1952, 4032, 3309), id="ML-DSA-65"),
    pytest.param(Variant("ML-DSA-87", 2592, 4896, 4627), id="ML-DSA-87"),
)


@dataclass(frozen=True)
class Material:
    """A key pair and a signature of MESSAGE under CTX."""

    alg: str
    pk: bytes
    sk: bytes
    sig: bytes


@pytest.fixture(scope="module")
def materials() -> dict[str, Material]:
    out = {}
    for alg in ("ML-DSA-44", "ML-DSA-65", "ML-DSA-87"):
        pk, sk = _native.keypair(alg, bytes([len(alg)]) * 32)
        out[alg] = Material(alg, pk, sk, _native.sign(alg, sk, MESSAGE, CTX))
    return out


@pytest.fixture
def m65(materials: dict[str, Material]) -> Material:
    return materials["ML-DSA-65"]


def verdict(alg: str, pk: Any, msg: Any, sig: Any, ctx: Any) -> bool:
    """`_native.verify` as a boolean; any other exception propagates."""
    try:
        _native.verify(alg, pk, msg, sig, ctx)
    except InvalidSignature:
        return False
    return True


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def flip(data: bytes, index: int, bit: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 1 << bit
    return bytes(out)


def flips(data: bytes) -> list[bytes]:
    """`data` with one bit flipped at the start, the middle and the end."""
    return [flip(data, i, b) for i, b in ((0, 0), (len(data) // 2, 3), (len(data) - 1, 7))]


# -- module surface ---------------------------------------------------------------------------


def test_version_is_the_package_version() -> None:
    assert isinstance(_native.__version__, str)
    assert _native.__version__ == importlib.metadata.version("qrstream")


def test_simd_backend_names_a_known_code_path() -> None:
    assert _native.simd_backend() in {"avx2", "neon", "portable"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_sizes(variant: Variant, materials: dict[str, Material]) -> None:
    m = materials[variant.alg]
    sizes = (variant.public_key_size, variant.private_key_size, variant.signature_size)
    assert _native.parameter_sizes(variant.alg) == sizes
    assert (len(m.pk), len(m.sk), len(m.sig)) == sizes


@pytest.mark.parametrize("variant", VARIANTS)
def test_keypair_without_seed_is_random(variant: Variant) -> None:
    first, second = _native.keypair(variant.alg), _native.keypair(variant.alg, None)
    assert first[0] != second[0]
    assert first[1] != second[1]
    assert len(first[0]) == variant.public_key_size
    assert len(second[1]) == variant.private_key_size
    signature = _native.sign(variant.alg, first[1], b"m", b"")
    _native.verify(variant.alg, first[0], b"m", signature, b"")


# -- tampering --------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["message", "signature", "public key", "context"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_flipped_bit_is_rejected(
    variant: Variant, target: str, materials: dict[str, Material]
) -> None:
    m = materials[variant.alg]
    original = {"message": MESSAGE, "signature": m.sig, "public key": m.pk, "context": CTX}
    assert verdict(m.alg, m.pk, MESSAGE, m.sig, CTX)
    for tampered in flips(original[target]):
        args = {**original, target: tampered}
        pk, msg, sig, ctx = args["public key"], args["message"], args["signature"], args["context"]
        assert _native.verify_many(m.alg, pk, [msg], [sig], ctx) == [False]
        assert _native.verify_many(m.alg, [pk], [msg], [sig], ctx) == [False]
        with pytest.raises(InvalidSignature, match="signature verification failed"):
            _native.verify(m.alg, pk, msg, sig, ctx)


@pytest.mark.parametrize("variant", VARIANTS)
def test_malformed_signature_sizes_are_invalid_not_errors(
    variant: Variant, materials: dict[str, Material]
) -> None:
    m = materials[variant.alg]
    malformed = {
        "truncated by one": m.sig[:-1],
        "one byte": m.sig[:1],
        "empty": b"",
        "one byte too long": m.sig + b"\x00",
        "twice": m.sig * 2,
    }
    verdicts = _native.verify_many(m.alg, m.pk, [MESSAGE] * 6, [m.sig, *malformed.values()], CTX)
    assert verdicts == [True] + [False] * len(malformed)
    for name, sig in malformed.items():
        with pytest.raises(InvalidSignature):
            _native.verify(m.alg, m.pk, MESSAGE, sig, CTX)
        assert _native.verify_internal(m.alg, m.pk, MESSAGE, sig) is False, name


# -- wrong sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_wrong_length_public_key(variant: Variant, materials: dict[str, Material]) -> None:
    m = materials[variant.alg]
    message = exactly(f"{m.alg} public key is {variant.public_key_size} bytes long")
    for pk in (b"", m.pk[:-1], m.pk + b"\x00", m.sk):
        with pytest.raises(ValueError, match=message):
            _native.verify(m.alg, pk, MESSAGE, m.sig, CTX)
        with pytest.raises(ValueError, match=message):
            _native.verify_many(m.alg, pk, [MESSAGE], [m.sig], CTX)
        with pytest.raises(ValueError, match=message):
            _native.verify_many(m.alg, [m.pk, pk], [MESSAGE] * 2, [m.sig] * 2, CTX)
        with pytest.raises(ValueError, match=message):
            _native.verify_internal(m.alg, pk, MESSAGE, m.sig)


@pytest.mark.parametrize("variant", VARIANTS)
def test_wrong_length_private_key(variant: Variant, materials: dict[str, Material]) -> None:
    m = materials[variant.alg]
    message = exactly(f"{m.alg} private key is {variant.private_key_size} bytes long")
    for sk in (b"", m.sk[:-1], m.sk + b"\x00", m.pk, bytes(32)):
        with pytest.raises(ValueError, match=message):
            _native.sign(m.alg, sk, MESSAGE, CTX)
        with pytest.raises(ValueError, match=message):
            _native.sign_many(m.alg, sk, [MESSAGE], CTX)
        with pytest.raises(ValueError, match=message):
            _native.sign_many(m.alg, sk, [], CTX)
        with pytest.raises(ValueError, match=message):
            _native.sign_internal(m.alg, sk, MESSAGE, bytes(32))


@pytest.mark.parametrize("variant", VARIANTS)
def test_wrong_length_seed_and_randomness(variant: Variant, materials: dict[str, Material]) -> None:
    m = materials[variant.alg]
    for size in (0, 31, 33, 64):
        with pytest.raises(ValueError, match=exactly(f"{m.alg} seed is 32 bytes long")):
            _native.keypair(m.alg, bytes(size))
        randomness = exactly(f"{m.alg} signing randomness is 32 bytes long")
        with pytest.raises(ValueError, match=randomness):
            _native.sign_internal(m.alg, m.sk, MESSAGE, bytes(size))


def test_context_length_limit(m65: Material) -> None:
    longest = bytes(range(255))
    signature = _native.sign(m65.alg, m65.sk, MESSAGE, longest)
    _native.verify(m65.alg, m65.pk, MESSAGE, signature, longest)
    assert _native.verify_many(m65.alg, m65.pk, [MESSAGE], [signature], longest) == [True]
    for size in (256, 1000):
        too_long = bytes(size)
        message = exactly(f"context is at most 255 bytes long, got {size}")
        with pytest.raises(ValueError, match=message):
            _native.sign(m65.alg, m65.sk, MESSAGE, too_long)
        with pytest.raises(ValueError, match=message):
            _native.sign_many(m65.alg, m65.sk, [MESSAGE], too_long)
        with pytest.raises(ValueError, match=message):
            _native.verify(m65.alg, m65.pk, MESSAGE, m65.sig, too_long)
        with pytest.raises(ValueError, match=message):
            _native.verify_many(m65.alg, m65.pk, [MESSAGE], [m65.sig], too_long)


@pytest.mark.parametrize("name", ["ML-DSA-66", "ml-dsa-65", "ML-DSA-65 ", "Falcon-512", ""])
def test_unknown_algorithm(name: str, m65: Material) -> None:
    message = exactly(
        f'unknown ML-DSA parameter set "{name}"; expected ML-DSA-44, ML-DSA-65 or ML-DSA-87'
    )
    calls: list[Callable[[], object]] = [
        lambda: _native.parameter_sizes(name),
        lambda: _native.keypair(name),
        lambda: _native.keypair(name, bytes(32)),
        lambda: _native.sign(name, m65.sk, MESSAGE, CTX),
        lambda: _native.sign_many(name, m65.sk, [MESSAGE], CTX),
        lambda: _native.verify(name, m65.pk, MESSAGE, m65.sig, CTX),
        lambda: _native.verify_many(name, m65.pk, [MESSAGE], [m65.sig], CTX),
        lambda: _native.sign_internal(name, m65.sk, MESSAGE, bytes(32)),
        lambda: _native.verify_internal(name, m65.pk, MESSAGE, m65.sig),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=message):
            call()


# -- batch shapes -----------------------------------------------------------------------------


def test_mismatched_batch_lengths(m65: Material) -> None:
    alg, pk, sig = m65.alg, m65.pk, m65.sig
    with pytest.raises(
        ValueError, match=exactly("msgs and sigs must have the same length (2 != 1)")
    ):
        _native.verify_many(alg, pk, [MESSAGE] * 2, [sig], CTX)
    with pytest.raises(
        ValueError, match=exactly("msgs and sigs must have the same length (1 != 3)")
    ):
        _native.verify_many(alg, pk, [MESSAGE], [sig] * 3, CTX)
    with pytest.raises(
        ValueError, match=exactly("msgs and sigs must have the same length (0 != 1)")
    ):
        _native.verify_many(alg, pk, [], [sig], CTX)
    per_item = exactly("msgs and public keys must have the same length (2 != 3)")
    with pytest.raises(ValueError, match=per_item):
        _native.verify_many(alg, [pk] * 3, [MESSAGE] * 2, [sig] * 2, CTX)
    with pytest.raises(
        ValueError, match=exactly("msgs and public keys must have the same length (2 != 1)")
    ):
        _native.verify_many(alg, [pk], [MESSAGE] * 2, [sig] * 2, CTX)
    with pytest.raises(
        ValueError, match=exactly("msgs and public keys must have the same length (1 != 0)")
    ):
        _native.verify_many(alg, [], [MESSAGE], [sig], CTX)


def test_empty_batch(m65: Material) -> None:
    for threads in (None, 1, 2):
        assert _native.sign_many(m65.alg, m65.sk, [], CTX, threads=threads) == []
        assert _native.verify_many(m65.alg, m65.pk, [], [], CTX, threads=threads) == []
        assert _native.verify_many(m65.alg, [], [], [], CTX, threads=threads) == []
        assert _native.verify_many(m65.alg, (), (), (), CTX, threads=threads) == []


def test_per_item_public_keys_route_each_verdict(materials: dict[str, Material]) -> None:
    alg = "ML-DSA-44"
    pairs = [_native.keypair(alg, bytes([i]) * 32) for i in (1, 2)]
    owners = [i % 3 % 2 for i in range(12)]  # 0,1,0,0,1,0,...: both keys, unevenly
    msgs = [f"record {i}".encode() for i in range(len(owners))]
    sigs = [_native.sign(alg, pairs[o][1], msg, CTX) for o, msg in zip(owners, msgs, strict=True)]
    right = [pairs[o][0] for o in owners]
    wrong = [pairs[1 - o][0] for o in owners]
    for threads in (None, 1, 2):
        assert _native.verify_many(alg, right, msgs, sigs, CTX, threads=threads) == [True] * 12
        assert _native.verify_many(alg, wrong, msgs, sigs, CTX, threads=threads) == [False] * 12
        mixed = [right[i] if i % 2 else wrong[i] for i in range(12)]
        expected = [bool(i % 2) for i in range(12)]
        assert _native.verify_many(alg, mixed, msgs, sigs, CTX, threads=threads) == expected
        shared = _native.verify_many(alg, pairs[0][0], msgs, sigs, CTX, threads=threads)
        assert shared == [o == 0 for o in owners]
    assert materials["ML-DSA-44"].pk not in right


def test_thread_counts_give_identical_verdicts(m65: Material) -> None:
    msgs = [f"message {i}".encode() for i in range(40)]
    sigs = _native.sign_many(m65.alg, m65.sk, msgs, CTX, threads=2)
    sigs[3] = flip(sigs[3], 100, 1)
    sigs[17] = sigs[17][:-1]
    sigs[29] = b""
    msgs[35] = msgs[35] + b"!"
    expected = [i not in {3, 17, 29, 35} for i in range(40)]
    results = {
        threads: _native.verify_many(m65.alg, m65.pk, msgs, sigs, CTX, threads=threads)
        for threads in (None, 1, 2, 3)
    }
    assert results == dict.fromkeys(results, expected)


def test_invalid_thread_counts(m65: Material) -> None:
    message = exactly("invalid thread count: must be at least 1")
    with pytest.raises(ValueError, match=message):
        _native.sign_many(m65.alg, m65.sk, [MESSAGE], CTX, threads=0)
    with pytest.raises(ValueError, match=message):
        _native.verify_many(m65.alg, m65.pk, [MESSAGE], [m65.sig], CTX, threads=0)
    with pytest.raises((ValueError, OverflowError)):
        _native.verify_many(m65.alg, m65.pk, [MESSAGE], [m65.sig], CTX, threads=-1)
    not_a_count: Any = "2"
    with pytest.raises(TypeError):
        _native.verify_many(m65.alg, m65.pk, [MESSAGE], [m65.sig], CTX, threads=not_a_count)


# -- wrong types ------------------------------------------------------------------------------

TypeCase = Callable[[Material], object]

TYPE_CASES: list[Any] = [
    pytest.param(lambda m: _native.sign(m.alg, m.sk, "text", CTX), "msg", id="sign msg str"),
    pytest.param(lambda m: _native.sign(m.alg, m.sk, 7, CTX), "msg", id="sign msg int"),
    pytest.param(lambda m: _native.sign(m.alg, m.sk, None, CTX), "msg", id="sign msg None"),
    pytest.param(lambda m: _native.sign(m.alg, m.sk.hex(), MESSAGE, CTX), "sk", id="sign sk str"),
    pytest.param(lambda m: _native.sign(m.alg, None, MESSAGE, CTX), "sk", id="sign sk None"),
    pytest.param(lambda m: _native.sign(m.alg, m.sk, MESSAGE, "ctx"), "ctx", id="sign ctx str"),
    pytest.param(lambda m: _native.sign(m.alg, m.sk, MESSAGE, None), "ctx", id="sign ctx None"),
    pytest.param(lambda m: _native.sign(None, m.sk, MESSAGE, CTX), "alg", id="sign alg None"),
    pytest.param(
        lambda m: _native.sign(m.alg, m.sk, MESSAGE, CTX, deterministic="yes"),
        "deterministic",
        id="sign deterministic str",
    ),
    pytest.param(lambda m: _native.keypair(m.alg, "0" * 32), "seed", id="keypair seed str"),
    pytest.param(lambda m: _native.keypair(m.alg, 32), "seed", id="keypair seed int"),
    pytest.param(
        lambda m: _native.verify(m.alg, m.pk.hex(), MESSAGE, m.sig, CTX), "pk", id="verify pk str"
    ),
    pytest.param(
        lambda m: _native.verify(m.alg, m.pk, "text", m.sig, CTX), "msg", id="verify msg str"
    ),
    pytest.param(
        lambda m: _native.verify(m.alg, m.pk, MESSAGE, None, CTX), "sig", id="verify sig None"
    ),
    pytest.param(
        lambda m: _native.verify(m.alg, m.pk, MESSAGE, m.sig, "ctx"), "ctx", id="verify ctx str"
    ),
    pytest.param(
        lambda m: _native.sign_many(m.alg, m.sk, [b"a", "b"], CTX), "msgs[1]", id="msgs list of str"
    ),
    pytest.param(
        lambda m: _native.sign_many(m.alg, m.sk, [b"a", None], CTX), "msgs[1]", id="msgs None item"
    ),
    pytest.param(
        lambda m: _native.sign_many(m.alg, m.sk, MESSAGE, CTX), "msgs", id="msgs bare bytes"
    ),
    pytest.param(lambda m: _native.sign_many(m.alg, m.sk, "ab", CTX), "msgs", id="msgs bare str"),
    pytest.param(
        lambda m: _native.sign_many(m.alg, m.sk, bytearray(b"ab"), CTX),
        "msgs[0]",
        id="msgs bare bytearray",
    ),
    pytest.param(lambda m: _native.sign_many(m.alg, m.sk, None, CTX), "msgs", id="msgs None"),
    pytest.param(lambda m: _native.sign_many(m.alg, m.sk, 3, CTX), "msgs", id="msgs int"),
    pytest.param(
        lambda m: _native.verify_many(m.alg, m.pk, [MESSAGE], m.sig, CTX),
        "sigs",
        id="sigs bare bytes",
    ),
    pytest.param(
        lambda m: _native.verify_many(m.alg, m.pk, [MESSAGE], ["sig"], CTX),
        "sigs[0]",
        id="sigs list of str",
    ),
    pytest.param(
        lambda m: _native.verify_many(m.alg, m.pk, MESSAGE, [m.sig], CTX),
        "msgs",
        id="verify_many msgs bare bytes",
    ),
    pytest.param(
        lambda m: _native.verify_many(m.alg, m.pk.hex(), [MESSAGE], [m.sig], CTX),
        "pk",
        id="pk str",
    ),
    pytest.param(
        lambda m: _native.verify_many(m.alg, [m.pk, "pk"], [MESSAGE] * 2, [m.sig] * 2, CTX),
        "pk[1]",
        id="pk list with str",
    ),
    pytest.param(
        lambda m: _native.verify_many(m.alg, None, [MESSAGE], [m.sig], CTX), "pk", id="pk None"
    ),
    pytest.param(
        lambda m: _native.verify_many(m.alg, m.pk, [MESSAGE], [m.sig], "ctx"),
        "ctx",
        id="verify_many ctx str",
    ),
    pytest.param(
        lambda m: _native.sign_internal(m.alg, m.sk, "text", bytes(32)),
        "message",
        id="sign_internal message str",
    ),
    pytest.param(
        lambda m: _native.verify_internal(m.alg, m.pk, MESSAGE, 0),
        "sig",
        id="verify_internal sig int",
    ),
]


@pytest.mark.parametrize(("call", "argument"), TYPE_CASES)
def test_wrong_types_raise_type_error(call: TypeCase, argument: str, m65: Material) -> None:
    with pytest.raises(TypeError) as info:
        call(m65)
    text = str(info.value)
    assert text.startswith(f"{argument} must be") or f"argument '{argument}'" in text, text


# -- zero-copy buffers ------------------------------------------------------------------------

BUFFER_FORMS: list[Any] = [
    pytest.param(bytearray, id="bytearray"),
    pytest.param(memoryview, id="memoryview"),
    pytest.param(lambda data: memoryview(b"<<" + data + b">>")[2:-2], id="memoryview slice"),
    pytest.param(
        lambda data: memoryview(bytearray(b"<" + data + b">"))[1:-1],
        id="bytearray memoryview slice",
    ),
    pytest.param(lambda data: array.array("B", data), id="array of unsigned bytes"),
]


@pytest.mark.parametrize("form", BUFFER_FORMS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_zero_copy_buffers_are_accepted(
    variant: Variant, form: Callable[[bytes], Any], materials: dict[str, Material]
) -> None:
    m = materials[variant.alg]
    seed = bytes(range(32))
    assert _native.keypair(m.alg, form(seed)) == _native.keypair(m.alg, seed)
    msgs = [MESSAGE, b"", b"x" * 1000]
    expected = [_native.sign(m.alg, m.sk, msg, CTX, deterministic=True) for msg in msgs]
    signed = [
        _native.sign(m.alg, form(m.sk), form(msg), form(CTX), deterministic=True) for msg in msgs
    ]
    assert signed == expected
    batch = _native.sign_many(
        m.alg, form(m.sk), [form(msg) for msg in msgs], form(CTX), deterministic=True
    )
    assert batch == expected
    views = [form(msg) for msg in msgs], [form(sig) for sig in expected]
    for msg, sig in zip(*views, strict=True):
        _native.verify(m.alg, form(m.pk), msg, sig, form(CTX))
    assert _native.verify_many(m.alg, form(m.pk), *views, form(CTX)) == [True] * 3
    assert _native.verify_many(m.alg, [form(m.pk)] * 3, *views, form(CTX)) == [True] * 3
    m_prime = b"\x00" + bytes([len(CTX)]) + CTX + MESSAGE
    assert _native.sign_internal(m.alg, form(m.sk), form(m_prime), form(bytes(32))) == expected[0]
    assert _native.verify_internal(m.alg, form(m.pk), form(m_prime), form(expected[0])) is True


def non_contiguous(data: bytes) -> memoryview:
    """A strided view of `data` (every other byte of data doubled): not C-contiguous."""
    return memoryview(bytes(b for byte in data for b in (byte, 0)))[::2]


NON_CONTIGUOUS_CASES: list[Any] = [
    pytest.param(lambda m, nc: _native.keypair(m.alg, nc(bytes(32))), "seed", id="seed"),
    pytest.param(lambda m, nc: _native.sign(m.alg, nc(m.sk), MESSAGE, CTX), "sk", id="sign sk"),
    pytest.param(lambda m, nc: _native.sign(m.alg, m.sk, nc(MESSAGE), CTX), "msg", id="sign msg"),
    pytest.param(lambda m, nc: _native.sign(m.alg, m.sk, MESSAGE, nc(CTX)), "ctx", id="sign ctx"),
    pytest.param(
        lambda m, nc: _native.sign_many(m.alg, m.sk, [MESSAGE, nc(MESSAGE)], CTX),
        "msgs[1]",
        id="sign_many msgs",
    ),
    pytest.param(
        lambda m, nc: _native.verify(m.alg, nc(m.pk), MESSAGE, m.sig, CTX), "pk", id="verify pk"
    ),
    pytest.param(
        lambda m, nc: _native.verify(m.alg, m.pk, nc(MESSAGE), m.sig, CTX), "msg", id="verify msg"
    ),
    pytest.param(
        lambda m, nc: _native.verify(m.alg, m.pk, MESSAGE, nc(m.sig), CTX), "sig", id="verify sig"
    ),
    pytest.param(
        lambda m, nc: _native.verify(m.alg, m.pk, MESSAGE, m.sig, nc(CTX)), "ctx", id="verify ctx"
    ),
    pytest.param(
        lambda m, nc: _native.verify_many(m.alg, nc(m.pk), [MESSAGE], [m.sig], CTX),
        "pk",
        id="verify_many shared pk",
    ),
    pytest.param(
        lambda m, nc: _native.verify_many(m.alg, [m.pk, nc(m.pk)], [MESSAGE] * 2, [m.sig] * 2, CTX),
        "pk[1]",
        id="verify_many per-item pk",
    ),
    pytest.param(
        lambda m, nc: _native.verify_many(m.alg, m.pk, [nc(MESSAGE)], [m.sig], CTX),
        "msgs[0]",
        id="verify_many msgs",
    ),
    pytest.param(
        lambda m, nc: _native.verify_many(
            m.alg, m.pk, [MESSAGE] * 3, [m.sig, m.sig, nc(m.sig)], CTX
        ),
        "sigs[2]",
        id="verify_many sigs",
    ),
    pytest.param(
        lambda m, nc: _native.sign_internal(m.alg, m.sk, nc(MESSAGE), bytes(32)),
        "message",
        id="sign_internal message",
    ),
    pytest.param(
        lambda m, nc: _native.sign_internal(m.alg, m.sk, MESSAGE, nc(bytes(32))),
        "rnd",
        id="sign_internal rnd",
    ),
    pytest.param(
        lambda m, nc: _native.verify_internal(m.alg, m.pk, MESSAGE, nc(m.sig)),
        "sig",
        id="verify_internal sig",
    ),
]


def test_non_contiguous_view_of_the_docs_example_is_refused(m65: Material) -> None:
    view = memoryview(b"abcdef")[::2]
    assert not view.c_contiguous
    with pytest.raises(ValueError, match=exactly("msg must be C-contiguous")):
        _native.verify(m65.alg, m65.pk, view, m65.sig, CTX)


@pytest.mark.parametrize(("call", "argument"), NON_CONTIGUOUS_CASES)
def test_non_contiguous_buffers_are_refused(
    call: Callable[[Material, Callable[[bytes], memoryview]], object],
    argument: str,
    m65: Material,
) -> None:
    assert not non_contiguous(MESSAGE).c_contiguous
    assert non_contiguous(MESSAGE).tobytes() == MESSAGE
    with pytest.raises(ValueError, match=exactly(f"{argument} must be C-contiguous")):
        call(m65, non_contiguous)


BYTE_LIKE_FORMATS: list[Any] = [
    pytest.param(lambda data: memoryview(data).cast("b"), id="memoryview of signed char"),
    pytest.param(lambda data: array.array("b", data), id="array of signed char"),
    pytest.param(lambda data: memoryview(data).cast("I"), id="memoryview of uint32"),
]


@pytest.mark.parametrize("form", BYTE_LIKE_FORMATS)
def test_buffers_of_wider_or_signed_items_are_refused_by_name(
    form: Callable[[bytes], Any], m65: Material
) -> None:
    """Like pyca/cryptography, the module takes buffers of unsigned bytes only (format "B"
    or "c"), so a reinterpreting view never reaches the signature code by accident."""
    view = form(MESSAGE)
    assert bytes(view) == MESSAGE
    with pytest.raises(TypeError, match=r"^msg must be bytes-like with unsigned byte items"):
        _native.verify(m65.alg, m65.pk, view, m65.sig, CTX)
    with pytest.raises(TypeError, match=r"^msgs\[0\] must be bytes-like with unsigned byte"):
        _native.verify_many(m65.alg, m65.pk, [view], [m65.sig], CTX)


# -- determinism ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_deterministic_signing_repeats_and_hedged_does_not(
    variant: Variant, materials: dict[str, Material]
) -> None:
    m = materials[variant.alg]
    first = _native.sign(m.alg, m.sk, MESSAGE, CTX, deterministic=True)
    assert _native.sign(m.alg, m.sk, MESSAGE, CTX, deterministic=True) == first
    batch = _native.sign_many(m.alg, m.sk, [MESSAGE] * 5, CTX, deterministic=True)
    assert batch == [first] * 5
    hedged = [_native.sign(m.alg, m.sk, MESSAGE, CTX) for _ in range(2)]
    hedged += _native.sign_many(m.alg, m.sk, [MESSAGE] * 5, CTX)
    assert len({first, *hedged}) == 1 + len(hedged)
    assert _native.verify_many(m.alg, m.pk, [MESSAGE] * 8, [first, *hedged], CTX) == [True] * 8


# -- big batches and the GIL ------------------------------------------------------------------

BIG_ALG = "ML-DSA-44"
BIG_BATCH = 20_000


@dataclass(frozen=True)
class BigBatch:
    pk: bytes
    msgs: list[bytes]
    sigs: list[bytes]


@pytest.fixture(scope="module")
def big_batch() -> BigBatch:
    pk, sk = _native.keypair(BIG_ALG, b"\x07" * 32)
    msgs = [i.to_bytes(4, "big") for i in range(BIG_BATCH)]
    return BigBatch(pk, msgs, _native.sign_many(BIG_ALG, sk, msgs, CTX))


@pytest.mark.slow
def test_huge_batch_verifies_and_routes_the_one_tampered_item(big_batch: BigBatch) -> None:
    b = big_batch
    assert len(b.sigs) == BIG_BATCH
    assert len(set(b.sigs)) == BIG_BATCH
    assert _native.verify_many(BIG_ALG, b.pk, b.msgs, b.sigs, CTX) == [True] * BIG_BATCH
    tampered_at = 13_337
    sigs = list(b.sigs)
    sigs[tampered_at] = flip(sigs[tampered_at], 7, 0)
    verdicts = _native.verify_many(BIG_ALG, b.pk, b.msgs, sigs, CTX)
    assert [i for i, ok in enumerate(verdicts) if not ok] == [tampered_at]


@pytest.mark.parametrize("call", ["verify_many", "sign_many"])
def test_batch_calls_release_the_gil(call: str, big_batch: BigBatch) -> None:
    """A Python thread runs while the batch call is inside native code. A bytearray that the
    call holds as an input cannot be resized while the call has it exported (BufferError), so
    every BufferError the spinning thread sees happened during the call, after the arguments
    were taken. With the GIL held throughout, the spinner could not run then, and would
    count zero."""
    n = 3_000
    probe = bytearray(b"probe")
    msgs: list[Any] = [*big_batch.msgs[:n], probe]
    started, finished = threading.Event(), threading.Event()
    during_call = 0

    def spin() -> None:
        nonlocal during_call
        started.set()
        while not finished.is_set():
            try:
                probe.append(0)
            except BufferError:
                during_call += 1

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    started.wait()
    try:
        if call == "verify_many":
            sigs = [*big_batch.sigs[:n], b"not a signature"]
            result: list[Any] = _native.verify_many(
                BIG_ALG, big_batch.pk, msgs, sigs, CTX, threads=1
            )
            assert result == [True] * n + [False]
        else:
            _, sk = _native.keypair(BIG_ALG, bytes(32))
            result = _native.sign_many(BIG_ALG, sk, [*msgs[:1000], probe], CTX, threads=1)
            assert len(result) == 1001
    finally:
        finished.set()
        spinner.join()
    assert during_call >= 3, f"the spinner ran {during_call} times during the native call"
