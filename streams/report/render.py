"""The report as text lines (for the terminal) and as one HTML page next to its charts."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from streams.report.data import RunData
from streams.report.evaluation import TypologyScore

__all__ = ["summary_lines", "write_html"]

STAGES = ("ingest", "verified", "scored", "emitted", "alert")


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def throughput_lines(data: RunData) -> list[str]:
    return [
        f"scored events   {data.scored:,}",
        f"throughput      {data.busiest_rate:,.0f} events/s while busy, "
        f"peak {data.peak_rate:,} events/s",
    ]


def latency_rows(data: RunData) -> list[tuple[str, ...]]:
    by_stage = {q.stage: q for q in data.latency}
    return [
        (
            f"producer -> {stage}",
            f"{q.events:,}",
            *(f"{v:,.1f}" for v in (q.p50_ms, q.p90_ms, q.p99_ms, q.p999_ms, q.max_ms)),
        )
        for stage in STAGES
        if (q := by_stage.get(stage)) is not None
    ]


LATENCY_HEADER = ("latency (ms)", "events", "p50", "p90", "p99", "p99.9", "max")
DETECTION_HEADER = ("typology", "injected", "alerted", "found", "precision", "recall")


def detection_rows(scores: list[TypologyScore]) -> list[tuple[str, ...]]:
    return [
        (
            s.typology,
            str(s.labelled),
            str(s.alerted),
            str(s.found),
            _ratio(s.precision),
            _ratio(s.recall),
        )
        for s in scores
    ]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    return [line(header), *(line(r) for r in rows)]


def summary_lines(data: RunData, scores: list[TypologyScore] | None) -> list[str]:
    lines = throughput_lines(data)
    lines += ["", *_table(LATENCY_HEADER, latency_rows(data))]
    if scores is not None:
        lines += ["", *_table(DETECTION_HEADER, detection_rows(scores))]
    else:
        alerts = sum(a for _, _, _, a, _ in data.alerts)
        lines += ["", f"alerts          {alerts:,} (no ground truth given: no precision/recall)"]
    quarantined = ", ".join(f"{reason} {n:,}" for reason, n in sorted(data.quarantine.items()))
    lines += ["", f"quarantined     {sum(data.quarantine.values()):,} ({quarantined or 'none'})"]
    return lines


def _html_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:.3em .7em;text-align:right}"
    "td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:1em 0}"
)


def write_html(
    path: Path,
    data: RunData,
    scores: list[TypologyScore] | None,
    charts: dict[str, Path],
) -> Path:
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>qrstream run report</title>"
        f"<style>{STYLE}</style></head><body>",
        "<h1>qrstream run report</h1>",
        f"<p>Rendered {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC from ClickHouse.</p>",
        "<h2>Throughput</h2>",
        "".join(f"<p>{html.escape(line)}</p>" for line in throughput_lines(data)),
        f"<img src='{charts['throughput'].name}' alt='throughput over time'>",
        "<h2>Latency</h2>",
        _html_table(LATENCY_HEADER, latency_rows(data)),
        f"<img src='{charts['latency'].name}' alt='latency distribution'>",
        "<h2>Detection</h2>",
    ]
    if scores is not None:
        parts.append(_html_table(DETECTION_HEADER, detection_rows(scores)))
    parts.append(f"<img src='{charts['typologies'].name}' alt='alerts per typology'>")
    if "confusion" in charts:
        parts.append(f"<img src='{charts['confusion'].name}' alt='confusion table'>")
    quarantine_rows = [(reason, f"{n:,}") for reason, n in sorted(data.quarantine.items())]
    parts += [
        "<h2>Quarantine</h2>",
        _html_table(("reason", "records"), quarantine_rows),
        "</body></html>",
    ]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
