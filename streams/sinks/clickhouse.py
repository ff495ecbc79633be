"""Where the data goes and how to read it back: `connect(settings)` opens the configured
ClickHouse (a server when QR_CLICKHOUSE_URL is set, else the embedded chDB in
QR_VAR_DIR/clickhouse) with the schema in place. The sink writes through it; `qrstream report`
and `qrstream eval` read through it:

    with connect(settings) as ch:
        result = ch.query("SELECT stage, p99_ms FROM qrstream.latency_quantiles")
        ch.insert("qrstream.scores", rows)

The embedded data can be open in one process only: stop the sink before reading it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from streams.settings import Settings
from streams.sinks.client import ClickHouseClient
from streams.sinks.ddl import apply_schema
from streams.sinks.embedded import ChdbClient
from streams.sinks.server import ServerClient

__all__ = ["chdb_path", "connect"]

logger = logging.getLogger(__name__)


def chdb_path(settings: Settings) -> Path:
    return settings.var_dir / "clickhouse"


def connect(settings: Settings) -> ClickHouseClient:
    """The configured ClickHouse, its tables and views created if missing."""
    client: ClickHouseClient
    if settings.clickhouse_url is not None:
        client = ServerClient.from_url(settings.clickhouse_url.get_secret_value())
    else:
        client = ChdbClient(chdb_path(settings))
    try:
        count = apply_schema(client)
    except BaseException:
        client.close()
        raise
    logger.info("%s: schema in place (%d statements)", client.description, count)
    return client
