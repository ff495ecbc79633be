"""`qrstream eval`: the scores and alerts of a replay run (ClickHouse) against its labels (the
JSON lines `qrstream replay` writes), per transaction or per account.

Only labelled events count, so other runs in the same tables are ignored; a labelled event
without a score row (quarantined, or not processed yet) counts as scored 0 and not alerted,
and is reported as unscored. At account level an account is positive when any of its
labelled transactions is, its score is the highest of theirs, and it is flagged when one of
them is or an alert of the run names it. With a threshold, an item is flagged when its score
reaches it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson

from streams.errors import ConfigError
from streams.report.charts import pr_chart
from streams.report.metrics import (
    Counts,
    average_precision,
    counts,
    pr_curve,
    recall_at_k,
    roc_auc,
)
from streams.sinks.client import ClickHouseClient

__all__ = [
    "Alerted",
    "EvalResult",
    "Item",
    "Label",
    "Level",
    "Scored",
    "build_items",
    "evaluate_items",
    "load_labels",
    "load_scored",
    "result_lines",
    "write_outputs",
]

Level = Literal["transaction", "account"]
NO_TYPOLOGY = "-"


@dataclass(frozen=True)
class Label:
    event_id: str
    account: str
    label: int
    typology: str | None


@dataclass(frozen=True)
class Scored:
    score: float
    alerted: bool


@dataclass(frozen=True)
class Alerted:
    entity: str
    typology: str
    event_ids: tuple[str, ...]


@dataclass
class Item:
    """One evaluated transaction or account."""

    name: str
    label: int
    score: float
    flagged: bool
    typologies: set[str] = field(default_factory=set)
    alert_typologies: set[str] = field(default_factory=set)


def load_labels(path: Path) -> list[Label]:
    try:
        lines = path.read_bytes().splitlines()
    except OSError as err:
        raise ConfigError(f"cannot read the labels {path}: {err.strerror}") from err
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            label = int(item["label"])
            if label not in (0, 1):
                raise ValueError(f"label {label} is not 0 or 1")
            out.append(
                Label(str(item["event_id"]), str(item["account"]), label, item.get("typology"))
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"{path}:{number}: not a label line ({err})") from err
    return out


def load_scored(ch: ClickHouseClient) -> tuple[dict[str, Scored], list[Alerted]]:
    """Every AML score (by event id) and every AML alert in its final state."""
    scores = {
        str(event): Scored(float(score), bool(alerted))
        for event, score, alerted in ch.query(
            "SELECT toString(event_id), score, alerted FROM qrstream.scores FINAL"
            " WHERE kind = 'aml'"
        ).rows
    }
    alerts = [
        Alerted(str(entity), str(typology), tuple(str(e) for e in events))
        for entity, typology, events in ch.query(
            "SELECT entity, typology, arrayMap(e -> toString(e), event_ids)"
            " FROM qrstream.alerts_latest WHERE kind = 'aml'"
        ).rows
    ]
    return scores, alerts


def build_items(
    labels: Iterable[Label],
    scores: dict[str, Scored],
    alerts: Iterable[Alerted],
    level: Level,
    threshold: float | None,
) -> tuple[list[Item], int]:
    """The evaluated items and how many labelled events had no score."""
    labels = list(labels)
    run_ids = {lab.event_id for lab in labels}
    alerts = [a for a in alerts if run_ids.intersection(a.event_ids)]
    unscored = 0
    items: dict[str, Item] = {}
    for lab in labels:
        scored = scores.get(lab.event_id)
        if scored is None:
            unscored += 1
            scored = Scored(0.0, False)
        flagged = scored.alerted if threshold is None else scored.score >= threshold
        name = lab.event_id if level == "transaction" else lab.account
        item = items.get(name)
        if item is None:
            item = items[name] = Item(name, lab.label, scored.score, flagged)
        else:
            item.label = max(item.label, lab.label)
            item.score = max(item.score, scored.score)
            item.flagged = item.flagged or flagged
        if lab.typology:
            item.typologies.add(lab.typology)
    for a in alerts:
        names = a.event_ids if level == "transaction" else (a.entity,)
        for name in names:
            if name in items:
                items[name].alert_typologies.add(a.typology)
                if level == "account" and threshold is None:
                    items[name].flagged = True
    return list(items.values()), unscored


@dataclass(frozen=True)
class TypologyRow:
    typology: str
    items: int
    positives: int
    flagged: int
    found: int  # flagged positives

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None

    @property
    def precision(self) -> float | None:
        return self.found / self.flagged if self.flagged else None


@dataclass(frozen=True)
class EvalResult:
    level: Level
    threshold: float | None
    items: int
    positives: int
    unscored: int
    decision: Counts
    pr_auc: float | None
    roc_auc: float | None
    top_k: int
    recall_at_k: float | None
    by_label: list[TypologyRow]  # the labels' typologies
    by_alert: list[TypologyRow]  # the alerts' typologies: items alerted with it

    def to_json(self) -> dict[str, Any]:
        d = self.decision
        return {
            "level": self.level,
            "threshold": self.threshold,
            "items": self.items,
            "positives": self.positives,
            "unscored": self.unscored,
            "tp": d.tp,
            "fp": d.fp,
            "fn": d.fn,
            "precision": d.precision,
            "recall": d.recall,
            "f1": d.f1,
            "pr_auc": self.pr_auc,
            "roc_auc": self.roc_auc,
            "top_k": self.top_k,
            "recall_at_k": self.recall_at_k,
            "by_label_typology": [asdict(r) | _ratios(r) for r in self.by_label],
            "by_alert_typology": [asdict(r) | _ratios(r) for r in self.by_alert],
        }


def _ratios(row: TypologyRow) -> dict[str, float | None]:
    return {"precision": row.precision, "recall": row.recall}


def _typology_rows(items: list[Item], of_alerts: bool) -> list[TypologyRow]:
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        names = item.alert_typologies if of_alerts else item.typologies or {NO_TYPOLOGY}
        for name in names:
            groups[name].append(item)
    return [
        TypologyRow(
            name,
            len(group),
            sum(i.label for i in group),
            sum(i.flagged or of_alerts for i in group),
            sum(bool(i.label and (i.flagged or of_alerts)) for i in group),
        )
        for name, group in sorted(groups.items())
    ]


def evaluate_items(
    items: list[Item], unscored: int, level: Level, threshold: float | None, top_k: int
) -> EvalResult:
    y = np.array([i.label for i in items], dtype=np.int64)
    s = np.array([i.score for i in items], dtype=np.float64)
    return EvalResult(
        level=level,
        threshold=threshold,
        items=len(items),
        positives=int(y.sum()),
        unscored=unscored,
        decision=counts(y, [i.flagged for i in items]),
        pr_auc=average_precision(y, s),
        roc_auc=roc_auc(y, s),
        top_k=top_k,
        recall_at_k=recall_at_k(y, s, top_k),
        by_label=_typology_rows(items, of_alerts=False),
        by_alert=_typology_rows(items, of_alerts=True),
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def result_lines(result: EvalResult) -> list[str]:
    d = result.decision
    rule = "alerted flag" if result.threshold is None else f"score >= {result.threshold:g}"
    lines = [
        f"level           {result.level}: {result.items:,} labelled, "
        f"{result.positives:,} positive, {result.unscored:,} transactions unscored",
        f"decision        {rule}: tp {d.tp:,}  fp {d.fp:,}  fn {d.fn:,}",
        f"precision       {_fmt(d.precision)}   recall {_fmt(d.recall)}   F1 {_fmt(d.f1)}",
        f"PR-AUC          {_fmt(result.pr_auc)}   ROC-AUC {_fmt(result.roc_auc)}   "
        f"recall@{result.top_k} {_fmt(result.recall_at_k)}",
    ]
    for title, rows in (("label typology", result.by_label), ("alert typology", result.by_alert)):
        if not rows:
            continue
        width = max(len(title), *(len(r.typology) for r in rows))
        lines += [
            "",
            f"{title:<{width}}  {'items':>8}  {'positive':>8}  {'flagged':>8}  "
            f"{'precision':>9}  {'recall':>6}",
        ]
        lines += [
            f"{r.typology:<{width}}  {r.items:>8,}  {r.positives:>8,}  {r.flagged:>8,}  "
            f"{_fmt(r.precision):>9}  {_fmt(r.recall):>6}"
            for r in rows
        ]
    return lines


def write_outputs(result: EvalResult, items: list[Item], out_dir: Path) -> tuple[Path, Path]:
    """eval.json and pr_curve.png in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "eval.json"
    json_path.write_bytes(orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2))
    d = result.decision
    png_path = pr_chart(
        pr_curve([i.label for i in items], [i.score for i in items]),
        result.positives / result.items if result.items else 0.0,
        (d.recall, d.precision) if d.precision is not None and d.recall is not None else None,
        f"Precision-recall per {result.level} (PR-AUC {_fmt(result.pr_auc)})",
        out_dir / "pr_curve.png",
    )
    return json_path, png_path
