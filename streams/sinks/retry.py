"""Retrying a ClickHouse call that failed transiently (see streams/retry.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from streams import retry
from streams.retry import Outage, RetryPolicy
from streams.sinks import metrics
from streams.sinks.errors import ClickHouseUnavailable, SinkError

__all__ = ["RetryPolicy", "retrying"]

T = TypeVar("T")

CLICKHOUSE_DOWN = Outage(
    ClickHouseUnavailable,
    SinkError,
    "ClickHouse unavailable",
    "ClickHouse was unavailable",
    metrics.RETRIES,
)


def retrying(
    call: Callable[[], T],
    policy: RetryPolicy,
    abort: threading.Event,
    what: str,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """`call()`, retried while it raises ClickHouseUnavailable; SinkError once the budget is
    spent or `abort` is set while waiting."""
    return retry.retrying(call, policy, abort, what, CLICKHOUSE_DOWN, clock)
