"""The ClickHouse schema on the embedded chDB, in a temporary directory: the DDL applies (twice),
rows mapped from real messages fit their tables, a repeated insert adds nothing, and the views
compute what they promise on hand-made data."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from streams.settings import Settings
from streams.sinks import ClickHouseClient, ClickHouseLocked, connect
from streams.sinks.ddl import DDL_DIR, statements
from streams.sinks.embedded import ChdbClient, lock_holder
from streams.sinks.rows import (
    ALERTS_TABLE,
    INVENTORY_TABLE,
    QUARANTINE_TABLE,
    SCORES_TABLE,
    alert_row,
    ch_time,
    inventory_row,
    quarantine_row,
    score_row,
)
from tests.sink_records import T0, alert, inventory, inventory_value, quarantine, score
from topics.messages.score import ScoreRecord

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLES = {"alerts", "scores", "quarantine", "crypto_inventory"}
VIEWS = {
    "alerts_latest",
    "stage_latency",
    "latency_quantiles",
    "latency_quantiles_per_minute",
    "throughput_per_second",
}


@pytest.fixture
def ch(tmp_path: Path) -> Iterator[ClickHouseClient]:
    client = connect(Settings(var_dir=tmp_path / "var"))
    yield client
    client.close()


def scalar(ch: ClickHouseClient, sql: str) -> object:
    [(value,)] = ch.query(sql).rows
    return value


def score_rows(records: Sequence[ScoreRecord]) -> list[dict[str, object]]:
    return [score_row(r.model_dump_json().encode(), None, 0) for r in records]


def quantile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Excel's PERCENTILE.INC)."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * p
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def test_the_schema_applies_and_applies_again(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    for _ in range(2):
        with connect(settings) as ch:
            names = {name for (name,) in ch.query("SHOW TABLES FROM qrstream").rows}
    assert names == TABLES | VIEWS
    assert (tmp_path / "var" / "clickhouse" / "metadata" / "qrstream").is_dir()


def test_ddl_files_split_into_statements() -> None:
    found = statements(DDL_DIR)
    assert found[0] == "CREATE DATABASE IF NOT EXISTS qrstream"
    assert not any(s.rstrip().endswith(";") or "--" in s for s in found)
    assert sum(s.startswith("CREATE TABLE") for s in found) == len(TABLES)


@pytest.mark.native
def test_rows_of_every_topic_fit_their_tables(ch: ClickHouseClient) -> None:
    ch.insert(ALERTS_TABLE, [alert_row(alert(1).model_dump_json().encode(), None, T0)])
    ch.insert(SCORES_TABLE, score_rows([score(1)]))
    ch.insert(
        QUARANTINE_TABLE, [quarantine_row(quarantine(1).model_dump_json().encode(), None, T0)]
    )
    ch.insert(
        INVENTORY_TABLE, [inventory_row(inventory_value(inventory("db.example", 2)), None, T0)]
    )
    result = ch.query(
        "SELECT event_id, toUnixTimestamp64Micro(verified_ts) AS verified_us, verified_ts "
        "FROM qrstream.scores"
    )
    assert result.dicts() == [
        {
            "event_id": score(1).event_id,
            "verified_us": T0 + 2000,
            "verified_ts": "2026-01-01 00:00:00.002000",
        }
    ]
    [(headers, kid)] = ch.query("SELECT headers, kid FROM qrstream.quarantine").rows
    assert (headers, kid) == ([{"name": "qr-kid", "value_b64": "YmFuay9wMQ=="}], "bank/p1")
    assert ch.query("SELECT host, handshakes, groups FROM qrstream.crypto_inventory").rows == [
        ("db.example", 2, ["X25519MLKEM768"])
    ]
    assert scalar(ch, "SELECT severity FROM qrstream.alerts") == "high"


def test_the_same_batch_inserted_twice_is_stored_once(ch: ClickHouseClient) -> None:
    rows = score_rows([score(i) for i in range(100)])
    ch.insert(SCORES_TABLE, rows)
    ch.insert(SCORES_TABLE, rows)  # a retried insert: dropped by its deduplication token
    assert scalar(ch, "SELECT count() FROM qrstream.scores") == 100


def test_records_delivered_again_in_other_batches_count_once(ch: ClickHouseClient) -> None:
    rows = score_rows([score(i) for i in range(100)])
    ch.insert(SCORES_TABLE, rows[:60])
    ch.insert(SCORES_TABLE, rows[40:])  # re-read after a restart, cut differently
    assert scalar(ch, "SELECT count() FROM qrstream.scores FINAL") == 100
    assert scalar(ch, "SELECT sum(events) FROM qrstream.latency_quantiles") == 4 * 100


def test_an_alert_is_one_row_per_emission_and_its_latest_is_its_final_state(
    ch: ClickHouseClient,
) -> None:
    first, merged = alert(1, count=1), alert(1, count=4)
    for record in (first, merged, first):
        ch.insert(ALERTS_TABLE, [alert_row(record.model_dump_json().encode(), None, T0 + 9000)])
    assert scalar(ch, "SELECT count() FROM qrstream.alerts FINAL") == 2
    assert ch.query("SELECT alert_id, count FROM qrstream.alerts_latest").rows == [
        (first.alert_id, 4)
    ]


def test_latency_quantiles_per_stage(ch: ClickHouseClient) -> None:
    # Event i reached ingest after (i + 1) ms, then 0.5 ms to verify, 0.25 ms each to score
    # and to emit.
    ingest_ms = [float(i + 1) for i in range(1000)]
    stages = {
        "ingest": ingest_ms,
        "verified": [v + 0.5 for v in ingest_ms],
        "scored": [v + 0.75 for v in ingest_ms],
        "emitted": [v + 1.0 for v in ingest_ms],
    }
    records = [
        score(i, stage_us=(n * 1000, n * 1000 + 500, n * 1000 + 750, n * 1000 + 1000))
        for i, n in enumerate(range(1, 1001))
    ]
    ch.insert(SCORES_TABLE, score_rows(records))
    # Alerts: only first emissions (count = 1) measure the detection latency.
    alert_ms = [10.0 * (i + 1) for i in range(10)]
    for i, ms in enumerate(alert_ms):
        row = alert_row(alert(i).model_dump_json().encode(), None, T0 + int(ms * 1000))
        ch.insert(ALERTS_TABLE, [row])
    late = alert_row(alert(0, count=7).model_dump_json().encode(), None, T0 + 60_000_000)
    ch.insert(ALERTS_TABLE, [late])
    stages["alert"] = alert_ms

    got = {
        row["stage"]: row for row in ch.query("SELECT * FROM qrstream.latency_quantiles").dicts()
    }
    assert set(got) == set(stages)
    for stage, values in stages.items():
        row = got[stage]
        assert row["events"] == len(values)
        assert row["max_ms"] == pytest.approx(max(values))
        for column, p in (("p50_ms", 0.5), ("p90_ms", 0.9), ("p99_ms", 0.99), ("p999_ms", 0.999)):
            assert row[column] == pytest.approx(quantile(values, p)), (stage, column)
    assert got["ingest"]["p50_ms"] == pytest.approx(500.5)
    assert got["ingest"]["p999_ms"] == pytest.approx(999.001)

    per_minute = ch.query(
        "SELECT minute, events, p99_ms FROM qrstream.latency_quantiles_per_minute "
        "WHERE stage = 'emitted'"
    ).rows
    assert per_minute == [
        ("2026-01-01 00:00:00", 1000, pytest.approx(quantile(stages["emitted"], 0.99)))
    ]


def test_throughput_per_second_by_stream(ch: ClickHouseClient) -> None:
    second = 1_000_000
    records = [score(i, stage_us=(1, 2, 3, 10 + i)) for i in range(3)]
    records += [score(10 + i, kind="quantum", stage_us=(1, 2, 3, second + i)) for i in range(2)]
    ch.insert(SCORES_TABLE, score_rows(records))
    ch.insert(ALERTS_TABLE, [alert_row(alert(1).model_dump_json().encode(), None, T0 + second)])
    ch.insert(
        QUARANTINE_TABLE,
        [quarantine_row(quarantine(i).model_dump_json().encode(), None, 0) for i in range(4)],
    )
    result = ch.query(
        "SELECT toUnixTimestamp(second) - {t0:Int64} AS s, stream, records "
        "FROM qrstream.throughput_per_second ORDER BY s, stream",
        {"t0": T0 // 1_000_000},
    )
    assert result.rows == [(0, "aml", 3), (0, "quarantine", 4), (1, "alerts", 1), (1, "quantum", 2)]


def test_query_results_keep_64_bit_integers_as_numbers(ch: ClickHouseClient) -> None:
    result = ch.query("SELECT toUInt64(18446744073709551615) AS big, {s:String} AS s", {"s": "é"})
    assert result.rows == [(2**64 - 1, "é")]
    assert result.types == ("UInt64", "String")
    assert ch_time(T0) == "1767225600.000000"


def test_one_process_may_open_its_data_directory_twice(tmp_path: Path) -> None:
    with ChdbClient(tmp_path) as first, ChdbClient(tmp_path) as second:
        assert lock_holder(tmp_path) == os.getpid()
        assert first.query("SELECT 1 AS one").rows == second.query("SELECT 1 AS one").rows
    assert lock_holder(tmp_path) is None


@pytest.mark.slow
def test_a_second_process_gets_one_line_naming_the_holder(tmp_path: Path) -> None:
    data = tmp_path / "var" / "clickhouse"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from streams.sinks.embedded import ChdbClient; "
            "c = ChdbClient(Path(sys.argv[1])); print('open', flush=True); sys.stdin.read()",
            str(data),
        ],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline() == b"open\n"
        with pytest.raises(ClickHouseLocked) as caught:
            ChdbClient(data)
        assert caught.value.pid == holder.pid
        assert "\n" not in str(caught.value)
        sink = subprocess.run(
            [sys.executable, "-m", "streams", "sink"],
            cwd=REPO_ROOT,
            env={**os.environ, "QR_VAR_DIR": str(tmp_path / "var")},
            capture_output=True,
            timeout=120,
        )
        assert sink.returncode == 1
        assert sink.stderr.decode().splitlines() == [f"Error: {caught.value}"]
    finally:
        holder.stdin.close()
        holder.wait(30)
        holder.stdout.close()
