"""Retrying a call that failed transiently (ClickHouse for the sink, a SIEM destination for
the forwarder), with exponential backoff, until a time budget is spent. Waits are on an event,
so stopping the process cuts them short."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import Counter

from streams.errors import StreamsError

__all__ = ["Outage", "RetryPolicy", "retrying"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    budget_s: float
    """How long after the first failure a call is still retried."""
    first_delay_s: float = 0.5
    max_delay_s: float = 10.0

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1, 2, ...)."""
        return float(min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Outage:
    """What to retry on and how to say it failed for good."""

    transient: type[Exception]
    give_up: type[StreamsError]
    down: str  # e.g. "ClickHouse unavailable"
    while_down: str  # e.g. "ClickHouse was unavailable"
    retries: Counter


def retrying(
    call: Callable[[], T],
    policy: RetryPolicy,
    abort: threading.Event,
    what: str,
    outage: Outage,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """`call()`, retried while it raises `outage.transient`. Raises `outage.give_up` once the
    next retry would start after the budget, or when `abort` is set while waiting; any other
    error propagates at once."""
    deadline: float | None = None
    attempt = 0
    while True:
        try:
            return call()
        except outage.transient as err:
            attempt += 1
            now = clock()
            if deadline is None:
                deadline = now + policy.budget_s
            delay = policy.delay(attempt)
            if now + delay > deadline:
                raise outage.give_up(
                    f"{what}: {outage.down}, gave up after {attempt} attempts "
                    f"(retry budget {policy.budget_s:g} s): {err}"
                ) from err
            outage.retries.inc()
            logger.warning(
                "%s failed (%s); retry %d in %.1f s",
                what,
                err,
                attempt,
                delay,
                extra={"attempt": attempt, "delay_s": delay, "code": getattr(err, "code", None)},
            )
            if abort.wait(delay):
                raise outage.give_up(f"{what}: stopped while {outage.while_down}: {err}") from err
