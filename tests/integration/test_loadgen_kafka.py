"""`python -m loadgen` against the real broker: two processes with their own keys (created and
published by --ensure-keys) send a small count; every record arrives, verifies against the
key registry, and the crafted ones get exactly the reason codes the ground truth names."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, Message

from streams.keys.registry import load_root_public_key
from streams.keys.topic import load_registry
from streams.replay import SqliteReplayGuard
from streams.verifier import InboundRecord, Verifier
from tests.integration.pipeline import PipelineEnv
from tests.utils import Timeout
from topics.specs import TELEMETRY, TRANSACTIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

COUNT = 2_500
PASSPHRASE = "loadgen integration-test passphrase"  # noqa: S105 - a throwaway key store


def _loadgen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loadgen", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
        timeout=240,
    )


def test_two_processes_deliver_verified_records_that_match_the_ground_truth(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix = f"lg-{uuid.uuid4().hex[:8]}."
    root_pem = tmp_path / "root.pem"
    pipeline = PipelineEnv(
        tmp_path,
        {
            "QR_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "QR_VAR_DIR": str(tmp_path / "var"),
            "QR_KEYS_DIR": str(tmp_path / "keys"),
            "QR_KEY_PASSPHRASE": PASSPHRASE,
            "QR_ROOT_PUBLIC_KEY_FILE": str(root_pem),
            "QR_TOPIC_PARTITIONS": "3",
        },
    )
    pipeline.qrstream("topics", "create")  # the key registry, qr.keys
    pipeline.qrstream("topics", "create", "--prefix", prefix)
    pipeline.qrstream("keys", "generate", "--root")
    pipeline.qrstream("keys", "export-public", "root", "--out", str(root_pem))
    truth_path = tmp_path / "truth.jsonl"
    truth_topic = prefix + "loadgen.truth"
    result = _loadgen(
        pipeline.env,
        "--ensure-keys", "--alg", "ML-DSA-44", "-p", "2", "-n", str(COUNT),
        "--accounts", "1000", "--scenario-every", "80", "--topic-prefix", prefix,
        "--truth", str(truth_path), "--truth-topic", truth_topic, "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "signing on the fly" in result.stderr
    summary = orjson.loads(result.stdout)
    assert (summary["sent"], summary["delivered"], summary["errors"]) == (COUNT, COUNT, 0)
    assert summary["kids"] == ["loadgen/p0", "loadgen/p1"]

    consumed = consume(kafka_bootstrap, [prefix + TRANSACTIONS, prefix + TELEMETRY], COUNT)
    assert len(consumed) == COUNT
    assert Counter(m.topic() for m in consumed) == {
        prefix + TRANSACTIONS: summary["transactions"],
        prefix + TELEMETRY: summary["telemetry"],
    }

    registry = load_registry(kafka_bootstrap, load_root_public_key(root_pem))
    verifier = Verifier(registry, SqliteReplayGuard(tmp_path / "replay.db"))
    records = [
        InboundRecord(
            m.topic() or "",
            m.partition() or 0,
            m.offset() or 0,
            m.key(),
            m.value(),
            list(m.headers() or []),
        )
        for m in consumed
    ]
    verdicts = verifier.verify_batch(records)

    lines = [orjson.loads(line) for line in truth_path.read_bytes().splitlines()]
    events = [line for line in lines if line["record"] == "event"]
    crafted = Counter(
        (e["kid"], e["seq"], e["expected_reason"]) for e in events if e["expected_reason"]
    )
    rejected = Counter(
        (v.key_id, v.envelope.seq if v.envelope else None, str(v.reason))
        for v in verdicts
        if not v.accepted
    )
    assert crafted, "the run injected no integrity scenario"
    assert rejected == crafted
    accepted_ids = {
        orjson.loads(v.record.value or b"{}").get("event_id") for v in verdicts if v.accepted
    }
    assert {e["event_id"] for e in events if not e["expected_reason"]} <= accepted_ids
    assert lines[0]["record"] == "run" and lines[0]["events"] == summary["injected"] == len(events)
    assert len(consume(kafka_bootstrap, [truth_topic], len(lines))) == len(lines)


def consume(bootstrap: str, topics: list[str], count: int) -> list[Message]:
    """The records of `topics` once there are `count`, and a second more to catch extras."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"t-{uuid.uuid4()}",
         "auto.offset.reset": "earliest"}
    )  # fmt: skip
    consumer.subscribe(topics)
    out: list[Message] = []
    timeout = Timeout(90, f"{count} records on {topics}")
    try:
        while timeout and len(out) < count:
            out += [m for m in consumer.consume(500, timeout=0.5) if m.error() is None]
        out += [m for m in consumer.consume(500, timeout=1.0) if m.error() is None]
    finally:
        consumer.close()
    return out
