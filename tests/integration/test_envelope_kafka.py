"""The envelope over the real broker: the SDK's records verify, records crafted with plain
confluent-kafka (or kcat, a client that is not ours) land in their quarantine bucket, and a
restarted producer never reuses a sequence number."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer

from streams import signing
from streams.envelope import build_headers, signed_message
from streams.keys.model import KeyInfo
from streams.producer import SignedProducer
from streams.replay import SqliteReplayGuard
from streams.sequence import SequenceFile
from streams.verifier import InboundRecord, Verifier, VerifierLimits
from tests.utils import Timeout, TopicFactory
from topics.reasons import Reason

pytestmark = pytest.mark.integration

PAIR = signing.generate_keypair("ML-DSA-65", bytes([3]) * 32)
KID = "bank-core/p1"
MAX_RECORD_BYTES = 64 * 1024


class Registry:
    def __init__(self, *infos: KeyInfo) -> None:
        self.infos = {i.kid: i for i in infos}

    def resolve(self, kid: str) -> KeyInfo | None:
        return self.infos.get(kid)


REGISTRY = Registry(
    KeyInfo(KID, "ML-DSA-65", PAIR.public_key, "bank-core", valid_from_us=0),
    KeyInfo("gone/p1", "ML-DSA-65", PAIR.public_key, "gone", 0, revoked_at_us=1),
)


def consume_all(bootstrap: str, topic: str, count: int) -> list[InboundRecord]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"verify-{topic}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    records: list[InboundRecord] = []
    timeout = Timeout(30, f"{count} records on {topic}")
    try:
        while len(records) < count and timeout:
            for msg in consumer.consume(num_messages=count, timeout=0.5):
                if msg.error() is None:
                    records.append(
                        InboundRecord(
                            msg.topic(),
                            msg.partition(),
                            msg.offset(),
                            msg.key(),
                            msg.value(),
                            msg.headers(),
                        )
                    )
    finally:
        consumer.close()
    return records


@pytest.fixture
def verifier(tmp_path: Path) -> Iterator[Verifier]:
    guard = SqliteReplayGuard(tmp_path / "replay.db")
    # Below the broker's own 1 MB limit, so the oversize record reaches the verifier.
    yield Verifier(REGISTRY, guard, VerifierLimits(max_record_bytes=MAX_RECORD_BYTES))
    guard.close()


def signed_producer(bootstrap: str, seq_path: Path) -> SignedProducer:
    return SignedProducer(bootstrap, key_id=KID, keypair=PAIR, sequence=SequenceFile(seq_path))


def test_sdk_records_round_trip_and_all_verify(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, verifier: Verifier
) -> None:
    topic = topic_factory(partitions=3)
    with signed_producer(kafka_bootstrap, tmp_path / "seq") as producer:
        for i in range(300):
            producer.produce(topic, f"acct-{i % 17}", {"i": i, "pad": "x" * 280})
        assert producer.flush() == 0
    assert (producer.stats.delivered, producer.stats.failed) == (300, 0)
    verdicts = verifier.verify_batch(consume_all(kafka_bootstrap, topic, 300))
    assert len(verdicts) == 300
    assert [v.detail for v in verdicts if not v.accepted] == []
    assert sorted(v.payload["i"] for v in verdicts) == list(range(300))
    headers = dict(verdicts[0].record.headers or ())
    assert headers["qr-alg"] == b"ML-DSA-65"
    assert headers["qr-kid"] == KID.encode()


def test_a_restarted_producer_never_reuses_a_sequence_number(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, verifier: Verifier
) -> None:
    topic = topic_factory()
    for _ in range(2):  # the second producer is the restarted process
        with signed_producer(kafka_bootstrap, tmp_path / "seq") as producer:
            for i in range(5):
                producer.produce(topic, "acct-1", {"i": i})
    verdicts = verifier.verify_batch(consume_all(kafka_bootstrap, topic, 10))
    assert [v.reason for v in verdicts] == [None] * 10
    seqs = [v.envelope.seq for v in verdicts if v.envelope]
    assert seqs == sorted(set(seqs))


def crafted(
    topic: str,
    *,
    key: bytes = b"acct-9",
    value: bytes = b'{"amount_minor": 100}',
    kid: str = KID,
    alg: str = "ML-DSA-65",
    ts: int | None = None,
    seq: int = 1,
    sign_topic: str | None = None,
    sign_key: bytes | None = None,
    sign_value: bytes | None = None,
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """A record built by hand with the envelope primitives, so tests can break any part."""
    ts = time.time_ns() // 1000 if ts is None else ts
    m = signed_message(
        sign_topic or topic,
        key if sign_key is None else sign_key,
        ts,
        seq,
        kid,
        value if sign_value is None else sign_value,
    )
    sig = signing.sign("ML-DSA-65", PAIR.private_key, m)
    return key, value, build_headers(alg, kid, ts, seq, sig)


def test_each_reason_code_from_records_crafted_without_the_sdk(
    kafka_bootstrap: str, topic_factory: TopicFactory, verifier: Verifier
) -> None:
    topic = topic_factory()
    good_key, good_value, good_headers = crafted(topic, seq=1)
    flipped = bytearray(good_value)
    flipped[3] ^= 0x01
    signed_for_original = crafted(topic, seq=4, sign_value=good_value)[2]
    bad_ts_headers = [*good_headers[:3], ("qr-ts", b"soon"), *good_headers[4:]]
    cases: list[tuple[Reason | None, tuple[bytes, bytes, list[tuple[str, bytes]]]]] = [
        (None, (good_key, good_value, good_headers)),
        (Reason.MISSING_HEADER, (b"acct-9", b"{}", [])),
        (Reason.BAD_HEADER, (good_key, good_value, bad_ts_headers)),
        (Reason.UNKNOWN_KEY, crafted(topic, kid="stranger/p1", seq=2)),
        (Reason.REVOKED_KEY, crafted(topic, kid="gone/p1", seq=2)),
        (Reason.ALG_MISMATCH, crafted(topic, alg="ML-DSA-44", seq=3)),
        (Reason.BAD_SIGNATURE, (good_key, bytes(flipped), signed_for_original)),
        (Reason.BAD_SIGNATURE, crafted(topic, seq=5, sign_key=b"acct-8")),
        (Reason.BAD_SIGNATURE, crafted(topic, seq=6, sign_topic="qr.telemetry")),
        (Reason.STALE, crafted(topic, seq=7, ts=1_600_000_000_000_000)),
        (Reason.REPLAY, (good_key, good_value, good_headers)),
        (Reason.OVERSIZE, crafted(topic, seq=8, value=b'"' + b"x" * MAX_RECORD_BYTES + b'"')),
        (Reason.BAD_PAYLOAD, crafted(topic, seq=9, value=b"\x00not json")),
    ]  # fmt: skip
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for _, (key, value, headers) in cases:
        producer.produce(topic, value, key, headers=headers)
    assert producer.flush(30) == 0
    verdicts = verifier.verify_batch(consume_all(kafka_bootstrap, topic, len(cases)))
    assert [v.reason for v in verdicts] == [reason for reason, _ in cases]


def test_a_record_from_kcat_is_quarantined_as_missing_header(
    kafka_bootstrap: str, topic_factory: TopicFactory, verifier: Verifier
) -> None:
    assert shutil.which("kcat"), "kcat is missing: `make setup` installs it"
    topic = topic_factory()
    subprocess.run(
        ["kcat", "-P", "-b", kafka_bootstrap, "-t", topic, "-k", "acct-1"],
        input=b'{"amount_minor": 5}',
        check=True,
        timeout=30,
    )
    [verdict] = verifier.verify_batch(consume_all(kafka_bootstrap, topic, 1))
    assert verdict.reason is Reason.MISSING_HEADER
    assert verdict.record.value == b'{"amount_minor": 5}'
