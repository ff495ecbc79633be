"""The pure parts of the worker: routing a verified batch, quarantine records, the table-backed
replay guard, severities, integrity bursts and the repartitioned record formats."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest

from models.quantum import QuantumRulesConfig
from streams import metrics
from streams.agents.inputs import VerifiedBatch, guarded, route_verdicts
from streams.quarantine import quarantine_record
from streams.replay import ReplayCheck
from streams.scoring.aml import IncomingLeg
from streams.scoring.emit import severity_for
from streams.scoring.hosts import forwarded, parse_forwarded
from streams.scoring.integrity import IntegrityMonitor
from streams.table_replay import TableReplayGuard
from streams.verifier import InboundRecord, Verdict
from topics.examples import EXAMPLES
from topics.messages.quarantine import QuarantineRecord
from topics.messages.telemetry import TelemetryEvent
from topics.reasons import Reason


def record(offset: int, key: bytes = b"acct", value: bytes = b"{}") -> InboundRecord:
    return InboundRecord("qr.transactions", 2, offset, key, value, [("qr-kid", b"bank/p1")])


def test_route_verdicts_splits_accepted_and_quarantined() -> None:
    verdicts = [
        Verdict(record(0)),
        Verdict(record(1), Reason.BAD_SIGNATURE, "signature does not verify"),
        Verdict(record(2), Reason.MISSING_HEADER, "missing qr-sig"),
        Verdict(record(3), Reason.BAD_SIGNATURE, "signature does not verify"),
    ]
    events: list[Any] = ["e0", "e1", "e2", "e3"]  # routing never looks inside events
    batch = route_verdicts(events, verdicts, 1_000)
    assert [e for e, _ in batch.accepted] == ["e0"]
    assert len(batch.quarantined) == 3
    assert batch.rejected == {
        (Reason.BAD_SIGNATURE, "-"): 2,
        (Reason.MISSING_HEADER, "-"): 1,
    }


def test_quarantine_records_keep_the_original_bytes_and_validate() -> None:
    raw = quarantine_record(Verdict(record(7, b"\x00k", b"\xffvalue"), Reason.STALE, "old"), 5)
    parsed = QuarantineRecord.model_validate_json(raw)
    assert parsed.reason is Reason.STALE
    assert base64.b64decode(parsed.value_b64 or "") == b"\xffvalue"
    assert base64.b64decode(parsed.key_b64 or "") == b"\x00k"
    assert (parsed.partition, parsed.offset, parsed.kid) == (2, 7, "bank/p1")
    with pytest.raises(ValueError, match="accepted"):
        quarantine_record(Verdict(record(8)), 5)


@contextmanager
def no_partition(key: bytes) -> Iterator[None]:
    yield


def test_table_replay_guard_stores_per_key_and_key_id() -> None:
    table: dict[bytes, bytes] = {}
    guard = TableReplayGuard(table)
    with pytest.raises(RuntimeError, match="before an agent bound it"):
        guard.check("k1", b"acct", 1, 0, 0)
    guard.bind(no_partition)
    assert guard.check("k1", b"acct", 5, 0, 10) is ReplayCheck.NEW
    assert guard.check("k2", b"acct", 1, 0, 11) is ReplayCheck.NEW
    guard.commit()
    assert orjson.loads(table[b"acct"]) == {"k1": [5, 0, 10], "k2": [1, 0, 11]}
    restarted = TableReplayGuard(table)
    restarted.bind(no_partition)
    assert restarted.check("k1", b"acct", 5, 0, 10) is ReplayCheck.REDELIVERY
    assert restarted.check("k1", b"acct", 5, 0, 12) is ReplayCheck.REPLAY


class CountingTable(dict[bytes, bytes]):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        self.reads += 1
        return super().get(key, default)


def test_table_replay_guard_reads_each_key_once_per_batch() -> None:
    table = CountingTable()
    guard = TableReplayGuard(table)
    guard.bind(no_partition)
    for seq, key in enumerate((b"a", b"b", b"a"), 1):
        guard.check("k1", key, seq, 0, seq)
    guard.check("k2", b"a", 1, 0, 9)
    guard.commit()
    assert table.reads == 2  # a and b, once each, for the checks and the commit together
    assert orjson.loads(table[b"a"]) == {"k1": [3, 0, 3], "k2": [1, 0, 9]}
    table[b"a"] = orjson.dumps({"k1": [7, 0, 20]})  # another owner of the partition moved on
    assert guard.check("k1", b"a", 6, 0, 21) is ReplayCheck.REPLAY  # the next batch reads again


@pytest.mark.parametrize(
    ("score", "severity"),
    [(0.95, "critical"), (0.8, "high"), (0.6, "medium"), (0.3, "low"), (0.1, "info")],
)
def test_severity_bands(score: float, severity: str) -> None:
    assert severity_for(score) == severity


def test_integrity_monitor_fires_on_a_burst_of_bad_signatures() -> None:
    monitor = IntegrityMonitor(QuantumRulesConfig(), "qrstream.1")
    batch = VerifiedBatch()
    batch.rejected[(Reason.BAD_SIGNATURE, "bank/p1")] += 6
    batch.rejected[(Reason.STALE, "bank/p1")] += 50  # not an integrity code
    [detection] = monitor.observe(batch)
    assert (detection.kind, detection.entity) == ("integrity", "bank/p1")
    assert detection.typology == "integrity_bad_signature"
    assert monitor.observe(batch) == []  # the cool-down holds the next burst back


def test_repartitioned_records_round_trip() -> None:
    leg = IncomingLeg({"event_id": "x", "receiver_account": "A"}, 42)
    assert IncomingLeg.loads(leg.dumps()) == leg
    event = TelemetryEvent.model_validate(EXAMPLES["telemetry"][0])
    assert parse_forwarded(forwarded(event, 7)) == (event, 7)


def test_a_scoring_bug_is_logged_and_counted_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise KeyError("missing feature")

    before = metrics.SCORING_ERRORS.labels("qr.test")._value.get()
    asyncio.run(guarded("qr.test", broken()))
    assert metrics.SCORING_ERRORS.labels("qr.test")._value.get() == before + 1
    assert "scoring a batch of qr.test failed" in caplog.text
    assert "KeyError: 'missing feature'" in caplog.text
