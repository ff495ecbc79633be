"""The ClickHouse client that the sink, `qrstream report` and `qrstream eval` share: SQL in,
JSON out, with one implementation per backend (embedded chDB, a server over HTTP).

Both backends exchange the same text formats with the engine (JSONEachRow in, JSONCompact out),
so a row or a query result looks the same whichever backend is configured.
"""

from __future__ import annotations

import abc
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson

from streams.sinks.errors import ClickHouseError, ClickHouseUnavailable

__all__ = ["TRANSIENT_CODES", "ClickHouseClient", "QueryResult", "classify_error", "dedup_token"]

# ClickHouse error codes after which the same request may succeed later: the server is
# overloaded, short of memory or disk, or the network failed. Anything else (syntax, types,
# unknown tables) would fail again.
TRANSIENT_CODES = frozenset(
    {
        159,  # TIMEOUT_EXCEEDED
        164,  # READONLY
        202,  # TOO_MANY_SIMULTANEOUS_QUERIES
        203,  # NO_FREE_CONNECTION
        209,  # SOCKET_TIMEOUT
        210,  # NETWORK_ERROR
        241,  # MEMORY_LIMIT_EXCEEDED
        242,  # TABLE_IS_READ_ONLY
        243,  # NOT_ENOUGH_SPACE
        252,  # TOO_MANY_PARTS
        279,  # ALL_CONNECTION_TRIES_FAILED
        285,  # TOO_FEW_LIVE_REPLICAS
        319,  # UNKNOWN_STATUS_OF_INSERT
        425,  # SYSTEM_ERROR
        999,  # KEEPER_EXCEPTION
    }
)

_CODE = re.compile(r"\bCode:\s*(\d+)")
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def classify_error(message: str, code: int | None = None) -> ClickHouseError:
    """Our exception for a ClickHouse error message: transient or not, on one line."""
    if code is None:
        found = _CODE.search(message)
        code = int(found.group(1)) if found else None
    line = " ".join(message.split())
    # Server messages end with a stack trace or version trailer after the first sentence.
    line = line.split(" Stack trace", 1)[0]
    if code in TRANSIENT_CODES:
        return ClickHouseUnavailable(line, code)
    return ClickHouseError(line, code)


def dedup_token(table: str, data: bytes) -> str:
    """The insert_deduplication_token of an insert: a hash of what it writes, so a retried or
    re-delivered identical insert is dropped, while different data never shares a token (as
    offsets would after a topic is recreated)."""
    return f"{table}:{hashlib.blake2b(data, digest_size=16).hexdigest()}"


def _checked_table(table: str) -> str:
    if not _TABLE.fullmatch(table):
        raise ValueError(f"not a table name: {table!r}")
    return table


@dataclass(frozen=True)
class QueryResult:
    """Columns and rows of a query, values as ClickHouse's JSON gives them: numbers (64-bit
    integers too), strings, lists, objects for named tuples, null; times and UUIDs as text
    such as '2026-01-01 00:00:00.123456' (UTC)."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    @classmethod
    def from_json_compact(cls, raw: bytes) -> QueryResult:
        if not raw.strip():  # statements without a result set
            return cls((), (), [])
        doc = orjson.loads(raw)
        meta = doc["meta"]
        return cls(
            tuple(c["name"] for c in meta),
            tuple(c["type"] for c in meta),
            [tuple(row) for row in doc["data"]],
        )

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class ClickHouseClient(abc.ABC):
    """One connection to ClickHouse. Errors are `ClickHouseUnavailable` when retrying may
    help, else `ClickHouseError`."""

    description: str
    """Where the data is, for logs and errors (never a password)."""

    @abc.abstractmethod
    def command(self, sql: str) -> None:
        """Runs one statement without a result (DDL)."""

    @abc.abstractmethod
    def query_json(self, sql: str, params: Mapping[str, Any] | None = None) -> bytes:
        """The result of one query in JSONCompact format; `params` fill `{name:Type}`
        placeholders."""

    @abc.abstractmethod
    def _insert(self, table: str, data: bytes, token: str) -> None:
        """Inserts JSONEachRow `data` with the insert_deduplication_token `token`."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        return QueryResult.from_json_compact(self.query_json(sql, params))

    def insert_json(self, table: str, data: bytes) -> None:
        """Inserts rows already encoded as JSONEachRow lines. Inserting the same bytes again
        into a table with a deduplication window (all of ours) adds nothing."""
        if data:
            self._insert(_checked_table(table), data, dedup_token(table, data))

    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Inserts rows given as {column: value}, values as ClickHouse's JSON input takes them
        (times as 'seconds.micros' or 'YYYY-MM-DD hh:mm:ss.ffffff' text); returns how many."""
        lines = [orjson.dumps(row) for row in rows]
        self.insert_json(table, b"\n".join(lines))
        return len(lines)

    def __enter__(self) -> ClickHouseClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
