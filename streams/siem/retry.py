"""Delivering a batch to a destination that is down: the batch is sent again with exponential
backoff (the sink's `RetryPolicy`) until the retry budget is spent, and waits are on an event so
that stopping the process cuts them short."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from streams.siem import metrics
from streams.siem.errors import DestinationUnavailable, ForwarderError
from streams.sinks.retry import RetryPolicy

__all__ = ["RetryPolicy", "deliver_with_retries"]

logger = logging.getLogger(__name__)


def deliver_with_retries(
    send: Callable[[], None],
    policy: RetryPolicy,
    abort: threading.Event,
    what: str,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """`send()`, repeated while it raises DestinationUnavailable. Raises ForwarderError once
    the next attempt would start after the budget, or when `abort` is set while waiting;
    DestinationError (permanent) propagates at once."""
    deadline: float | None = None
    attempt = 0
    while True:
        try:
            send()
            return
        except DestinationUnavailable as err:
            attempt += 1
            now = clock()
            if deadline is None:
                deadline = now + policy.budget_s
            delay = policy.delay(attempt)
            if now + delay > deadline:
                raise ForwarderError(
                    f"{what}: destination down, gave up after {attempt} attempts "
                    f"(retry budget {policy.budget_s:g} s): {err}"
                ) from err
            metrics.RETRIES.inc()
            logger.warning(
                "%s failed (%s); retry %d in %.1f s",
                what,
                err,
                attempt,
                delay,
                extra={"attempt": attempt, "delay_s": delay},
            )
            if abort.wait(delay):
                raise ForwarderError(
                    f"{what}: stopped while the destination was down: {err}"
                ) from err
