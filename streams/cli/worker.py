"""`qrstream worker`: one Faust worker of the processing pipeline."""

from __future__ import annotations

import click
import faust

from streams import metrics
from streams.app import build_worker
from streams.cli.app import pass_settings
from streams.settings import Settings

__all__ = ["worker"]


@click.command()
@click.option(
    "--worker-id",
    default="w1",
    show_default=True,
    help="Unique per worker process: names its state directory QR_VAR_DIR/faust/APP_ID/ID.",
)
@click.option("--metrics-port", type=int, help="Serve Prometheus metrics on QR_METRICS_HOST:PORT.")
@click.option(
    "--verify-only",
    is_flag=True,
    help="Verify and quarantine, then stop: the verify-only stage of the pipeline benchmark.",
)
@pass_settings
def worker(settings: Settings, worker_id: str, metrics_port: int | None, verify_only: bool) -> None:
    """Run a pipeline worker: consume qr.transactions and qr.telemetry in batches, verify every
    signature (native, GIL released), quarantine rejects with their reason codes, score the
    accepted records and emit signed alerts to qr.alerts and score records to qr.scores.

    Workers with the same settings form one consumer group. Needs QR_ROOT_PUBLIC_KEY_FILE, and
    (unless --verify-only) the worker's own key processor/WORKER_ID in the key store with
    QR_KEY_PASSPHRASE, published so that alert consumers can verify it."""
    built = build_worker(settings, worker_id=worker_id, verify_only=verify_only)
    if metrics_port:
        metrics.serve_metrics(metrics_port, settings.metrics_host)
    faust.Worker(built.app, loglevel=settings.log_level.lower()).execute_from_commandline()
