"""The report's PNG charts (matplotlib, no display needed)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: render to files, never to a screen

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from streams.report.data import RunData
from streams.report.evaluation import MISSED, Confusion
from streams.report.metrics import PrCurve

__all__ = ["pr_chart", "render_charts"]

DPI = 110


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def throughput_chart(data: RunData, path: Path) -> Path:
    series: dict[str, dict[datetime, int]] = defaultdict(dict)
    for second, stream, records in data.throughput:
        series[stream][second] = records
    fig, ax = plt.subplots(figsize=(9, 3.6))
    start = min((s for s, _, _ in data.throughput), default=None)
    for stream, points in sorted(series.items()):
        xs = sorted(points)
        offsets = [(x - start).total_seconds() for x in xs] if start else []
        ax.plot(offsets, [points[x] for x in xs], label=stream, linewidth=1.2)
    ax.set_xlabel("seconds since the first record")
    ax.set_ylabel("records / s")
    ax.set_title("Throughput")
    ax.grid(alpha=0.3)
    if series:
        ax.legend(loc="upper right")
    return _save(fig, path)


def latency_chart(data: RunData, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for label, values in (
        ("producer -> score emitted", data.score_latency_ms),
        ("producer -> alert", data.alert_latency_ms),
    ):
        if values:
            ordered = np.sort(np.asarray(values))
            ax.plot(ordered, np.arange(1, len(ordered) + 1) / len(ordered), label=label)
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("share of events at or below")
    ax.set_title("Latency distribution (CDF)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right")
    return _save(fig, path)


def typology_chart(data: RunData, path: Path) -> Path:
    counts: dict[str, int] = defaultdict(int)
    for _, typology, _, alerts, _ in data.alerts:
        counts[typology] += alerts
    names = sorted(counts)
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.35 * len(names) + 1)))
    ax.barh(names, [counts[n] for n in names], color="#4477aa")
    ax.invert_yaxis()
    ax.set_xlabel("alerts")
    ax.set_title("Alerts per typology")
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, path)


def confusion_chart(table: Confusion, path: Path) -> Path:
    rows = sorted(table)
    columns = [*sorted({c for counts in table.values() for c in counts} - {MISSED}), MISSED]
    grid = np.array([[table[r].get(c, 0) for c in columns] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(columns) + 3), max(3, 0.45 * len(rows) + 2)))
    ax.imshow(np.log1p(grid), cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("alerted typology")
    ax.set_ylabel("injected typology")
    ax.set_title("Entities: injected against alerted")
    for i in range(len(rows)):
        for j in range(len(columns)):
            if grid[i, j]:
                ax.text(j, i, f"{int(grid[i, j])}", ha="center", va="center", fontsize=8)
    return _save(fig, path)


def pr_chart(
    curve: PrCurve,
    base_rate: float,
    point: tuple[float, float] | None,
    title: str,
    path: Path,
) -> Path:
    """The precision-recall curve, the precision of flagging at random (`base_rate`) and the
    (recall, precision) of the decision actually taken."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    if curve.recall.size and not np.isnan(curve.recall).any():
        # Precision i holds over the recall gained at threshold i: the area is the AP.
        ax.step(np.r_[0.0, curve.recall], np.r_[1.0, curve.precision], where="pre", label="score")
        ax.axhline(base_rate, color="grey", linestyle=":", label="chance")
    if point is not None:
        ax.plot(*point, "o", color="#cc3311", label="flagged")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left")
    return _save(fig, path)


def render_charts(data: RunData, table: Confusion | None, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = {
        "throughput": throughput_chart(data, out_dir / "throughput.png"),
        "latency": latency_chart(data, out_dir / "latency.png"),
        "typologies": typology_chart(data, out_dir / "alerts_per_typology.png"),
    }
    if table:
        charts["confusion"] = confusion_chart(table, out_dir / "confusion.png")
    return charts
