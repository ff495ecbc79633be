"""Prometheus metrics of the SIEM forwarder, served like a worker's (`--metrics-port`)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["ALERTS_DROPPED", "ALERTS_FORWARDED", "ALERTS_IN", "DELIVERY_SECONDS", "RETRIES"]

ALERTS_IN = Counter("qrstream_siem_alerts_in_total", "Alert records read by the forwarder")
ALERTS_FORWARDED = Counter(
    "qrstream_siem_alerts_forwarded_total",
    "Verified alerts the destination accepted",
    ["format"],
)
ALERTS_DROPPED = Counter(
    "qrstream_siem_alerts_dropped_total",
    "Alert records never forwarded, by the verifier's reason code (bad_signature: forged)",
    ["reason"],
)
RETRIES = Counter("qrstream_siem_retries_total", "Batches sent again after the destination failed")
DELIVERY_SECONDS = Histogram(
    "qrstream_siem_delivery_seconds",
    "Time to deliver one batch, retries included",
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0),
)
