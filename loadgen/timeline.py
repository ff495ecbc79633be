"""Simulated time: the background traffic is cut into blocks of a fixed number of events, and
each block spans as much event time as the population fills at that hour of the day (busy
afternoons, quiet nights).

Event time runs much faster than the wall clock (a day of the bank's traffic takes a few tens
of thousands of records), so that the AML windows of an hour, a day and a week fill up within
a short run. It is a pure function of the start time and the population, never of how fast
the records are sent, so a seed gives the same events at any rate.
"""

from __future__ import annotations

from bisect import bisect_right

__all__ = ["DAY_US", "HOUR_US", "Timeline"]

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
# Relative activity by hour of the day (UTC, a European customer base), mean 1.
_PROFILE = (0.25, 0.2, 0.18, 0.18, 0.22, 0.35, 0.6, 0.95, 1.3, 1.5, 1.55, 1.55, 1.6, 1.55,
            1.5, 1.45, 1.45, 1.4, 1.3, 1.15, 0.95, 0.75, 0.55, 0.35)  # fmt: skip
DIURNAL = tuple(x * len(_PROFILE) / sum(_PROFILE) for x in _PROFILE)


class Timeline:
    """Start times of the blocks of background events.

    Parameters
    ----------
    start_us
        Event time of the first block.
    events_per_day
        Background events the population makes in an average day.
    block_size
        Background events per block.

    Examples
    --------
    >>> t = Timeline(0, events_per_day=86_400, block_size=3_600)
    >>> [round(t.start(b) / HOUR_US, 2) for b in range(3)]
    [0.0, 3.81, 9.09]
    >>> t.block_of(5 * HOUR_US)
    1
    """

    def __init__(self, start_us: int, events_per_day: float, block_size: int) -> None:
        if events_per_day <= 0 or block_size < 1:
            raise ValueError("events_per_day and block_size must be positive")
        self.block_size = block_size
        self._us_per_event = DAY_US / events_per_day
        self._starts = [start_us]

    def _extend(self) -> None:
        start = self._starts[-1]
        intensity = DIURNAL[start // HOUR_US % 24]
        self._starts.append(start + round(self.block_size * self._us_per_event / intensity))

    def start(self, block: int) -> int:
        while len(self._starts) <= block:
            self._extend()
        return self._starts[block]

    def end(self, block: int) -> int:
        return self.start(block + 1)

    def block_of(self, ts_us: int) -> int:
        """The block whose span holds `ts_us` (block 0 for earlier times)."""
        while self._starts[-1] <= ts_us:
            self._extend()
        return max(0, bisect_right(self._starts, ts_us) - 1)

    def time_of(self, index: int) -> int:
        """Event time of the background event with this index."""
        block, within = divmod(index, self.block_size)
        start = self.start(block)
        return start + (self.end(block) - start) * within // self.block_size
