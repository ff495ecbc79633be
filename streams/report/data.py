"""What a report shows, read from the views of deploy/clickhouse/03-views.sql."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from streams.sinks.client import ClickHouseClient

__all__ = ["LATENCY_SAMPLE", "LatencyQuantiles", "RunData", "load_run"]

# Latencies drawn for the distribution chart: enough for smooth tails, bounded in memory.
LATENCY_SAMPLE = 200_000


@dataclass(frozen=True)
class LatencyQuantiles:
    stage: str
    events: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float


@dataclass
class RunData:
    # (second, stream, records) with stream aml, quantum, alerts or quarantine
    throughput: list[tuple[datetime, str, int]] = field(default_factory=list)
    latency: list[LatencyQuantiles] = field(default_factory=list)
    # producer -> alert and producer -> score emitted, in milliseconds (a sample)
    alert_latency_ms: list[float] = field(default_factory=list)
    score_latency_ms: list[float] = field(default_factory=list)
    # (kind, typology, severity, alerts, emissions merged into them)
    alerts: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    alerted: set[tuple[str, str]] = field(default_factory=set)  # (entity, typology)
    quarantine: dict[str, int] = field(default_factory=dict)  # reason -> records
    scored: int = 0

    @property
    def busiest_rate(self) -> float:
        """Scored events per second, over the seconds that scored anything (start-up and idle
        seconds do not dilute it)."""
        per_second: dict[datetime, int] = {}
        for second, stream, records in self.throughput:
            if stream in {"aml", "quantum"}:
                per_second[second] = per_second.get(second, 0) + records
        return sum(per_second.values()) / len(per_second) if per_second else 0.0

    @property
    def peak_rate(self) -> int:
        per_second: dict[datetime, int] = {}
        for second, stream, records in self.throughput:
            if stream in {"aml", "quantum"}:
                per_second[second] = per_second.get(second, 0) + records
        return max(per_second.values(), default=0)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def load_run(ch: ClickHouseClient) -> RunData:
    data = RunData()
    data.throughput = [
        (_time(second), stream, int(records))
        for second, stream, records in ch.query(
            "SELECT second, stream, records FROM qrstream.throughput_per_second ORDER BY second"
        ).rows
    ]
    data.latency = [
        LatencyQuantiles(str(r[0]), int(r[1]), *(float(v) for v in r[2:]))
        for r in ch.query(
            "SELECT stage, events, p50_ms, p90_ms, p99_ms, p999_ms, max_ms"
            " FROM qrstream.latency_quantiles ORDER BY stage"
        ).rows
    ]
    for stage, target in (("alert", data.alert_latency_ms), ("emitted", data.score_latency_ms)):
        target.extend(
            float(r[0])
            for r in ch.query(
                "SELECT latency_ms FROM qrstream.stage_latency WHERE stage = {stage:String}"
                " ORDER BY rand() LIMIT {sample:UInt32}",
                {"stage": stage, "sample": LATENCY_SAMPLE},
            ).rows
        )
    data.alerts = [
        (str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]))
        for r in ch.query(
            "SELECT kind, typology, toString(severity), count(), sum(count)"
            " FROM qrstream.alerts_latest GROUP BY kind, typology, severity"
            " ORDER BY kind, typology, severity"
        ).rows
    ]
    data.alerted = {
        (str(r[0]), str(r[1]))
        for r in ch.query("SELECT DISTINCT entity, typology FROM qrstream.alerts_latest").rows
    }
    data.quarantine = {
        str(r[0]): int(r[1])
        for r in ch.query(
            "SELECT reason, count() FROM qrstream.quarantine FINAL GROUP BY reason ORDER BY reason"
        ).rows
    }
    data.scored = int(ch.query("SELECT count() FROM qrstream.scores FINAL").rows[0][0])
    return data
