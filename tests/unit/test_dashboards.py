"""Every ClickHouse query of the Grafana dashboards (deploy/grafana/dashboards), panels and
template variables alike, runs on chDB against the real schema with demo data mapped by the
sink's own row mappers, and returns rows: no broken panel. Grafana's macros and variables are
expanded the way the grafana-clickhouse-datasource plugin expands them (pkg/macros/macros.go)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from pydantic import BaseModel

from models.quantum.inventory import HostInventory
from models.quantum.posture import classify
from streams.settings import Settings
from streams.sinks import ClickHouseClient, connect
from streams.sinks.rows import (
    ALERTS_TABLE,
    INVENTORY_TABLE,
    QUARANTINE_TABLE,
    SCORES_TABLE,
    alert_row,
    inventory_row,
    quarantine_row,
    score_row,
)
from tests.grafana import CLICKHOUSE, DASHBOARDS, Query, dashboard, panels, queries
from tests.sink_records import T0, alert, inventory, inventory_value, quarantine, score
from topics.messages.telemetry import TelemetryEvent

M = TypeVar("M", bound=BaseModel)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASOURCES_DIR = REPO_ROOT / "deploy" / "grafana" / "provisioning" / "datasources"

# The dashboard time range and interval the queries are expanded with: a day either side of the
# demo data.
FROM_S = T0 // 1_000_000 - 86_400
TO_S = T0 // 1_000_000 + 86_400
INTERVAL_S = 60


def _to_datetime(s: int) -> str:
    return f"toDateTime({s})"


def _to_datetime64(s: int) -> str:
    return f"fromUnixTimestamp64Milli({s * 1000})"


MACROS: dict[str, Callable[[list[str]], str]] = {
    "fromTime": lambda _: _to_datetime(FROM_S),
    "toTime": lambda _: _to_datetime(TO_S),
    "fromTime_ms": lambda _: _to_datetime64(FROM_S),
    "toTime_ms": lambda _: _to_datetime64(TO_S),
    "timeFilter": lambda a: f"{a[0]} >= {_to_datetime(FROM_S)} AND {a[0]} <= {_to_datetime(TO_S)}",
    "timeFilter_ms": lambda a: (
        f"{a[0]} >= {_to_datetime64(FROM_S)} AND {a[0]} <= {_to_datetime64(TO_S)}"
    ),
    "timeInterval": lambda a: (
        f"toStartOfInterval(toDateTime({a[0]}), INTERVAL {INTERVAL_S} second)"
    ),
    "interval_s": lambda _: str(INTERVAL_S),
}
# Longest names first, so $__timeFilter_ms is not read as $__timeFilter followed by "_ms".
MACRO = re.compile(
    r"\$__(" + "|".join(sorted(MACROS, key=len, reverse=True)) + r")\b(?:\(([^()]*)\))?"
)
VARIABLE = re.compile(r"\$\{(\w+):singlequote\}")


def expand(sql: str, variables: dict[str, list[str]]) -> str:
    """The SQL the plugin sends: macros replaced, multi-value variables (all values selected)
    as quoted lists."""

    def macro(m: re.Match[str]) -> str:
        args = [a.strip() for a in m.group(2).split(",")] if m.group(2) else []
        return MACROS[m.group(1)](args)

    def variable(m: re.Match[str]) -> str:
        values = variables[m.group(1)]
        return ",".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values)

    expanded = VARIABLE.sub(variable, MACRO.sub(macro, sql))
    assert "$" not in expanded, f"a macro or variable this test cannot expand: {expanded}"
    return expanded


def _classical_host(host: str, handshakes: int) -> HostInventory:
    """A host that keeps negotiating x25519: quantum-vulnerable key exchange."""
    inv = HostInventory(host)
    for n in range(handshakes):
        inv.update(
            classify(
                TelemetryEvent(
                    event_id=f"00000000-0000-4000-8000-{n:012d}",
                    ts_us=T0 + n,
                    sensor="zeek-test",
                    orig_h="10.0.0.1",
                    orig_p=50000,
                    resp_h="10.0.0.3",
                    resp_p=443,
                    server_name=host,
                    version="TLSv12",
                    cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                    group="x25519",
                    established=True,
                )
            )
        )
    return inv


def changed(message: M, **fields: Any) -> M:
    """A copy of `message` with other field values, validated like the message itself."""
    return type(message).model_validate({**message.model_dump(), **fields})


def insert_demo_data(ch: ClickHouseClient) -> None:
    minute = 60_000_000
    entities = [("aml", f"ACCT{i % 5:06d}") for i in range(30)] + [
        ("quantum", f"host-{i % 3}.example") for i in range(10)
    ]
    scores = []
    for i, (kind, entity) in enumerate(entities):
        stages = (500 + 10 * i, 1000 + 10 * i, 2000 + 10 * i, 3000 + 10 * i)
        record = score(i, stages, kind, entity, T0 + i * minute // 4)
        scores.append(changed(record, score=i % 10 / 10))
    ch.insert(SCORES_TABLE, [score_row(s.model_dump_json().encode(), None, 0) for s in scores])
    aml_alerts = [
        ("aml", typology, severity, f"ACCT{i % 4:06d}")
        for i, (typology, severity) in enumerate(
            [("fan_in", "high"), ("structuring", "medium"), ("rapid_movement", "critical")] * 3
        )
    ]
    other_alerts = [
        ("quantum", "pq_downgrade", "high", "legacy.example"),
        ("quantum", "hndl_exposure", "medium", "legacy.example"),
        ("integrity", "integrity_bad_signature", "critical", "bank/p2"),
        ("integrity", "integrity_replay", "high", "bank/p1"),
    ]
    alerts = [
        changed(
            alert(i, count=1 + i % 2, entity=entity, producer_ts_us=T0 + i * minute),
            kind=kind,
            typology=typology,
            severity=severity,
            score=0.5 + i / 40,
        )
        for i, (kind, typology, severity, entity) in enumerate(aml_alerts + other_alerts)
    ]
    ch.insert(ALERTS_TABLE, [alert_row(a.model_dump_json().encode(), None, T0) for a in alerts])
    rejects = [
        changed(quarantine(i), reason=reason, kid=kid)
        for i, (reason, kid) in enumerate(
            [("bad_signature", "bank/p2")] * 4
            + [("bad_signature", None), ("replay", "bank/p1"), ("unknown_key", "rogue/1")]
            + [("stale", "bank/p1"), ("missing_header", None)]
        )
    ]
    ch.insert(
        QUARANTINE_TABLE, [quarantine_row(r.model_dump_json().encode(), None, T0) for r in rejects]
    )
    hosts = [
        inventory("pq.example", 3),
        inventory("db.example", 1),
        _classical_host("legacy.example", 4),
    ]
    ch.insert(INVENTORY_TABLE, [inventory_row(inventory_value(h), None, T0) for h in hosts])


@pytest.fixture(scope="module")
def ch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseClient]:
    client = connect(Settings(var_dir=tmp_path_factory.mktemp("dashboards") / "var"))
    try:
        insert_demo_data(client)
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def variables(ch: ClickHouseClient) -> dict[str, list[str]]:
    """Each template variable with all its values selected, as the dashboards open."""
    return {
        q.where: [str(v) for (v,) in ch.query(expand(q.text, {})).rows]
        for q in queries(CLICKHOUSE, variables=True)
    }


def test_there_are_dashboards_with_clickhouse_queries() -> None:
    names = {p.stem for p in DASHBOARDS}
    assert names >= {"pipeline-health", "aml", "quantum-readiness", "integrity"}
    assert len(queries(CLICKHOUSE)) >= 20


def test_dashboards_use_the_provisioned_data_sources() -> None:
    provisioned = {
        (source["type"], source["uid"])
        for path in DATASOURCES_DIR.glob("*.yml")
        for source in yaml.safe_load(path.read_text())["datasources"]
    }
    uids = []
    for path in DASHBOARDS:
        board = dashboard(path)
        uids.append(board["uid"])
        items = [*panels(board["panels"]), *board["templating"]["list"]]
        targets = [t for panel in items for t in panel.get("targets", [])]
        for item in items + targets:
            if "datasource" in item:
                source = item["datasource"]
                assert (source["type"], source["uid"]) in provisioned, f"{path.name}: {item}"
    assert len(set(uids)) == len(uids)


def test_clickhouse_targets_are_sql_in_the_plugins_format() -> None:
    """The plugin's SQL editor: a table (format 1) or a time series (format 0, with `time`)."""
    for path in DASHBOARDS:
        for panel in panels(dashboard(path)["panels"]):
            for target in panel.get("targets", []):
                if target["datasource"]["type"] == CLICKHOUSE:
                    query_type = target["queryType"]
                    kind = (target["editorType"], query_type, target["format"])
                    assert kind in {("sql", "table", 1), ("sql", "timeSeries", 0)}, panel["title"]
                    if query_type == "timeSeries":
                        assert " AS time" in target["rawSql"].split("FROM")[0], panel["title"]


@pytest.mark.parametrize("query", queries(CLICKHOUSE, variables=True), ids=lambda q: q.id)
def test_template_variable_queries_return_values(
    query: Query, variables: dict[str, list[str]]
) -> None:
    assert variables[query.where], f"{query.id}: no values"


@pytest.mark.parametrize("query", queries(CLICKHOUSE), ids=lambda q: q.id)
def test_panel_query_runs_and_returns_rows(
    query: Query, ch: ClickHouseClient, variables: dict[str, list[str]]
) -> None:
    sql = expand(query.text, variables)
    assert ch.query(sql).rows, f"{query.id}: no rows from\n{sql}"
