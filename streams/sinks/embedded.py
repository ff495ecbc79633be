"""The embedded backend: chDB, the ClickHouse engine inside this process, with its data in a
directory (QR_VAR_DIR/clickhouse by default).

Exactly one process may open that directory: the engine holds an exclusive flock on its
`status` file, which also names the holder's pid. We test that lock before opening, so a second
process gets one clear line instead of the engine's error on stderr. One process may open only
one directory at a time (a chDB limit).
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streams.sinks.client import ClickHouseClient, classify_error
from streams.sinks.errors import ClickHouseError, ClickHouseLocked

if TYPE_CHECKING:
    from chdb.state.sqlitelike import Connection

__all__ = ["ChdbClient", "lock_holder"]

# Session settings of our connection: JSONCompact gives 64-bit integers as numbers, as the
# server backend asks for per query.
_CONNECTION_SETTINGS = "output_format_json_quote_64bit_integers=0"
_PID = re.compile(rb"^PID:\s*(\d+)", re.MULTILINE)


def lock_holder(path: Path) -> int | None:
    """The pid of the process whose engine has the data directory `path` open (0 if its
    status file names none), or None when no process has."""
    try:
        fd = os.open(path / "status", os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            found = _PID.search(os.read(fd, 4096))
            return int(found.group(1)) if found else 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _check_unlocked(path: Path) -> None:
    holder = lock_holder(path)
    # Our own engine on this directory holds the lock too; chDB lets it open more connections.
    if holder is not None and holder != os.getpid():
        raise ClickHouseLocked(path, holder)


def _connect(target: str) -> Connection:
    try:
        from chdb.state import connect
    except ImportError as err:
        raise ImportError("the embedded ClickHouse needs chDB: pip install 'chdb>=4.4,<5'") from err
    return connect(target)


class ChdbClient(ClickHouseClient):
    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        _check_unlocked(path)
        self.path = path
        self.description = f"chDB in {path}"
        try:
            self._conn = _connect(f"{path.resolve()}?{_CONNECTION_SETTINGS}")
        except RuntimeError as err:
            _check_unlocked(path)  # another process opened it since we looked
            reason = classify_error(str(err))
            raise ClickHouseError(f"cannot open chDB in {path}: {reason}") from err

    def command(self, sql: str) -> None:
        try:
            self._conn.query(sql, "TSV")
        except RuntimeError as err:
            raise classify_error(str(err)) from err

    def query_json(self, sql: str, params: Mapping[str, Any] | None = None) -> bytes:
        try:
            result = self._conn.query(sql, "JSONCompact", params=dict(params or {}))
        except RuntimeError as err:
            raise classify_error(str(err)) from err
        data: bytes = result.bytes()
        return data

    def _insert(self, table: str, data: bytes, token: str) -> None:
        try:
            with self._conn.send_insert(
                f"INSERT INTO {table} SETTINGS insert_deduplication_token = '{token}'",
                "JSONEachRow",
            ) as inserter:
                inserter.append(data)
                inserter.finish()
        except RuntimeError as err:
            raise classify_error(str(err)) from err

    def close(self) -> None:
        self._conn.close()
