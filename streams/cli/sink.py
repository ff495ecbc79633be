"""`qrstream sink`: the ClickHouse sink (streams.sinks)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from streams import metrics
from streams.cli.app import pass_settings
from streams.settings import Settings
from streams.sinks.sink import run_sink

__all__ = ["sink"]


@click.command()
@click.option("--metrics-port", type=int, help="Serve Prometheus metrics on QR_METRICS_HOST:PORT.")
@click.option(
    "--from-beginning",
    is_flag=True,
    help="Read every record Kafka still retains instead of continuing after the last commit "
    "(rows already in ClickHouse are not duplicated).",
)
@pass_settings
def sink(settings: Settings, metrics_port: int | None, from_beginning: bool) -> None:
    """Write alerts, scores, quarantined records and the crypto inventory to ClickHouse.

    Reads qr.alerts, qr.scores, qr.quarantine and the workers' crypto inventory changelog in
    its own consumer group (QR_APP_ID-clickhouse-sink) and inserts batches of up to
    QR_SINK_FLUSH_ROWS records at least every QR_SINK_FLUSH_INTERVAL_S seconds, committing
    offsets only after the insert succeeded. ClickHouse is the embedded chDB in
    QR_VAR_DIR/clickhouse (one process at a time), or a server at QR_CLICKHOUSE_URL. An
    unavailable ClickHouse is retried for QR_SINK_RETRY_BUDGET_S seconds, then the sink exits
    with status 1. SIGINT or SIGTERM stops it after writing what it read; a second one stops
    waiting for ClickHouse.
    """
    stop, abort = threading.Event(), threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        (abort if stop.is_set() else stop).set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if metrics_port:
        metrics.serve_metrics(metrics_port, settings.metrics_host)
    stats = run_sink(settings, stop, abort, from_beginning=from_beginning)
    click.echo(
        f"sink stopped: {stats.records} records read, {stats.rows} rows written "
        f"in {stats.batches} batches"
    )
