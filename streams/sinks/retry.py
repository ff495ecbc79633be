"""Retrying a ClickHouse call that failed transiently, with exponential backoff, until a time
budget is spent. Waits are on an event, so stopping the process cuts them short."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from streams.sinks import metrics
from streams.sinks.errors import ClickHouseUnavailable, SinkError

__all__ = ["RetryPolicy", "retrying"]

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


def retrying(
    call: Callable[[], T],
    policy: RetryPolicy,
    abort: threading.Event,
    what: str,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """`call()`, retried while it raises ClickHouseUnavailable. Raises SinkError once the next
    retry would start after the budget, or when `abort` is set while waiting; any other error
    propagates at once."""
    deadline: float | None = None
    attempt = 0
    while True:
        try:
            return call()
        except ClickHouseUnavailable as err:
            attempt += 1
            now = clock()
            if deadline is None:
                deadline = now + policy.budget_s
            delay = policy.delay(attempt)
            if now + delay > deadline:
                raise SinkError(
                    f"{what}: ClickHouse unavailable, gave up after {attempt} attempts "
                    f"(retry budget {policy.budget_s:g} s): {err}"
                ) from err
            metrics.RETRIES.inc()
            logger.warning(
                "%s failed (%s); retry %d in %.1f s",
                what,
                err,
                attempt,
                delay,
                extra={"attempt": attempt, "delay_s": delay, "code": err.code},
            )
            if abort.wait(delay):
                raise SinkError(f"{what}: stopped while ClickHouse was unavailable: {err}") from err
