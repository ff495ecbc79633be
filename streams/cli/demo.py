"""`qrstream demo`: the main job on embedded defaults, from an empty var/ to a report."""

from __future__ import annotations

import click

from streams.cli.app import pass_settings
from streams.demo.run import DemoConfig, run_demo
from streams.settings import Settings

__all__ = ["demo"]


def _say(line: str) -> None:
    click.echo(f"demo: {line}", err=True)


@click.command()
@click.option(
    "--duration", type=click.FloatRange(min=5), default=60.0, show_default=True,
    help="Seconds of generated traffic.",
)  # fmt: skip
@click.option(
    "--rate", type=click.FloatRange(min=1), default=500.0, show_default=True,
    help="Events per second offered by loadgen (transactions and telemetry).",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(1, 8), default=1, show_default=True,
    help="Worker processes (one consumer group).",
)  # fmt: skip
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the traffic.")
@click.option(
    "--metrics-port", type=click.IntRange(1024, 65000), default=9400, show_default=True,
    help="First Prometheus port: workers take it and the next ones, the sink the one after.",
)  # fmt: skip
@pass_settings
def demo(
    settings: Settings, duration: float, rate: float, workers: int, seed: int, metrics_port: int
) -> None:
    """Run the whole pipeline once on embedded defaults and report on it.

    Starts the local Kafka broker (unless QR_KAFKA_BOOTSTRAP names one), creates the topics and
    keys, starts the worker(s) and the ClickHouse sink (embedded chDB), runs loadgen with every
    AML typology and quantum-threat pattern injected, waits until everything is scored and
    stored, stops it all cleanly and prints the summary: throughput, producer-to-alert latency
    quantiles, precision and recall per typology against loadgen's ground truth, quarantine
    counts. The HTML report with its charts is written under QR_VAR_DIR/reports/."""
    config = DemoConfig(
        duration_s=duration, rate=rate, workers=workers, seed=seed, metrics_port=metrics_port
    )
    report = run_demo(settings, config, _say)
    click.echo("")
    for line in report.lines():
        click.echo(line)
    click.echo(f"\nreport: {report.html}")
