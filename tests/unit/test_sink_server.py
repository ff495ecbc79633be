"""The server backend (QR_CLICKHOUSE_URL). No ClickHouse server runs here, so the adapter's own
calls (DDL, JSONCompact queries with parameters, JSONEachRow inserts with a deduplication token)
run through clickhouse-connect's in-process chDB interface, the same client API over another
transport; the HTTP transport itself is only checked for its failure: a refused connection."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import clickhouse_connect
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError

from streams.settings import Settings
from streams.sinks.clickhouse import connect
from streams.sinks.client import classify_error
from streams.sinks.ddl import apply_schema
from streams.sinks.errors import ClickHouseError, ClickHouseUnavailable
from streams.sinks.rows import SCORES_TABLE, score_row
from streams.sinks.server import ServerClient, _mapped, redact_url
from tests.sink_records import score


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerClient]:
    client = ServerClient(
        clickhouse_connect.get_client(interface="chdb", path=str(tmp_path / "ch")),
        "clickhouse-connect over chDB",
    )
    apply_schema(client)
    yield client
    client.close()


def test_the_server_adapter_deduplicates_a_repeated_insert(server: ServerClient) -> None:
    rows = [score_row(score(i).model_dump_json().encode(), None, 0) for i in range(50)]
    server.insert(SCORES_TABLE, rows)
    server.insert(SCORES_TABLE, rows)
    result = server.query(
        "SELECT count() AS n, max(toUnixTimestamp64Micro(emitted_ts)) AS last, {k:String} AS k "
        "FROM qrstream.scores",
        {"k": "aml"},
    )
    assert result.dicts() == [{"n": 50, "last": score(0).emitted_ts_us, "k": "aml"}]


def test_both_backends_give_the_same_query_results(server: ServerClient, tmp_path: Path) -> None:
    sql = "SELECT toDateTime64('2026-01-01 00:00:00.5', 6, 'UTC') AS t, toUInt64(7) AS n, [1] AS a"
    expected = server.query(sql)
    server.close()
    with connect(Settings(var_dir=tmp_path / "var")) as embedded:
        assert embedded.query(sql) == expected
    assert expected.rows == [("2026-01-01 00:00:00.500000", 7, [1])]


def test_a_refused_connection_is_transient_and_hides_the_password() -> None:
    url = f"http://sink:s3cret@127.0.0.1:{closed_port()}"
    with pytest.raises(ClickHouseUnavailable) as caught:
        ServerClient.from_url(url)
    message = str(caught.value)
    assert "s3cret" not in message and "\n" not in message
    assert message.startswith(f"ClickHouse at {redact_url(url)}: ")


def test_server_errors_are_transient_by_their_code() -> None:
    assert isinstance(
        _mapped(OperationalError("Connection reset by peer"), "ch"), ClickHouseUnavailable
    )
    too_many_parts = DatabaseError("Code: 252. DB::Exception: Too many parts (300)", code=252)
    assert isinstance(_mapped(too_many_parts, "ch"), ClickHouseUnavailable)
    syntax = _mapped(DatabaseError("Code: 62. DB::Exception: Syntax error", code=62), "ch")
    assert type(syntax) is ClickHouseError and syntax.code == 62


def test_error_messages_become_one_line_without_the_stack_trace() -> None:
    error = classify_error("Code: 241. DB::Exception: Memory limit\n exceeded. Stack trace:\n0. x")
    assert isinstance(error, ClickHouseUnavailable)
    assert str(error) == "Code: 241. DB::Exception: Memory limit exceeded."


def test_redact_url() -> None:
    assert redact_url("https://u:p@ch.example:8443/db") == "https://u:***@ch.example:8443/db"
    assert redact_url("http://ch.example") == "http://ch.example"
