"""Exceptions of the ClickHouse sink and its clients. Each message is one line, so that
`qrstream` can print it as is."""

from __future__ import annotations

from pathlib import Path

from streams.errors import StreamsError

__all__ = ["ClickHouseError", "ClickHouseLocked", "ClickHouseUnavailable", "SinkError"]


class ClickHouseError(StreamsError):
    """A ClickHouse request failed; `code` is ClickHouse's error code when it sent one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class ClickHouseUnavailable(ClickHouseError):
    """ClickHouse cannot take the request now (unreachable, timed out, too many parts, out of
    memory or disk): the same request may succeed later."""


class ClickHouseLocked(ClickHouseError):
    """The embedded ClickHouse data directory is open in another process: chDB lets exactly
    one process open it."""

    def __init__(self, path: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid else "another process"
        super().__init__(
            f"the ClickHouse data in {path} is open in {holder} (a running `qrstream sink`?); "
            "only one process may open chDB data: stop that one, or use a ClickHouse server "
            "through QR_CLICKHOUSE_URL"
        )
        self.path = path
        self.pid = pid


class SinkError(StreamsError):
    """The sink stopped before it wrote everything it read. Nothing unwritten was committed to
    Kafka, so a restarted sink reads those records again."""
