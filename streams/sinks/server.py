"""The server backend: a ClickHouse server or cluster over HTTP(S) through clickhouse-connect,
selected by QR_CLICKHOUSE_URL. A thin adapter: the same SQL and the same JSON formats as the
embedded backend, only the transport differs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from streams.sinks.client import ClickHouseClient, classify_error
from streams.sinks.errors import ClickHouseError, ClickHouseUnavailable

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client

__all__ = ["ServerClient", "redact_url"]

T = TypeVar("T")

# Same JSON output as the embedded backend's connection settings.
_QUERY_SETTINGS = {"output_format_json_quote_64bit_integers": 0}
CONNECT_TIMEOUT_S = 5
# An insert of a full batch can wait on a busy server; longer than this counts as unavailable.
SEND_RECEIVE_TIMEOUT_S = 60


def redact_url(url: str) -> str:
    """The URL without its password, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _mapped(err: Exception, where: str) -> ClickHouseError:
    from clickhouse_connect.driver.exceptions import Error, OperationalError

    code = err.code if isinstance(err, Error) else None
    if isinstance(err, OperationalError) and code is None:
        # Connection refused or reset, timeouts, HTTP errors without a ClickHouse code: the
        # innermost cause says it best ("[Errno 111] Connection refused").
        root: BaseException = err
        while root.__cause__ is not None or root.__context__ is not None:
            root = root.__cause__ or root.__context__  # type: ignore[assignment]
        return ClickHouseUnavailable(f"{where}: {' '.join(str(root).split())}")
    return classify_error(str(err), code)


class ServerClient(ClickHouseClient):
    def __init__(self, client: Client, description: str) -> None:
        self._client = client
        self.description = description

    @classmethod
    def from_url(cls, url: str) -> ServerClient:
        import clickhouse_connect
        from clickhouse_connect.driver.exceptions import Error

        where = f"ClickHouse at {redact_url(url)}"
        # Each failed request is logged once, by our retry; the driver and urllib3 would log
        # every one again, with the request's URL.
        for name in ("clickhouse_connect", "urllib3.connectionpool"):
            logging.getLogger(name).setLevel(logging.ERROR)
        try:
            client = clickhouse_connect.get_client(
                dsn=url,
                connect_timeout=CONNECT_TIMEOUT_S,
                send_receive_timeout=SEND_RECEIVE_TIMEOUT_S,
                # Session ids serialize requests per session; ours are independent.
                autogenerate_session_id=False,
            )
        except Error as err:
            raise _mapped(err, where) from err
        return cls(client, where)

    def _call(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        from clickhouse_connect.driver.exceptions import Error

        try:
            return call(*args, **kwargs)
        except Error as err:
            raise _mapped(err, self.description) from err

    def command(self, sql: str) -> None:
        self._call(self._client.command, sql)

    def query_json(self, sql: str, params: Mapping[str, Any] | None = None) -> bytes:
        return self._call(
            self._client.raw_query,
            sql,
            parameters=dict(params or {}),
            settings=_QUERY_SETTINGS,
            fmt="JSONCompact",
        )

    def _insert(self, table: str, data: bytes, token: str) -> None:
        self._call(
            self._client.raw_insert,
            table,
            insert_block=data,
            settings={"insert_deduplication_token": token},
            fmt="JSONEachRow",
        )

    def close(self) -> None:
        self._client.close()
