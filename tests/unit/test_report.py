"""`qrstream report`: precision/recall and the confusion table on hand-made pairs, and a full
report rendered from chDB rows written by the sink's own row mapping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from streams.cli import cli
from streams.report.build import build_report
from streams.report.evaluation import CLEAN, MISSED, confusion, evaluate
from streams.report.truth import load_truth
from streams.settings import Settings
from streams.sinks.clickhouse import connect
from streams.sinks.client import ClickHouseClient
from streams.sinks.rows import (
    ALERTS_TABLE,
    QUARANTINE_TABLE,
    SCORES_TABLE,
    alert_row,
    quarantine_row,
    score_row,
)
from tests.sink_records import T0, alert, quarantine, score

TRUTH = {("A1", "fan_in"), ("A2", "fan_in"), ("A3", "structuring"), ("H1", "pq_downgrade")}
ALERTED = {("A1", "fan_in"), ("A3", "fan_out"), ("C9", "fan_in"), ("H1", "pq_downgrade")}


def test_precision_and_recall_per_typology() -> None:
    scores = {s.typology: s for s in evaluate(TRUTH, ALERTED)}
    assert set(scores) == {"fan_in", "fan_out", "pq_downgrade", "structuring"}
    fan_in = scores["fan_in"]
    assert (fan_in.labelled, fan_in.alerted, fan_in.found) == (2, 2, 1)
    assert fan_in.precision == fan_in.recall == 0.5
    assert scores["structuring"].recall == 0.0
    assert scores["structuring"].precision is None  # never alerted
    assert scores["fan_out"].recall is None  # never injected
    assert scores["pq_downgrade"].precision == scores["pq_downgrade"].recall == 1.0


def test_confusion_counts_entities_by_injected_and_alerted_typology() -> None:
    table = confusion(TRUTH, ALERTED)
    assert table["fan_in"] == {"fan_in": 1, MISSED: 1}
    assert table["structuring"] == {"fan_out": 1}
    assert table[CLEAN] == {"fan_in": 1}
    assert table["pq_downgrade"] == {"pq_downgrade": 1}


@pytest.fixture
def ch(tmp_path: Path) -> Iterator[ClickHouseClient]:
    client = connect(Settings(var_dir=tmp_path / "var"))
    yield client
    client.close()


def fill(ch: ClickHouseClient) -> None:
    scores = [
        score(i, stage_us=(1000, 2000, 3000, 4000 + 1000 * i), producer_ts_us=T0 + i * 250_000)
        for i in range(8)
    ]
    ch.insert(SCORES_TABLE, [score_row(s.model_dump_json().encode(), None, 0) for s in scores])
    alerts = [alert(0, entity="A1"), alert(1, entity="C9")]
    ch.insert(ALERTS_TABLE, [alert_row(a.model_dump_json().encode(), None, T0) for a in alerts])
    ch.insert(
        QUARANTINE_TABLE,
        [quarantine_row(quarantine(i).model_dump_json().encode(), None, T0) for i in range(3)],
    )


def test_a_report_from_chdb_rows(ch: ClickHouseClient, tmp_path: Path) -> None:
    fill(ch)
    truth = tmp_path / "truth.jsonl"
    truth.write_bytes(
        b"\n".join(
            orjson.dumps(line)
            for line in (
                {"entity": "A1", "typology": "fan_in"},
                {"entity": "A2", "typology": "fan_in"},
                {"entity": None, "typology": "integrity_bad_signature"},
            )
        )
    )
    built = build_report(ch, tmp_path / "out", truth)
    assert built.data.scored == 8
    assert built.data.busiest_rate == 4.0  # 8 events over the 2 seconds they were emitted in
    emitted = next(q for q in built.data.latency if q.stage == "emitted")
    assert (emitted.events, emitted.max_ms) == (8, 11.0)
    assert sorted(built.data.score_latency_ms) == [4.0 + i for i in range(8)]
    assert built.data.quarantine == {"bad_signature": 3}
    [fan_in] = built.scores or []
    assert (fan_in.labelled, fan_in.alerted, fan_in.found) == (2, 2, 1)
    assert {p.name for p in built.charts.values()} == {
        "throughput.png",
        "latency.png",
        "alerts_per_typology.png",
        "confusion.png",
    }
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in built.charts.values())
    page = built.html.read_text()
    assert "fan_in" in page and "latency.png" in page and "bad_signature" in page
    text = "\n".join(built.lines())
    assert "precision" in text and "producer -> emitted" in text


def test_the_cli_says_what_is_wrong_with_a_truth_file(tmp_path: Path) -> None:
    bad = tmp_path / "truth.jsonl"
    bad.write_text("not json\n")
    result = CliRunner().invoke(
        cli,
        ["report", "--truth", str(bad), "--out", str(tmp_path / "out")],
        env={"QR_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.exit_code == 1
    assert f"{bad}:1: not a ground-truth line" in result.output


def test_loadgen_truth_counts_only_completed_scenarios(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    lines = [
        {"record": "run", "entity": None, "typology": None},
        {"record": "scenario", "typology": "fan_in", "entity": "A1"},
        {"record": "event", "typology": "fan_in", "entity": "A1"},
        {"record": "event", "typology": "fan_out", "entity": "A2"},  # cut short by the end
    ]
    truth.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    assert load_truth(truth) == {("A1", "fan_in")}
