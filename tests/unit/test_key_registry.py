from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import orjson
import pytest

from streams import signing
from streams.envelope import build_headers, signed_message
from streams.keys.entry import (
    SignedRecord,
    decode_entry,
    encode_entry,
    sign_entries,
    sign_tombstones,
)
from streams.keys.model import KeyInfo
from streams.keys.pem import PublicKey
from streams.keys.registry import KeyRegistry, RejectReason
from streams.verifier import InboundRecord

TOPIC = "qr.keys"
ROOT_KID = "root"
T0 = 1_800_000_000_000_000
HOUR = 3_600_000_000

ROOT = signing.generate_keypair("ML-DSA-65", bytes(32))
MALLORY = signing.generate_keypair("ML-DSA-65", bytes([7]) * 32)
P1 = signing.generate_keypair("ML-DSA-65", bytes([1]) * 32)
P2 = signing.generate_keypair("ML-DSA-44", bytes([2]) * 32)


def info(kid: str, pair: signing.KeyPair, **changes: int | None) -> KeyInfo:
    base = KeyInfo(kid, pair.algorithm, pair.public_key, "bank-core", valid_from_us=T0)
    return replace(base, **changes)  # type: ignore[arg-type]


class Log:
    """Records with increasing offsets, as one partition of the registry topic delivers them."""

    def __init__(self) -> None:
        self.offsets: Iterator[int] = iter(range(1_000_000))

    def inbound(self, records: list[SignedRecord]) -> list[InboundRecord]:
        return [
            InboundRecord(r.topic, 0, next(self.offsets), r.key, r.value, list(r.headers))
            for r in records
        ]

    def again(self, record: InboundRecord) -> InboundRecord:
        """The same record produced once more: a new offset, every byte unchanged."""
        return replace(record, offset=next(self.offsets))

    def root_signed(self, *infos: KeyInfo, now_us: int = T0) -> list[InboundRecord]:
        return self.inbound(sign_entries(infos, ROOT, ROOT_KID, TOPIC, now_us))

    def raw(
        self,
        key: bytes,
        value: bytes | None,
        *,
        signer: signing.KeyPair = ROOT,
        signer_kid: str = ROOT_KID,
        seq: int = T0,
        topic: str = TOPIC,
    ) -> InboundRecord:
        message = signed_message(topic, key, T0, seq, signer_kid, value or b"")
        signature = signing.sign(signer.algorithm, signer.private_key, message)
        headers = build_headers(signer.algorithm, signer_kid, T0, seq, signature)
        return InboundRecord(TOPIC, 0, next(self.offsets), key, value, list(headers))


@pytest.fixture
def registry() -> KeyRegistry:
    return KeyRegistry(PublicKey(ROOT.algorithm, ROOT.public_key), ROOT_KID)


@pytest.fixture
def log() -> Log:
    return Log()


def test_root_signed_entries_are_accepted(registry: KeyRegistry, log: Log) -> None:
    p1, p2 = info("bank-core/p1", P1), info("bank-core/p2", P2, valid_to_us=T0 + HOUR)
    assert registry.apply(log.root_signed(p1, p2)) == []
    assert registry.resolve("bank-core/p1") == p1
    assert registry.resolve("bank-core/p2") == p2
    assert registry.resolve("nope") is None
    assert len(registry) == 2
    assert registry.accepted == 2
    assert not registry.rejected


def test_entry_encoding_round_trips_and_validates_sizes() -> None:
    p1 = info("bank-core/p1", P1, revoked_at_us=T0 + 5)
    assert decode_entry(encode_entry(p1)) == p1
    with pytest.raises(ValueError, match="public key is 1952 bytes"):
        encode_entry(replace(p1, public_key=b"short"))


def test_entry_signed_by_a_non_root_key_is_ignored_and_reported(
    registry: KeyRegistry, log: Log, caplog: pytest.LogCaptureFixture
) -> None:
    forged = info("evil/p1", MALLORY)
    records = log.inbound(sign_entries([forged], MALLORY, "mallory", TOPIC, T0))
    with caplog.at_level(logging.WARNING, logger="streams.keys.registry"):
        rejected = registry.apply(records)
    assert registry.resolve("evil/p1") is None
    assert [r.reason for r in rejected] == [RejectReason.NOT_ROOT]
    assert rejected[0].kid == "evil/p1"
    assert rejected[0].signer == "mallory"
    assert registry.rejected == rejected
    assert registry.rejected_counts == {RejectReason.NOT_ROOT: 1}
    assert "'evil/p1'" in caplog.text
    assert "not_root" in caplog.text


def test_entry_claiming_the_root_kid_with_another_key_is_a_bad_signature(
    registry: KeyRegistry, log: Log
) -> None:
    records = log.inbound(sign_entries([info("evil/p1", MALLORY)], MALLORY, ROOT_KID, TOPIC, T0))
    rejected = registry.apply(records)
    assert [r.reason for r in rejected] == [RejectReason.BAD_SIGNATURE]
    assert registry.resolve("evil/p1") is None


def test_tampered_value_is_ignored(registry: KeyRegistry, log: Log) -> None:
    (record,) = log.root_signed(info("bank-core/p1", P1, valid_to_us=T0 + HOUR))
    entry = orjson.loads(record.value or b"")
    entry["valid_to_us"] = None  # extend the key's life
    record.value = orjson.dumps(entry)
    assert [r.reason for r in registry.apply([record])] == [RejectReason.BAD_SIGNATURE]
    assert registry.resolve("bank-core/p1") is None


def test_entry_for_another_topic_is_ignored(registry: KeyRegistry, log: Log) -> None:
    record = log.raw(b"bank-core/p1", encode_entry(info("bank-core/p1", P1)), topic="qr.other")
    assert [r.reason for r in registry.apply([record])] == [RejectReason.BAD_SIGNATURE]


def test_unsigned_and_malformed_records_are_ignored(registry: KeyRegistry, log: Log) -> None:
    p1_value = encode_entry(info("bank-core/p1", P1))
    unsigned = InboundRecord(TOPIC, 0, 0, b"bank-core/p1", p1_value, [])
    (bad_header,) = log.root_signed(info("bank-core/p1", P1))
    bad_header.headers = [(n, b"x" if n == "qr-seq" else v) for n, v in bad_header.headers or []]
    wrong_alg = log.root_signed(info("bank-core/p1", P1))[0]
    wrong_alg.headers = [
        (n, b"ML-DSA-87" if n == "qr-alg" else v) for n, v in wrong_alg.headers or []
    ]
    not_json = log.raw(b"bank-core/p1", b"{not json")
    bad_schema = log.raw(b"bank-core/p1", orjson.dumps({"kid": "bank-core/p1"}))
    rejected = registry.apply([unsigned, bad_header, wrong_alg, not_json, bad_schema])
    assert [r.reason for r in rejected] == [
        RejectReason.UNSIGNED,
        RejectReason.BAD_HEADER,
        RejectReason.ALG_MISMATCH,
        RejectReason.MALFORMED,
        RejectReason.MALFORMED,
    ]
    assert len(registry) == 0
    assert all("\n" not in r.detail for r in rejected)


def test_entry_whose_record_key_differs_from_its_kid_is_ignored(
    registry: KeyRegistry, log: Log
) -> None:
    # Root-signed, but produced under another key id: it must not define that key id.
    record = log.raw(b"bank-core/p9", encode_entry(info("bank-core/p1", P1)))
    rejected = registry.apply([record])
    assert [r.reason for r in rejected] == [RejectReason.KID_MISMATCH]
    assert rejected[0].kid == "bank-core/p9"
    assert registry.resolve("bank-core/p1") is None
    assert registry.resolve("bank-core/p9") is None


def test_latest_valid_entry_wins(registry: KeyRegistry, log: Log) -> None:
    first = info("bank-core/p1", P1)
    second = info("bank-core/p1", P1, valid_to_us=T0 + HOUR)
    registry.apply(log.root_signed(first, now_us=T0))
    forged_third = log.inbound(
        sign_entries([info("bank-core/p1", MALLORY)], MALLORY, "mallory", TOPIC, T0 + 2)
    )
    registry.apply([*log.root_signed(second, now_us=T0 + 1), *forged_third])
    assert registry.resolve("bank-core/p1") == second


def test_older_entry_produced_again_is_a_replay(registry: KeyRegistry, log: Log) -> None:
    before = log.root_signed(info("bank-core/p1", P1), now_us=T0)
    revoked = log.root_signed(info("bank-core/p1", P1, revoked_at_us=T0 + HOUR), now_us=T0 + 9)
    registry.apply([*before, *revoked])
    # An attacker copies the pre-revocation entry, signature and all, to the end of the topic.
    rejected = registry.apply([log.again(r) for r in before])
    assert [r.reason for r in rejected] == [RejectReason.REPLAY]
    info_now = registry.resolve("bank-core/p1")
    assert info_now is not None
    assert info_now.revoked_at_us == T0 + HOUR


def test_root_signed_tombstone_removes_the_key(registry: KeyRegistry, log: Log) -> None:
    registry.apply(log.root_signed(info("bank-core/p1", P1), info("bank-core/p2", P2)))
    registry.apply(log.inbound(sign_tombstones(["bank-core/p1"], ROOT, ROOT_KID, TOPIC, T0 + 5)))
    assert registry.resolve("bank-core/p1") is None
    assert registry.resolve("bank-core/p2") is not None


def test_unsigned_tombstone_is_ignored(registry: KeyRegistry, log: Log) -> None:
    registry.apply(log.root_signed(info("bank-core/p1", P1)))
    rejected = registry.apply([InboundRecord(TOPIC, 0, 99, b"bank-core/p1", None, None)])
    assert [r.reason for r in rejected] == [RejectReason.UNSIGNED]
    assert registry.resolve("bank-core/p1") is not None


def test_rotation_overlap_keeps_both_keys_valid(registry: KeyRegistry, log: Log) -> None:
    rotated_at = T0 + 10 * HOUR
    old = info("bank-core/p1", P1, valid_to_us=rotated_at + 24 * HOUR)
    new = info("bank-core/p2", P2, valid_from_us=rotated_at)
    registry.apply(log.root_signed(old, new))
    old_info, new_info = registry.resolve("bank-core/p1"), registry.resolve("bank-core/p2")
    assert old_info is not None
    assert new_info is not None
    assert old_info.valid_at(rotated_at - 1)
    assert not new_info.valid_at(rotated_at - 1)
    in_overlap = rotated_at + HOUR
    assert old_info.valid_at(in_overlap)
    assert new_info.valid_at(in_overlap)
    after = rotated_at + 24 * HOUR
    assert not old_info.valid_at(after)
    assert new_info.valid_at(after)


def test_revocation_applies_from_its_time_on(registry: KeyRegistry, log: Log) -> None:
    registry.apply(log.root_signed(info("bank-core/p1", P1)))
    revoked_at = T0 + HOUR
    registry.apply(
        log.root_signed(info("bank-core/p1", P1, revoked_at_us=revoked_at), now_us=T0 + 2 * HOUR)
    )
    key = registry.resolve("bank-core/p1")
    assert key is not None
    assert not key.revoked_at(revoked_at - 1)
    assert key.revoked_at(revoked_at)
    assert key.revoked_at(revoked_at + HOUR)


def test_rejections_accumulate_per_reason(registry: KeyRegistry, log: Log) -> None:
    forged = log.inbound(sign_entries([info("a/1", MALLORY)], MALLORY, "mallory", TOPIC, T0))
    unsigned = InboundRecord(TOPIC, 0, 50, b"a/2", b"{}", None)
    registry.apply([*forged, unsigned])
    registry.apply([InboundRecord(TOPIC, 0, 51, b"a/3", b"{}", None)])
    assert registry.rejected_counts == {RejectReason.NOT_ROOT: 1, RejectReason.UNSIGNED: 2}
    assert [r.offset for r in registry.rejected] == [0, 50, 51]
