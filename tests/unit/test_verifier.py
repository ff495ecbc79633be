from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streams import signing
from streams.envelope import build_headers, signed_message
from streams.keys.model import KeyInfo
from streams.replay import SqliteReplayGuard
from streams.verifier import InboundRecord, Verifier, VerifierLimits
from topics.reasons import Reason

pytestmark = pytest.mark.native

NOW = 1_800_000_000_000_000
TOPIC = "qr.transactions"
PAIR = signing.generate_keypair("ML-DSA-65", bytes(32))
OTHER = signing.generate_keypair("ML-DSA-44", bytes([1]) * 32)


class DictResolver:
    def __init__(self, *infos: KeyInfo) -> None:
        self.infos = {i.kid: i for i in infos}

    def resolve(self, kid: str) -> KeyInfo | None:
        return self.infos.get(kid)


KEYS = DictResolver(
    KeyInfo("bank/p1", "ML-DSA-65", PAIR.public_key, "bank", valid_from_us=0),
    KeyInfo("bank/p2", "ML-DSA-44", OTHER.public_key, "bank", valid_from_us=0),
    KeyInfo("old/p1", "ML-DSA-65", PAIR.public_key, "old", 0, revoked_at_us=NOW - 10),
    KeyInfo("late/p1", "ML-DSA-65", PAIR.public_key, "late", valid_from_us=NOW + 10**9),
)


def signed(
    value: bytes = b'{"amount_minor": 1}',
    *,
    key: bytes = b"acct-1",
    seq: int = 1,
    kid: str = "bank/p1",
    ts: int = NOW,
    pair: signing.KeyPair = PAIR,
    topic: str = TOPIC,
    offset: int = 0,
    partition: int = 0,
) -> InboundRecord:
    m = signed_message(topic, key, ts, seq, kid, value)
    sig = signing.sign(pair.algorithm, pair.private_key, m)
    headers = build_headers(pair.algorithm, kid, ts, seq, sig)
    return InboundRecord(topic, partition, offset, key, value, list(headers))


@pytest.fixture
def verifier(tmp_path: Path) -> Iterator[Verifier]:
    guard = SqliteReplayGuard(tmp_path / "replay.db")
    yield Verifier(KEYS, guard, VerifierLimits(max_clock_skew_s=60), clock_us=lambda: NOW)
    guard.close()


def reasons(verifier: Verifier, *records: InboundRecord) -> list[Reason | None]:
    return [v.reason for v in verifier.verify_batch(records)]


def test_signed_records_are_accepted_with_their_payload(verifier: Verifier) -> None:
    [verdict] = verifier.verify_batch([signed()])
    assert verdict.accepted and verdict.key_id == "bank/p1"
    assert verdict.payload == {"amount_minor": 1}
    assert not verdict.redelivery


def test_a_batch_mixing_algorithms_and_keys_verifies_each_record(verifier: Verifier) -> None:
    records = [
        signed(seq=1),
        signed(seq=1, kid="bank/p2", pair=OTHER, offset=1),
        signed(seq=2, offset=2),
    ]
    assert reasons(verifier, *records) == [None, None, None]


def tamper(record: InboundRecord, **changes: object) -> InboundRecord:
    fields = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key,
        "value": record.value,
        "headers": record.headers,
    }
    fields.update(changes)
    return InboundRecord(**fields)  # type: ignore[arg-type]


def replace_header(
    record: InboundRecord, name: str, value: bytes
) -> list[tuple[str, bytes | None]]:
    return [(n, value if n == name else v) for n, v in record.headers or ()]


def test_every_reason_code_lands_in_its_bucket(verifier: Verifier) -> None:
    good = signed()
    flipped_sig = bytearray(dict(good.headers or ())["qr-sig"] or b"")
    flipped_sig[7] ^= 0x01
    cases = {
        Reason.MISSING_HEADER: tamper(good, headers=None),
        Reason.BAD_HEADER: tamper(good, headers=replace_header(good, "qr-seq", b"x")),
        Reason.UNKNOWN_KEY: signed(kid="nobody/p1"),
        Reason.REVOKED_KEY: signed(kid="old/p1"),
        Reason.ALG_MISMATCH: tamper(good, headers=replace_header(good, "qr-alg", b"ML-DSA-87")),
        Reason.BAD_SIGNATURE: tamper(
            good, headers=replace_header(good, "qr-sig", bytes(flipped_sig))
        ),
        Reason.STALE: signed(ts=NOW - 61_000_000),
        Reason.OVERSIZE: signed(b'{"pad": "' + b"x" * (1 << 20) + b'"}'),
        Reason.BAD_PAYLOAD: signed(b"not json"),
    }
    got = reasons(verifier, *cases.values())
    assert dict(zip(cases, got, strict=True)) == {reason: reason for reason in cases}


@pytest.mark.parametrize(
    "change",
    [
        {"value": b'{"amount_minor": 2}'},
        {"key": b"acct-2"},
        {"topic": "qr.telemetry"},
    ],
    ids=["value", "key binding", "topic binding"],
)
def test_anything_signed_that_changes_breaks_the_signature(
    verifier: Verifier, change: dict[str, object]
) -> None:
    assert reasons(verifier, tamper(signed(), **change)) == [Reason.BAD_SIGNATURE]


def test_key_not_yet_valid_is_unknown(verifier: Verifier) -> None:
    [verdict] = verifier.verify_batch([signed(kid="late/p1")])
    assert verdict.reason is Reason.UNKNOWN_KEY
    assert "not valid" in verdict.detail


def test_replay_and_redelivery(verifier: Verifier) -> None:
    first = signed(seq=5, offset=10)
    assert reasons(verifier, first) == [None]
    verifier.commit()
    [again] = verifier.verify_batch([first])
    assert again.accepted and again.redelivery
    replayed = tamper(first, offset=11)
    assert reasons(verifier, replayed) == [Reason.REPLAY]


def test_replays_inside_one_batch_are_caught(verifier: Verifier) -> None:
    record = signed(seq=3, offset=1)
    assert reasons(verifier, record, tamper(record, offset=2)) == [None, Reason.REPLAY]


def test_a_forged_record_cannot_advance_the_sequence(verifier: Verifier) -> None:
    intruder = signing.generate_keypair("ML-DSA-65", bytes([9]) * 32)
    forged = signed(seq=100, pair=intruder)  # claims bank/p1 but is signed with another key
    assert reasons(verifier, forged) == [Reason.BAD_SIGNATURE]
    assert reasons(verifier, signed(seq=2, offset=1)) == [None]


def test_payload_checks_are_per_topic(tmp_path: Path) -> None:
    def only_objects(raw: bytes) -> dict[str, object]:
        parsed = orjson.loads(raw)
        if not isinstance(parsed, dict):
            raise ValueError("payload is not a JSON object")
        return parsed

    guard = SqliteReplayGuard(tmp_path / "r.db")
    verifier = Verifier(KEYS, guard, payload_checks={TOPIC: only_objects}, clock_us=lambda: NOW)
    [verdict] = verifier.verify_batch([signed(b"[1, 2]")])
    assert verdict.reason is Reason.BAD_PAYLOAD
    assert verdict.detail == "payload is not a JSON object"
    guard.close()


def test_nothing_raises_on_garbage(verifier: Verifier) -> None:
    garbage = [
        InboundRecord(TOPIC, 0, 0, None, None, None),
        InboundRecord(TOPIC, 0, 1, b"k", b"\xff\xfe", [("qr-v", None)]),
        InboundRecord(TOPIC, 0, 2, b"k", b"{}", [("qr-sig", b"")]),
    ]
    assert all(v.reason is not None for v in verifier.verify_batch(garbage))
