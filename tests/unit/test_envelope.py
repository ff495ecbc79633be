from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams import signing
from streams.envelope import (
    HEADER_NAMES,
    HeaderError,
    build_headers,
    parse_headers,
    signed_message,
)

VECTOR = json.loads((Path(__file__).parents[1] / "vectors" / "envelope-v1.json").read_text())
README = (Path(__file__).parents[2] / "README.md").read_text()
ALGORITHMS = signing.MLDSA_ALGORITHMS


def test_signed_message_layout_field_by_field() -> None:
    m = signed_message("t", b"k1", 0x0102030405060708, 9, "kid", b"{}")
    assert m == (
        b"QRS1"
        + bytes.fromhex("0001") + b"t"
        + bytes.fromhex("00000002") + b"k1"
        + bytes.fromhex("0102030405060708")
        + bytes.fromhex("0000000000000009")
        + bytes.fromhex("0003") + b"kid"
        + bytes.fromhex("00000002") + b"{}"
    )  # fmt: skip


def test_worked_example_vector_matches_and_is_in_the_readme() -> None:
    m = signed_message(
        VECTOR["topic"],
        VECTOR["key"].encode(),
        VECTOR["ts_us"],
        VECTOR["seq"],
        VECTOR["kid"],
        VECTOR["value"].encode(),
    )
    assert m.hex() == VECTOR["signed_message_hex"]
    assert VECTOR["signed_message_hex"] in README.replace("\n", "")
    assert VECTOR["signature_sha256"] in README


@pytest.mark.native
def test_worked_example_signature_is_reproducible_and_verifies() -> None:
    pair = signing.generate_keypair(VECTOR["algorithm"], bytes.fromhex(VECTOR["seed_hex"]))
    assert pair.public_key.hex() == VECTOR["public_key_hex"]
    m = bytes.fromhex(VECTOR["signed_message_hex"])
    sig = signing.sign(VECTOR["algorithm"], pair.private_key, m, deterministic=True)
    assert sig.hex() == VECTOR["signature_hex"]
    signing.verify(VECTOR["algorithm"], pair.public_key, m, sig, VECTOR["context"].encode())


def test_topic_and_key_are_bound() -> None:
    base = signed_message("a", b"k", 1, 1, "kid", b"v")
    assert signed_message("b", b"k", 1, 1, "kid", b"v") != base
    assert signed_message("a", b"j", 1, 1, "kid", b"v") != base
    # Length prefixes keep field boundaries: moving a byte between fields changes M.
    assert signed_message("ab", b"", 1, 1, "kid", b"v") != signed_message(
        "a", b"b", 1, 1, "kid", b"v"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ts_us": -1}, "unsigned 64-bit"),
        ({"seq": 1 << 64}, "unsigned 64-bit"),
        ({"topic": "t" * 70_000}, "65535"),
        ({"kid": "k" * 70_000}, "65535"),
    ],
)
def test_out_of_range_fields_are_rejected(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "topic": "t", "key": b"k", "ts_us": 1, "seq": 1, "kid": "k", "value": b"v"
    }  # fmt: skip
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        signed_message(**fields)  # type: ignore[arg-type]


def test_headers_round_trip() -> None:
    headers = build_headers("ML-DSA-65", "bank/p1", 1700000000000000, 42, b"sig")
    assert [name for name, _ in headers] == list(HEADER_NAMES)
    parsed = parse_headers(headers, ALGORITHMS)
    assert (parsed.algorithm, parsed.kid, parsed.ts_us, parsed.seq, parsed.signature) == (
        "ML-DSA-65",
        "bank/p1",
        1700000000000000,
        42,
        b"sig",
    )


def test_foreign_headers_are_ignored() -> None:
    headers = [("traceparent", b"00-abc"), *build_headers("ML-DSA-44", "k", 1, 2, b"s")]
    assert parse_headers(headers, ALGORITHMS).seq == 2


GOOD = dict(build_headers("ML-DSA-65", "kid", 5, 6, b"sig"))


def with_header(name: str, value: bytes | None) -> list[tuple[str, bytes | None]]:
    return [(n, value if n == name else v) for n, v in GOOD.items()]


@pytest.mark.parametrize(
    ("headers", "missing", "detail"),
    [
        (None, True, "missing qr-v"),
        ([], True, "missing qr-v, qr-alg, qr-kid, qr-ts, qr-seq, qr-sig"),
        ([(n, v) for n, v in GOOD.items() if n != "qr-sig"], True, "missing qr-sig"),
        (with_header("qr-kid", None), True, "qr-kid has no value"),
        (with_header("qr-v", b"2"), False, "unsupported envelope version"),
        (with_header("qr-alg", b"RSA-2048"), False, "not a known algorithm"),
        (with_header("qr-ts", b"-5"), False, "qr-ts is not an unsigned decimal integer"),
        (with_header("qr-ts", b"1e6"), False, "qr-ts is not an unsigned decimal integer"),
        (with_header("qr-seq", b"99999999999999999999"), False, "qr-seq exceeds 64 bits"),
        (with_header("qr-seq", "١٢".encode()), False, "not an unsigned decimal"),
        (with_header("qr-kid", b"\xff"), False, "qr-kid is not UTF-8"),
        (with_header("qr-kid", b""), False, "qr-kid is empty"),
        (with_header("qr-sig", b""), False, "qr-sig is empty"),
        ([*GOOD.items(), ("qr-seq", b"7")], False, "qr-seq appears more than once"),
    ],
)
def test_bad_headers_say_what_is_wrong(
    headers: list[tuple[str, bytes | None]] | None, missing: bool, detail: str
) -> None:
    with pytest.raises(HeaderError, match=detail) as caught:
        parse_headers(headers, ALGORITHMS)
    assert caught.value.missing is missing
