"""`qrstream eval`: labels joined to scores and alerts per transaction and per account, and the
command end to end on chDB rows written by the sink's own row mapping."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from streams.cli import cli
from streams.errors import ConfigError
from streams.report.replay_eval import (
    Alerted,
    Label,
    Scored,
    build_items,
    evaluate_items,
    load_labels,
)
from streams.settings import Settings
from streams.sinks.clickhouse import connect
from streams.sinks.rows import ALERTS_TABLE, SCORES_TABLE, alert_row, score_row
from tests.sink_records import T0, alert, score

# Six transactions of three senders: A (fan_out, both positive), B (one positive), C (clean).
LABELS = [
    Label("e1", "A", 1, "fan_out"),
    Label("e2", "A", 1, "fan_out"),
    Label("e3", "B", 0, "normal"),
    Label("e4", "B", 1, "structuring"),
    Label("e5", "C", 0, "normal"),
    Label("e6", "C", 0, "normal"),
]
SCORES = {
    "e1": Scored(0.9, True),
    "e2": Scored(0.4, False),
    "e3": Scored(0.8, True),
    "e5": Scored(0.1, False),
    "e6": Scored(0.6, False),
    "other-run": Scored(1.0, True),
}
ALERTS = [
    Alerted("A", "fan_out", ("e1",)),
    Alerted("B", "fan_in", ("e3",)),
    Alerted("Z", "fan_in", ("other-run",)),  # not this run's
]


def test_transaction_level_joins_by_event_id() -> None:
    items, unscored = build_items(LABELS, SCORES, ALERTS, "transaction", None)
    assert unscored == 1  # e4
    result = evaluate_items(items, unscored, "transaction", None, top_k=2)
    # flagged e1 (+), e3 (-): tp 1, fp 1, fn 2 (e2, e4)
    assert (result.decision.tp, result.decision.fp, result.decision.fn) == (1, 1, 2)
    assert result.decision.f1 == pytest.approx(2 / 5)
    # Scores 0.9+ 0.8- 0.6- 0.4+ 0.1- 0.0+: positive-negative pairs won 3 + 1 + 0 of 9
    assert result.roc_auc == pytest.approx(4 / 9)
    # Precision at each positive: 1/1, 2/4, 3/6
    assert result.pr_auc == pytest.approx((1 + 2 / 4 + 3 / 6) / 3)
    assert result.recall_at_k == pytest.approx(1 / 3)
    by_label = {r.typology: r for r in result.by_label}
    assert (by_label["fan_out"].positives, by_label["fan_out"].found) == (2, 1)
    assert (by_label["normal"].items, by_label["normal"].flagged) == (3, 1)
    by_alert = {r.typology: r for r in result.by_alert}
    assert set(by_alert) == {"fan_out", "fan_in"}
    assert by_alert["fan_in"].precision == 0.0
    assert by_alert["fan_out"].precision == 1.0


def test_account_level_takes_any_label_and_the_highest_score() -> None:
    items, _ = build_items(LABELS, SCORES, ALERTS, "account", None)
    by_name = {i.name: i for i in items}
    assert {n: (i.label, i.score, i.flagged) for n, i in by_name.items()} == {
        "A": (1, 0.9, True),
        "B": (1, 0.8, True),
        "C": (0, 0.6, False),
    }
    assert by_name["B"].typologies == {"normal", "structuring"}
    result = evaluate_items(items, 1, "account", None, top_k=1)
    assert (result.decision.precision, result.decision.recall) == (1.0, 1.0)
    assert result.roc_auc == 1.0
    assert result.recall_at_k == 0.5


def test_a_threshold_replaces_the_alerted_flag() -> None:
    items, _ = build_items(LABELS, SCORES, ALERTS, "transaction", 0.5)
    result = evaluate_items(items, 1, "transaction", 0.5, top_k=100)
    # flagged e1 (+), e3 (-), e6 (-)
    assert (result.decision.tp, result.decision.fp, result.decision.fn) == (1, 2, 2)
    assert result.recall_at_k == 1.0


def test_a_bad_labels_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_bytes(b'{"event_id": "e1", "account": "A", "label": 2}\n')
    with pytest.raises(ConfigError, match=r"labels.jsonl:1: not a label line \(label 2"):
        load_labels(path)


def test_eval_from_chdb_rows(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    # Events 0-5: senders A (0, 1), B (2, 3), C (4, 5) as in LABELS, and event 9 of an
    # earlier run.
    entities = ["A", "A", "B", "B", "C", "C", "Z"]
    values = [(0.9, True), (0.4, False), (0.8, True), (0.2, False), (0.1, False), (0.6, False)]
    records = [
        score(i, entity=entities[i], producer_ts_us=T0 + i).model_copy(
            update={"score": s, "alerted": a}
        )
        for i, (s, a) in enumerate([*values, (1.0, True)])
    ]
    alerts = [alert(0, entity="A"), alert(6, entity="Z")]
    with connect(settings) as ch:
        ch.insert(SCORES_TABLE, [score_row(r.model_dump_json().encode(), None, 0) for r in records])
        ch.insert(ALERTS_TABLE, [alert_row(a.model_dump_json().encode(), None, T0) for a in alerts])
    labels = tmp_path / "labels.jsonl"
    labels.write_bytes(
        b"".join(
            orjson.dumps(
                {"event_id": r.event_id, "account": r.entity, "label": lab, "typology": "t"},
                option=orjson.OPT_APPEND_NEWLINE,
            )
            for r, lab in zip(records[:6], [1, 1, 0, 1, 0, 0], strict=True)
        )
    )
    out = tmp_path / "eval"
    result = CliRunner().invoke(
        cli,
        ["eval", "--labels", str(labels), "--level", "account", "--top-k", "1", "--out", str(out)],
        env={"QR_VAR_DIR": str(settings.var_dir)},
    )
    assert result.exit_code == 0, result.output
    assert "precision       1.000   recall 1.000   F1 1.000" in result.stdout
    report = orjson.loads((out / "eval.json").read_bytes())
    assert {k: report[k] for k in ("items", "positives", "tp", "fp", "fn", "unscored")} == {
        "items": 3,
        "positives": 2,
        "tp": 2,
        "fp": 0,
        "fn": 0,
        "unscored": 0,
    }
    assert (report["roc_auc"], report["recall_at_k"]) == (1.0, 0.5)
    assert report["by_alert_typology"] == [
        {
            "typology": "fan_in",
            "items": 1,
            "positives": 1,
            "flagged": 1,
            "found": 1,
            "precision": 1.0,
            "recall": 1.0,
        }
    ]
    assert (out / "pr_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
