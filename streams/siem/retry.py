"""Delivering a batch to a destination that is down: the batch is sent again with exponential
backoff until the retry budget is spent (see streams/retry.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from streams import retry
from streams.retry import Outage, RetryPolicy
from streams.siem import metrics
from streams.siem.errors import DestinationUnavailable, ForwarderError

__all__ = ["RetryPolicy", "deliver_with_retries"]

DESTINATION_DOWN = Outage(
    DestinationUnavailable,
    ForwarderError,
    "destination down",
    "the destination was down",
    metrics.RETRIES,
)


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
    retry.retrying(send, policy, abort, what, DESTINATION_DOWN, clock)
