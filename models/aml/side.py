"""What an account state remembers about one direction (outgoing or incoming), in bounded
space. Plain ints in plain lists: cheap to update, and orjson writes and reads them directly.

- **Windowed counts and sums** (1 h, 24 h, 7 d): a ring of time buckets per window, stored flat
  as ``[bucket, count, cents, ...]``, oldest first, with running totals so the features
  never pass over the buckets. Amounts are integer cents, so totals stay exact however often
  buckets are added and expired. 1 h has 12 buckets of 5 min, 24 h has 24 of 1 h, 7 d has 14 of
  12 h. A window holds the current, partial bucket and the k - 1 before it, so everything it
  counts is younger than the window, and events older than W - W/k may already have left it:
  at most the oldest 5 min of the hour, 1 h of the day, 12 h of the week. Undercounting was
  chosen over overcounting so that a reason such as "within 24 h" is always true. At most 50
  buckets. (An exact list of recent events would be exact, but unbounded for busy accounts or,
  once capped, wrong by an amount nobody can state.)
- **Distinct counterparties**: 30-bit CRC-32 digests of the counterparty account and when each was
  last seen, ascending by time, for the last 7 d, capped at `max_counterparties` (default 32) by
  forgetting the least recently seen. Counts in 24 h and 7 d are exact below the cap and
  saturate at it ("at least 32"). With 32 digests the chance of any collision is about 5e-7,
  and a collision can only lower a count by one. A HyperLogLog would not forget counterparties
  as the window slides, and at this size its error (about 13 % with 64 registers) is larger.
- **Candidate structuring legs**: the newest `max_structuring_legs` (default 16) within 24 h,
  flat as ``[time, cents, cash, ...]``; exact below the cap.
- **Amount history**: Welford's running mean and M2 of ln(1 + EUR) over the whole history.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

__all__ = ["Side"]

DAY = 86_400
WEEK = 7 * DAY
# Times are seconds since 2020-01-01T00:00:00Z, not since 1970: within 34 years of it they stay
# below 2**30, which CPython stores in one digit and orjson reads and writes several times
# faster than larger integers. Earlier or later times still work, only slower.
EPOCH_S = 1_577_836_800
NO_TIME = -(1 << 62)
# Counterparty digests are cut to 30 bits for the same reason; at 32 of them the chance of any
# collision is still about 5e-7.
KEY_MASK = (1 << 30) - 1
# (bucket width in seconds, buckets) of the 1 h, 24 h and 7 d rings.
H_W, H_K = 300, 12
D_W, D_K = 3600, 24
W_W, W_K = 43_200, 14


def _ring_add(ring: list[int], bucket: int, cents: int) -> None:
    if ring:
        last = ring[-3]
        if last == bucket:
            ring[-2] += 1
            ring[-1] += cents
            return
        if last > bucket:
            _ring_insert(ring, bucket, cents)
            return
    ring += (bucket, 1, cents)


def _ring_insert(ring: list[int], bucket: int, cents: int) -> None:
    # A late leg: rare, so a linear walk back from the newest bucket is fine.
    i = len(ring) - 3
    while i >= 0 and ring[i] > bucket:
        i -= 3
    if i >= 0 and ring[i] == bucket:
        ring[i + 1] += 1
        ring[i + 2] += cents
    else:
        ring[i + 3 : i + 3] = (bucket, 1, cents)


def _ring_expire(ring: list[int], cut: int, totals: list[int], at: int) -> None:
    while ring and ring[0] <= cut:
        totals[at] -= ring[1]
        totals[at + 1] -= ring[2]
        del ring[:3]


class Side:
    """One direction of one account: windows, amount history, counterparties and candidate
    structuring legs. `AccountState` drives it; nothing here knows the feature settings."""

    __slots__ = (
        "cp_keys",
        "cp_seen",
        "day",
        "hour",
        "last",
        "legs",
        "m2",
        "mean",
        "n",
        "tot",
        "week",
    )

    def __init__(self) -> None:
        self.hour: list[int] = []
        self.day: list[int] = []
        self.week: list[int] = []
        # Count and cents of the 1 h, 24 h and 7 d rings.
        self.tot: list[int] = [0, 0, 0, 0, 0, 0]
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        # Parallel lists rather than a dict: expiry and counting are a bisect, membership a
        # C-level scan of at most `max_counterparties` ints, and loading builds no dict.
        self.cp_keys: list[int] = []
        self.cp_seen: list[int] = []
        self.legs: list[int] = []
        self.last = NO_TIME

    def expire(self, clock: int) -> None:
        tot = self.tot
        ring = self.hour
        cut = clock // H_W - H_K
        if ring and ring[0] <= cut:
            _ring_expire(ring, cut, tot, 0)
        ring = self.day
        cut = clock // D_W - D_K
        if ring and ring[0] <= cut:
            _ring_expire(ring, cut, tot, 2)
        ring = self.week
        cut = clock // W_W - W_K
        if ring and ring[0] <= cut:
            _ring_expire(ring, cut, tot, 4)
        legs = self.legs
        cut = clock - DAY
        while legs and legs[0] <= cut:
            del legs[:3]
        seen = self.cp_seen
        cut = clock - WEEK
        if seen and seen[0] <= cut:
            i = bisect_right(seen, cut)
            del seen[:i]
            del self.cp_keys[:i]

    def add(self, t: int, cents: int, clock: int) -> None:
        """Count a leg at `t` in every window it is still inside at `clock`."""
        tot = self.tot
        if t == clock:
            # The usual case: the leg is the newest, inside every window.
            _ring_add(self.hour, t // H_W, cents)
            _ring_add(self.day, t // D_W, cents)
            _ring_add(self.week, t // W_W, cents)
            tot[0] += 1
            tot[1] += cents
            tot[2] += 1
            tot[3] += cents
            tot[4] += 1
            tot[5] += cents
            return
        bucket = t // H_W
        if bucket > clock // H_W - H_K:
            _ring_add(self.hour, bucket, cents)
            tot[0] += 1
            tot[1] += cents
        bucket = t // D_W
        if bucket > clock // D_W - D_K:
            _ring_add(self.day, bucket, cents)
            tot[2] += 1
            tot[3] += cents
        bucket = t // W_W
        if bucket > clock // W_W - W_K:
            _ring_add(self.week, bucket, cents)
            tot[4] += 1
            tot[5] += cents

    def touch(self, key: int, t: int, cap: int) -> None:
        """Record counterparty `key` as seen at `t`."""
        keys = self.cp_keys
        seen = self.cp_seen
        if key in keys:
            i = keys.index(key)
            if seen[i] >= t:
                return
            del keys[i]
            del seen[i]
        if not seen or t >= seen[-1]:
            keys.append(key)
            seen.append(t)
        else:
            i = bisect_right(seen, t)
            keys.insert(i, key)
            seen.insert(i, t)
        if len(keys) > cap:
            del keys[0]
            del seen[0]

    def add_leg(self, t: int, cents: int, cash: int, cap_items: int) -> None:
        """Keep a candidate structuring leg."""
        legs = self.legs
        if not legs or t >= legs[-3]:
            legs += (t, cents, cash)
        else:
            i = len(legs) - 3
            while i >= 0 and legs[i] > t:
                i -= 3
            legs[i + 3 : i + 3] = (t, cents, cash)
        if len(legs) > cap_items:
            del legs[:3]

    def leg_stats(self, near_c: int) -> tuple[int, float, float, float, int, int]:
        """Count, sum, min and max (EUR), near-threshold and cash count of the kept legs."""
        legs = self.legs
        if not legs:
            return (0, 0.0, 0.0, 0.0, 0, 0)
        cents = legs[1::3]
        return (
            len(cents),
            sum(cents) / 100,
            min(cents) / 100,
            max(cents) / 100,
            sum(1 for c in cents if c >= near_c),
            sum(legs[2::3]),
        )

    def to_list(self) -> list[Any]:
        """Positional form for `dumps()`: the lists themselves, not copies."""
        return [
            self.hour,
            self.day,
            self.week,
            self.tot,
            self.n,
            self.mean,
            self.m2,
            self.cp_keys,
            self.cp_seen,
            self.legs,
            self.last,
        ]

    @classmethod
    def from_list(cls, data: list[Any]) -> Side:
        side = cls.__new__(cls)
        (
            side.hour,
            side.day,
            side.week,
            side.tot,
            side.n,
            side.mean,
            side.m2,
            side.cp_keys,
            side.cp_seen,
            side.legs,
            side.last,
        ) = data
        return side

    def to_dict(self) -> dict[str, Any]:
        return {
            "hour": list(self.hour),
            "day": list(self.day),
            "week": list(self.week),
            "totals": list(self.tot),
            "n": self.n,
            "mean": self.mean,
            "m2": self.m2,
            "cp_keys": list(self.cp_keys),
            "cp_seen": list(self.cp_seen),
            "legs": list(self.legs),
            "last": self.last,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Side:
        side = cls.__new__(cls)
        side.hour = list(data["hour"])
        side.day = list(data["day"])
        side.week = list(data["week"])
        side.tot = list(data["totals"])
        side.n = int(data["n"])
        side.mean = float(data["mean"])
        side.m2 = float(data["m2"])
        side.cp_keys = list(data["cp_keys"])
        side.cp_seen = list(data["cp_seen"])
        side.legs = list(data["legs"])
        side.last = int(data["last"])
        return side
