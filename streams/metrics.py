"""Prometheus metrics of a worker, served by prometheus-client on its own port."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

__all__ = [
    "ALERTS",
    "BATCH_SIZE",
    "MODEL_WARM",
    "RECORDS_ACCEPTED",
    "RECORDS_IN",
    "RECORDS_QUARANTINED",
    "STAGE_SECONDS",
    "serve_metrics",
]

RECORDS_IN = Counter("qrstream_records_in_total", "Records consumed", ["topic"])
RECORDS_ACCEPTED = Counter("qrstream_records_accepted_total", "Records verified", ["topic"])
RECORDS_QUARANTINED = Counter(
    "qrstream_records_quarantined_total", "Records rejected to qr.quarantine", ["topic", "reason"]
)
ALERTS = Counter("qrstream_alerts_total", "Alerts emitted", ["kind", "typology", "severity"])
BATCH_SIZE = Histogram(
    "qrstream_batch_size", "Records per processed batch", buckets=(1, 8, 32, 128, 512, 2048)
)
STAGE_SECONDS = Histogram(
    "qrstream_stage_seconds",
    "Latency per stage: verify and score per batch, end_to_end from qr-ts to emission",
    ["stage"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)
SCORING_ERRORS = Counter(
    "qrstream_scoring_errors_total",
    "Batches whose scoring raised (logged with a traceback)",
    ["agent"],
)
MODEL_WARM = Gauge("qrstream_model_warmed_up", "1 once a model may alert", ["model"])


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    start_http_server(port, addr=host)
