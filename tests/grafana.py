"""The Grafana dashboards of deploy/grafana as data: their panels and queries by data source,
shared by the dashboard tests (chDB) and the Prometheus tests (promtool, a live server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CLICKHOUSE",
    "DASHBOARDS",
    "PROMETHEUS",
    "Query",
    "dashboard",
    "panels",
    "prometheus_exprs",
    "queries",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = sorted((REPO_ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
CLICKHOUSE = "grafana-clickhouse-datasource"
PROMETHEUS = "prometheus"
# What Grafana substitutes for its own variables before a query reaches Prometheus.
PROMETHEUS_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "6h"}


@dataclass(frozen=True)
class Query:
    dashboard: str
    where: str  # panel title and refId, or variable name
    text: str  # SQL or PromQL as stored

    @property
    def id(self) -> str:
        return f"{self.dashboard}:{self.where}"


def dashboard(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text())
    return board


def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside rows included."""
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def queries(source_type: str, *, variables: bool = False) -> list[Query]:
    """The panel targets (or with `variables`, the template variables) on one data source type."""
    found: list[Query] = []
    for path in DASHBOARDS:
        board = dashboard(path)
        if variables:
            for var in board["templating"]["list"]:
                if var.get("datasource", {}).get("type") == source_type:
                    found.append(Query(path.stem, var["name"], var["query"]))
            continue
        for panel in panels(board["panels"]):
            for target in panel.get("targets", []):
                if target["datasource"]["type"] == source_type:
                    text = target["rawSql"] if source_type == CLICKHOUSE else target["expr"]
                    found.append(Query(path.stem, f"{panel['title']}/{target['refId']}", text))
    return found


def prometheus_exprs() -> list[Query]:
    """The dashboards' PromQL with Grafana's own variables replaced, as Prometheus gets it."""
    exprs = []
    for query in queries(PROMETHEUS):
        text = query.text
        for variable, value in PROMETHEUS_VARIABLES.items():
            text = text.replace(variable, value)
        exprs.append(Query(query.dashboard, query.where, text))
    return exprs
