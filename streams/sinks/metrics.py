"""Prometheus metrics of the ClickHouse sink, served like a worker's (`--metrics-port`)."""

from __future__ import annotations

import orjson
from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BATCH_RECORDS",
    "INSERT_SECONDS",
    "LAG",
    "PAUSED",
    "RECORDS_IN",
    "RECORDS_SKIPPED",
    "RETRIES",
    "ROWS_INSERTED",
    "record_lag",
]

RECORDS_IN = Counter("qrstream_sink_records_in_total", "Kafka records read by the sink", ["topic"])
RECORDS_SKIPPED = Counter(
    "qrstream_sink_records_skipped_total",
    "Records that give no row: unreadable payloads (invalid) and deletions (tombstone)",
    ["topic", "reason"],
)
ROWS_INSERTED = Counter(
    "qrstream_sink_rows_inserted_total", "Rows inserted into ClickHouse", ["table"]
)
INSERT_SECONDS = Histogram(
    "qrstream_sink_insert_seconds",
    "Duration of one insert into one table, retries included",
    ["table"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0),
)
BATCH_RECORDS = Histogram(
    "qrstream_sink_batch_records",
    "Records per flushed batch",
    buckets=(1, 10, 100, 1000, 2500, 5000, 10_000, 20_000, 50_000),
)
RETRIES = Counter("qrstream_sink_retries_total", "ClickHouse calls retried after a transient error")
PAUSED = Gauge(
    "qrstream_sink_paused",
    "1 while fetching is paused: an insert is pending and the next batch is full",
)
LAG = Gauge(
    "qrstream_sink_lag_records",
    "Records on a partition after the sink's last commit (from librdkafka statistics)",
    ["topic", "partition"],
)


def record_lag(stats_json: str) -> None:
    """librdkafka's `stats_cb`: the consumer lag of every assigned partition."""
    stats = orjson.loads(stats_json)
    for topic, info in stats.get("topics", {}).items():
        for partition, p in info.get("partitions", {}).items():
            lag = p.get("consumer_lag", -1)
            # -1: not known yet; partition -1 is librdkafka's internal UA partition.
            if partition != "-1" and lag >= 0:
                LAG.labels(topic, partition).set(lag)
