"""`qrstream eval`: detection quality of a replay run against its labels."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import click

from streams.cli.app import pass_settings
from streams.report.replay_eval import (
    Level,
    build_items,
    evaluate_items,
    load_labels,
    load_scored,
    result_lines,
    write_outputs,
)
from streams.settings import Settings
from streams.sinks.clickhouse import connect

__all__ = ["eval_command"]


@click.command("eval")
@click.option(
    "--labels",
    "labels_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The labels `qrstream replay` wrote (JSON lines: event_id, account, label, typology).",
)
@click.option(
    "--level",
    type=click.Choice(get_args(Level)),
    default="transaction",
    show_default=True,
    help="Evaluate transactions, or accounts (positive if any of their transactions is, "
    "scored by their highest score).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    help="Flag items whose risk score reaches this (default: the pipeline's alerted flag).",
)
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Recall among the k highest scores.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write eval.json and pr_curve.png to this directory.",
)
@pass_settings
def eval_command(
    settings: Settings,
    labels_file: Path,
    level: Level,
    threshold: float | None,
    top_k: int,
    out: Path | None,
) -> None:
    """Precision, recall and F1 of the alerts of a replay run, PR-AUC and ROC-AUC of its risk
    scores, recall at top k, and a breakdown per typology, read from ClickHouse. With the
    embedded chDB, stop the sink first (one process at a time)."""
    labels = load_labels(labels_file)
    with connect(settings) as ch:
        scores, alerts = load_scored(ch)
    items, unscored = build_items(labels, scores, alerts, level, threshold)
    result = evaluate_items(items, unscored, level, threshold, top_k)
    for line in result_lines(result):
        click.echo(line)
    if out is not None:
        json_path, png_path = write_outputs(result, items, out)
        click.echo(f"\nwritten: {json_path}, {png_path}")
