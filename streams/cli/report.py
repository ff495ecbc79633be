"""`qrstream report`: render the run report from ClickHouse."""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.app import pass_settings
from streams.report.build import build_report
from streams.settings import Settings
from streams.sinks.clickhouse import connect

__all__ = ["report"]


@click.command()
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ground truth of the run (loadgen's JSON lines): adds precision and recall per "
    "typology and the confusion table.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of index.html and the PNG charts (default QR_VAR_DIR/reports/latest).",
)
@pass_settings
def report(settings: Settings, truth: Path | None, out: Path | None) -> None:
    """Summarise a run from ClickHouse: throughput, latency quantiles per stage, alerts per
    typology (with precision and recall against --truth) and quarantine counts; write an HTML
    report with charts. With the embedded chDB, stop the sink first (one process at a time)."""
    out_dir = out or settings.var_dir / "reports" / "latest"
    with connect(settings) as ch:
        built = build_report(ch, out_dir, truth)
    for line in built.lines():
        click.echo(line)
    click.echo(f"\nreport: {built.html}")
