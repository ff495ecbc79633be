"""Sinks: the ClickHouse sink (`qrstream sink`) and the client that reads its tables back."""

from __future__ import annotations

from streams.sinks.clickhouse import connect
from streams.sinks.client import ClickHouseClient, QueryResult
from streams.sinks.errors import ClickHouseError, ClickHouseLocked, ClickHouseUnavailable, SinkError
from streams.sinks.sink import run_sink

__all__ = [
    "ClickHouseClient",
    "ClickHouseError",
    "ClickHouseLocked",
    "ClickHouseUnavailable",
    "QueryResult",
    "SinkError",
    "connect",
    "run_sink",
]
