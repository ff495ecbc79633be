"""A token bucket: each process sends at its share of the target rate, in batches, without
drifting (time spent signing or producing counts against the budget, not on top of it)."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["TokenBucket"]


class TokenBucket:
    """Tokens accrue at `rate` per second up to `burst`; `take(n)` waits until n are there.

    A take larger than what is left runs the bucket into debt and sleeps it off, so batches of
    any size keep the long-run rate exact.

    Examples
    --------
    >>> now = [0.0]
    >>> bucket = TokenBucket(100.0, burst=10.0, clock=lambda: now[0],
    ...                      sleep=lambda s: now.__setitem__(0, now[0] + s))
    >>> for _ in range(30):
    ...     bucket.take(10)
    >>> round(now[0], 2)  # 300 tokens at 100/s, the first 10 from the full bucket
    2.9
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # A twentieth of a second of traffic by default: smooth, yet batches still fit.
        self.burst = max(1.0, rate / 20) if burst is None else burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last = clock()

    def take(self, count: int) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= count
        if self._tokens < 0:
            self._sleep(-self._tokens / self.rate)
