"""One report: read the run from ClickHouse, evaluate it against the ground truth if there is
one, write the charts and the HTML page, return the text summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from streams.report.charts import render_charts
from streams.report.data import RunData, load_run
from streams.report.evaluation import TypologyScore, confusion, evaluate
from streams.report.render import summary_lines, write_html
from streams.report.truth import load_truth
from streams.sinks.client import ClickHouseClient

__all__ = ["Report", "build_report"]


@dataclass(frozen=True)
class Report:
    data: RunData
    scores: list[TypologyScore] | None
    html: Path
    charts: dict[str, Path]

    def lines(self) -> list[str]:
        return summary_lines(self.data, self.scores)


def build_report(ch: ClickHouseClient, out_dir: Path, truth_file: Path | None) -> Report:
    truth = load_truth(truth_file) if truth_file is not None else None
    data = load_run(ch)
    scores = evaluate(truth, data.alerted) if truth is not None else None
    table = confusion(truth, data.alerted) if truth is not None else None
    charts = render_charts(data, table, out_dir)
    page = write_html(out_dir / "index.html", data, scores, charts)
    return Report(data, scores, page, charts)
