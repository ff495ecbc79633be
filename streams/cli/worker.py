"""`qrstream worker`: one Faust worker of the processing pipeline."""

from __future__ import annotations

import time

import click
import faust

from streams import metrics
from streams.agents.inputs import AcceptedHandler, VerifiedBatch
from streams.app import build_worker
from streams.cli.app import pass_settings
from streams.settings import Settings

__all__ = ["worker"]


async def _observe_end_to_end(batch: VerifiedBatch, ingest_us: int) -> None:
    now_us = time.time_ns() // 1000
    for _, verdict in batch.accepted:
        if verdict.envelope is not None:
            metrics.STAGE_SECONDS.labels("end_to_end").observe(
                (now_us - verdict.envelope.ts_us) / 1e6
            )


def _verify_only(topic: str) -> AcceptedHandler:
    return _observe_end_to_end


@click.command()
@click.option(
    "--worker-id",
    default="w1",
    show_default=True,
    help="Unique per worker process: names its state directory under QR_VAR_DIR/faust.",
)
@click.option("--metrics-port", type=int, help="Serve Prometheus metrics on 127.0.0.1:PORT.")
@click.option(
    "--verify-only",
    is_flag=True,
    help="Verify and quarantine, then stop: the verify-only stage of the pipeline benchmark.",
)
@pass_settings
def worker(settings: Settings, worker_id: str, metrics_port: int | None, verify_only: bool) -> None:
    """Run a pipeline worker: consume qr.transactions and qr.telemetry in batches, verify every
    signature (native, GIL released), quarantine rejects with their reason codes. Workers with
    the same settings form one consumer group. Needs QR_ROOT_PUBLIC_KEY_FILE."""
    if not verify_only:
        raise click.UsageError("scoring is not wired into the worker yet; use --verify-only")
    built = build_worker(settings, _verify_only, worker_id=worker_id)
    if metrics_port:
        metrics.serve_metrics(metrics_port)
    faust.Worker(built.app, loglevel=settings.log_level.lower()).execute_from_commandline()
