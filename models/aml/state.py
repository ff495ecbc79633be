"""Per-account AML state and the flat feature dict of each leg it observes.

One `AccountState` per account lives in a Faust table as the bytes of `dumps()`. It sees the
account's outgoing legs from `qr.transactions` (keyed by sender) and its incoming legs from the
`group_by(receiver)` repartition, so pass-through compares both directions of one account.

Time is event time (`ts_us`), so replays of old data and simulated clocks give the same
features as live traffic. The state's clock is the largest `now_us` it was given (the leg's own
time when omitted); a leg stamped after `now_us` counts as happening at `now_us`, so one skewed
producer clock cannot expire an account's windows. Late legs (older than the clock, e.g. an
incoming leg delayed by the repartition hop) go where they belong, or are left out of windows
they have already left.

Size: a side (models.aml.side) holds at most 50 buckets, 32 counterparties and 16 structuring
legs, so `dumps()` stays under about 4.5 KiB however busy the account is (the tests check it
after 100,000 legs), and an account with a few legs a day takes a few hundred bytes.
"""

from __future__ import annotations

import math
import zlib
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any, Final

import orjson

from models.aml.side import DAY, EPOCH_S, KEY_MASK, NO_TIME, Side
from models.aml.spec import DEFAULT_SPEC, FeatureSpec
from models.aml.view import TxnView

__all__ = ["FORMAT_VERSION", "AccountState"]

FORMAT_VERSION: Final = 1

_US = 1_000_000
_HOUR = 3600
_MAX_HOURS = 168.0
# Beyond this a z-score only says "far outside"; larger values would distort models that scale
# their inputs by the range they have seen.
_Z_CLIP = 20.0
_NO_LEGS: Final = (0, 0.0, 0.0, 0.0, 0, 0)


class AccountState:
    """Everything the AML features need to know about one account, in bounded space.

    Parameters
    ----------
    spec
        The compiled feature settings, shared by every state and never serialized; the
        defaults when omitted.

    Examples
    --------
    Three cash deposits just under the threshold within a day:

    >>> from models.aml.view import TxnView
    >>> t0 = 1_767_225_600_000_000
    >>> state = AccountState()
    >>> for i, amount in enumerate([9_200.0, 9_500.0, 9_800.0]):
    ...     leg = TxnView(t0 + i * 3_600_000_000, amount, "EUR", amount, "cash",
    ...                   f"depositor-{i}", "DE", "DE")
    ...     x = state.observe_incoming(leg)
    >>> x["in_struct_count_24h"], x["in_struct_sum_24h"], x["in_struct_near_24h"]
    (3, 28500.0, 3)
    >>> x["in_count_24h"], x["in_sum_24h"], x["in_distinct_24h"], x["out_count_24h"]
    (3, 28500.0, 3, 0)
    >>> AccountState.loads(state.dumps()).to_dict() == state.to_dict()
    True
    """

    __slots__ = ("clock", "first", "gap", "gap_end", "inc", "last", "out", "spec")

    def __init__(self, spec: FeatureSpec | None = None) -> None:
        self.spec = DEFAULT_SPEC if spec is None else spec
        self.clock = NO_TIME
        self.first = NO_TIME
        self.last = NO_TIME
        # The latest dormant period: its length and when it ended (seconds).
        self.gap = 0
        self.gap_end = NO_TIME
        self.out = Side()
        self.inc = Side()

    def observe_outgoing(self, view: TxnView, now_us: int | None = None) -> dict[str, float]:
        """Add a leg this account pays, and return the features after it.

        `now_us` is when the windows are measured; the leg's own `ts_us` when omitted.
        """
        return self._observe(view, now_us, self.out, 1.0)

    def observe_incoming(self, view: TxnView, now_us: int | None = None) -> dict[str, float]:
        """Add a leg this account is paid, and return the features after it."""
        return self._observe(view, now_us, self.inc, 0.0)

    def _observe(
        self, view: TxnView, now_us: int | None, side: Side, outgoing: float
    ) -> dict[str, float]:
        spec = self.spec
        t = view.ts_us // _US - EPOCH_S
        clock = self.clock
        now = t if now_us is None else now_us // _US - EPOCH_S
        if now > clock:
            clock = self.clock = now
        if t > clock:
            t = clock
        amount = view.amount_eur
        cents = round(amount * 100)

        # Dormancy looks at both directions: an account that is only paid is not dormant.
        last = self.last
        gap = t - last if last != NO_TIME and t > last else 0
        if gap >= spec.dormancy_min_s and (
            gap >= self.gap or t - self.gap_end >= spec.reactivation_s
        ):
            self.gap = gap
            self.gap_end = t
        if self.gap_end != NO_TIME and t - self.gap_end < spec.reactivation_s:
            recent_gap = self.gap
        else:
            recent_gap = 0
        if self.first == NO_TIME or t < self.first:
            self.first = t
        if t > last:
            self.last = t

        # Against the history before this leg, so an outlier does not dilute itself.
        x = math.log1p(amount)
        n = side.n
        mean = side.mean
        if n >= spec.z_min_n:
            std = math.sqrt(side.m2 / (n - 1))
            z = (x - mean) / (std if std > spec.z_min_std else spec.z_min_std)
            z = _Z_CLIP if z > _Z_CLIP else -_Z_CLIP if z < -_Z_CLIP else z
        else:
            z = 0.0
        n += 1
        delta = x - mean
        mean += delta / n
        side.m2 += delta * (x - mean)
        side.mean = mean
        side.n = n

        out = self.out
        inc = self.inc
        # A side that never had a leg (an account that only pays, or is only paid) has nothing
        # to expire.
        if out.n:
            out.expire(clock)
        if inc.n:
            inc.expire(clock)
        side.add(t, cents, clock)
        channel = view.channel
        if channel in spec.counterparty_channels:
            side.touch(
                zlib.crc32(view.counterparty.encode()) & KEY_MASK, t, spec.max_counterparties
            )
        sub = spec.floor_c <= cents < spec.threshold_c and channel in spec.structuring_channels
        if sub and t > clock - DAY:
            side.add_leg(t, cents, 1 if channel == "cash" else 0, spec.max_leg_items)
        if t > side.last:
            side.last = t

        oc1, os1, oc24, os24, oc7, os7 = out.tot
        ic1, is1, ic24, is24, ic7, is7 = inc.tot

        # The typical hour: the 7 days (or the account's life, if shorter) before the last
        # hour, so a burst does not raise its own baseline.
        hours = (clock - self.first) / _HOUR - 1.0
        hours = 0.25 if hours < 0.25 else 167.0 if hours > 167.0 else hours
        min_count = spec.velocity_min_count
        min_cents = spec.velocity_min_sum * 100
        rate = (oc7 - oc1) / hours
        o_vel_c = oc1 / (rate if rate > min_count else min_count)
        rate = (os7 - os1) / hours
        o_vel_s = os1 / (rate if rate > min_cents else min_cents)
        rate = (ic7 - ic1) / hours
        i_vel_c = ic1 / (rate if rate > min_count else min_count)
        rate = (is7 - is1) / hours
        i_vel_s = is1 / (rate if rate > min_cents else min_cents)

        # The typical day: the 6 days (or the account's life, if shorter) before the last 24 h.
        days = (clock - self.first) / DAY - 1.0
        days = 0.25 if days < 0.25 else 6.0 if days > 6.0 else days
        min_count = spec.burst_min_count
        min_cents = spec.burst_min_sum * 100
        rate = (oc7 - oc24) / days
        o_burst_c = oc24 / (rate if rate > min_count else min_count)
        rate = (os7 - os24) / days
        o_burst_s = os24 / (rate if rate > min_cents else min_cents)
        rate = (ic7 - ic24) / days
        i_burst_c = ic24 / (rate if rate > min_count else min_count)
        rate = (is7 - is24) / days
        i_burst_s = is24 / (rate if rate > min_cents else min_cents)

        last_in = inc.last
        if last_in != NO_TIME and out.last >= last_in:
            pt_hours = (out.last - last_in) / _HOUR
            if pt_hours > _MAX_HOURS:
                pt_hours = _MAX_HOURS
        else:
            pt_hours = _MAX_HOURS

        day_cut = clock - DAY
        o_seen = out.cp_seen
        i_seen = inc.cp_seen
        near_c = spec.near_c
        olc, ols, oln, olx, olr, olh = out.leg_stats(near_c) if out.legs else _NO_LEGS
        ilc, ils, iln, ilx, ilr, ilh = inc.leg_stats(near_c) if inc.legs else _NO_LEGS
        raw = view.amount
        return {
            "amount_eur": amount,
            "log_amount": x,
            "outgoing": outgoing,
            "amount_zscore": z,
            "threshold_ratio": amount / spec.threshold_eur,
            "near_threshold": 1.0 if near_c <= cents < spec.threshold_c else 0.0,
            "sub_threshold": 1.0 if sub else 0.0,
            "round_100": 1.0 if raw >= 100.0 and raw % 100.0 == 0.0 else 0.0,
            "round_1000": 1.0 if raw >= 1000.0 and raw % 1000.0 == 0.0 else 0.0,
            "cash": 1.0 if channel == "cash" else 0.0,
            "crypto": 1.0 if channel == "crypto" else 0.0,
            "cross_border": 1.0 if view.country != view.counterparty_country else 0.0,
            "high_risk_country": spec.country_risk.get(view.counterparty_country, 0.0),
            "dormancy_days": gap / DAY,
            "recent_dormancy_days": recent_gap / DAY,
            "account_age_days": (t - self.first) / DAY,
            "out_count_1h": oc1,
            "out_sum_1h": os1 / 100,
            "out_count_24h": oc24,
            "out_sum_24h": os24 / 100,
            "out_count_7d": oc7,
            "out_sum_7d": os7 / 100,
            "in_count_1h": ic1,
            "in_sum_1h": is1 / 100,
            "in_count_24h": ic24,
            "in_sum_24h": is24 / 100,
            "in_count_7d": ic7,
            "in_sum_7d": is7 / 100,
            "out_distinct_24h": len(o_seen) - bisect_right(o_seen, day_cut),
            "out_distinct_7d": len(o_seen),
            "in_distinct_24h": len(i_seen) - bisect_right(i_seen, day_cut),
            "in_distinct_7d": len(i_seen),
            "out_velocity_count": o_vel_c,
            "out_velocity_sum": o_vel_s,
            "in_velocity_count": i_vel_c,
            "in_velocity_sum": i_vel_s,
            "out_burst_count_24h": o_burst_c,
            "out_burst_sum_24h": o_burst_s,
            "in_burst_count_24h": i_burst_c,
            "in_burst_sum_24h": i_burst_s,
            "passthrough_share_24h": (os24 / is24 if os24 < is24 else 1.0) if is24 else 0.0,
            "passthrough_hours": pt_hours,
            "out_struct_count_24h": olc,
            "out_struct_sum_24h": ols,
            "out_struct_min_24h": oln,
            "out_struct_max_24h": olx,
            "out_struct_near_24h": olr,
            "out_struct_cash_24h": olh,
            "in_struct_count_24h": ilc,
            "in_struct_sum_24h": ils,
            "in_struct_min_24h": iln,
            "in_struct_max_24h": ilx,
            "in_struct_near_24h": ilr,
            "in_struct_cash_24h": ilh,
        }

    def dumps(self) -> bytes:
        """The state as compact JSON (a positional array), for a raw-serialized Faust table."""
        return orjson.dumps(
            [
                FORMAT_VERSION,
                self.clock,
                self.first,
                self.last,
                self.gap,
                self.gap_end,
                self.out.to_list(),
                self.inc.to_list(),
            ]
        )

    @classmethod
    def loads(cls, data: bytes | str, spec: FeatureSpec | None = None) -> AccountState:
        """The state `dumps()` wrote."""
        try:
            version, clock, first, last, gap, gap_end, out, inc = orjson.loads(data)
            _check_version(version)
            state = cls.__new__(cls)
            state.out = Side.from_list(out)
            state.inc = Side.from_list(inc)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a serialized AccountState: {exc}") from exc
        state.spec = DEFAULT_SPEC if spec is None else spec
        state.clock = clock
        state.first = first
        state.last = last
        state.gap = gap
        state.gap_end = gap_end
        return state

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able snapshot with named fields (plain ints, floats, lists and dicts), for
        inspection and dict-based stores; it does not change with later observations."""
        return {
            "v": FORMAT_VERSION,
            "clock": self.clock,
            "first": self.first,
            "last": self.last,
            "gap": self.gap,
            "gap_end": self.gap_end,
            "out": self.out.to_dict(),
            "in": self.inc.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], spec: FeatureSpec | None = None) -> AccountState:
        """The state `to_dict()` returned (copied: `data` stays independent of it)."""
        try:
            _check_version(data["v"])
            state = cls.__new__(cls)
            state.clock = int(data["clock"])
            state.first = int(data["first"])
            state.last = int(data["last"])
            state.gap = int(data["gap"])
            state.gap_end = int(data["gap_end"])
            state.out = Side.from_dict(data["out"])
            state.inc = Side.from_dict(data["in"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an AccountState dict: missing or bad {exc}") from exc
        state.spec = DEFAULT_SPEC if spec is None else spec
        return state

    def __repr__(self) -> str:
        return (
            f"AccountState(clock={self.clock}, legs={self.out.n} out/{self.inc.n} in, "
            f"counterparties={len(self.out.cp_keys)} out/{len(self.inc.cp_keys)} in)"
        )


def _check_version(version: object) -> None:
    if version != FORMAT_VERSION:
        raise ValueError(f"state format {version!r} is not {FORMAT_VERSION}")
