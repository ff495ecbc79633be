"""AML account state and features (models.aml): every feature on hand-made leg sequences,
window expiry, late legs, the receiver side, serialization round trips and bounded size."""

from __future__ import annotations

import json
import math
import random

import orjson
import pytest
from pydantic import ValidationError

from models.aml import (
    FEATURE_NAMES,
    AccountState,
    AmlConfig,
    AmlFeatures,
    AmlFeaturesConfig,
    AmlRulesConfig,
    FeatureSpec,
    FxTable,
    TxnView,
    UnknownCurrencyError,
    incoming_view,
    outgoing_view,
)
from topics.messages.transaction import Transaction

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z, on a bucket boundary of every window
MIN = 60
HOUR = 3600
DAY = 86_400


def leg(
    t: float,
    amount: float = 100.0,
    *,
    channel: str = "wire",
    cp: str = "cp-1",
    country: str = "DE",
    cp_country: str = "DE",
    currency: str = "EUR",
    amount_eur: float | None = None,
) -> TxnView:
    """A leg `t` seconds after T0."""
    return TxnView(
        (T0 + round(t)) * 1_000_000,
        amount,
        currency,
        amount if amount_eur is None else amount_eur,
        channel,
        cp,
        country,
        cp_country,
    )


def out(state: AccountState, t: float, amount: float = 100.0, **kw: object) -> dict[str, float]:
    return state.observe_outgoing(leg(t, amount, **kw))  # type: ignore[arg-type]


def inc(state: AccountState, t: float, amount: float = 100.0, **kw: object) -> dict[str, float]:
    return state.observe_incoming(leg(t, amount, **kw))  # type: ignore[arg-type]


def spec(**kw: object) -> FeatureSpec:
    return FeatureSpec(AmlFeaturesConfig(**kw))  # type: ignore[arg-type]


# --- the feature dict -------------------------------------------------------------------------


def test_every_leg_gives_every_feature_as_a_finite_number() -> None:
    state = AccountState()
    for x in (
        out(state, 0),
        inc(state, 10, 9_500.0, channel="cash", cp_country="IR"),
        out(state, 20, 0.0),
    ):
        assert tuple(x) == FEATURE_NAMES
        for name, value in x.items():
            assert isinstance(value, int | float), name
            assert math.isfinite(value), name


def test_current_leg_features() -> None:
    x = out(AccountState(), 0, 2_500.0, channel="crypto", cp_country="FR")
    assert x["amount_eur"] == 2_500.0
    assert x["log_amount"] == pytest.approx(math.log1p(2_500.0))
    assert x["outgoing"] == 1.0
    assert x["threshold_ratio"] == 0.25
    assert (x["crypto"], x["cash"], x["cross_border"]) == (1.0, 0.0, 1.0)
    assert inc(AccountState(), 0, channel="cash")["outgoing"] == 0.0


@pytest.mark.parametrize(
    ("amount", "currency", "r100", "r1000"),
    [
        (5_000.0, "EUR", 1.0, 1.0),
        (5_100.0, "EUR", 1.0, 0.0),
        (5_000.5, "EUR", 0.0, 0.0),
        (50.0, "EUR", 0.0, 0.0),
        (0.0, "EUR", 0.0, 0.0),
        # Round in its own currency, whatever its EUR value.
        (2_000_000.0, "JPY", 1.0, 1.0),
    ],
)
def test_round_amounts(amount: float, currency: str, r100: float, r1000: float) -> None:
    x = out(AccountState(), 0, amount, currency=currency, amount_eur=round(amount * 0.0056, 2))
    assert (x["round_100"], x["round_1000"]) == (r100, r1000)


@pytest.mark.parametrize(
    ("amount", "channel", "near", "sub"),
    [
        (9_500.0, "wire", 1.0, 1.0),
        (9_000.0, "cash", 1.0, 1.0),  # the band's lower edge is in it
        (8_999.99, "ach", 0.0, 1.0),
        (5_000.0, "crypto", 0.0, 1.0),  # the candidate floor is in it
        (4_999.99, "wire", 0.0, 0.0),
        (10_000.0, "wire", 0.0, 0.0),  # at the threshold is no longer under it
        (9_999.99, "wire", 1.0, 1.0),
        (9_500.0, "card", 1.0, 0.0),  # near, but card payments are not structuring legs
    ],
)
def test_threshold_features(amount: float, channel: str, near: float, sub: float) -> None:
    x = out(AccountState(), 0, amount, channel=channel)
    assert (x["near_threshold"], x["sub_threshold"]) == (near, sub)


def test_threshold_and_band_are_settings() -> None:
    state = AccountState(spec(reporting_threshold_eur=15_000, near_threshold_band=0.8))
    x = out(state, 0, 12_000.0)
    assert (x["near_threshold"], x["sub_threshold"], x["threshold_ratio"]) == (1.0, 1.0, 0.8)


@pytest.mark.parametrize(
    ("cp_country", "level", "cross"),
    [("IR", 1.0, 1.0), ("KP", 1.0, 1.0), ("VN", 0.5, 1.0), ("FR", 0.0, 1.0), ("DE", 0.0, 0.0)],
)
def test_jurisdiction_flags(cp_country: str, level: float, cross: float) -> None:
    x = out(AccountState(), 0, cp_country=cp_country)
    assert (x["high_risk_country"], x["cross_border"]) == (level, cross)


def test_jurisdiction_lists_are_settings() -> None:
    state = AccountState(spec(high_risk_countries=frozenset({"FR"}), monitored_countries=[]))
    assert out(state, 0, cp_country="FR")["high_risk_country"] == 1.0
    assert out(state, 1, cp_country="IR")["high_risk_country"] == 0.0
    with pytest.raises(ValidationError):
        AmlFeaturesConfig(high_risk_countries=frozenset({"iran"}))


# --- windows ----------------------------------------------------------------------------------


def test_windowed_counts_and_sums_per_direction() -> None:
    state = AccountState()
    out(state, 0, 100.0)
    inc(state, 2 * DAY, 50.0)
    out(state, 6 * DAY, 200.0)
    inc(state, 6 * DAY + 12 * HOUR, 25.0)
    out(state, 6 * DAY + 23 * HOUR + 10 * MIN, 300.0)
    x = out(state, 6 * DAY + 23 * HOUR + 50 * MIN, 400.0)
    assert (x["out_count_1h"], x["out_sum_1h"]) == (2, 700.0)
    assert (x["out_count_24h"], x["out_sum_24h"]) == (3, 900.0)
    assert (x["out_count_7d"], x["out_sum_7d"]) == (4, 1_000.0)
    assert (x["in_count_1h"], x["in_sum_1h"]) == (0, 0.0)
    assert (x["in_count_24h"], x["in_sum_24h"]) == (1, 25.0)
    assert (x["in_count_7d"], x["in_sum_7d"]) == (2, 75.0)


def test_sums_are_exact_in_cents() -> None:
    state = AccountState()
    for i in range(10):
        x = out(state, i, 0.1)
    assert x["out_sum_1h"] == 1.0


@pytest.mark.parametrize(
    ("window", "width"),
    [("1h", HOUR), ("24h", DAY), ("7d", 7 * DAY)],
)
def test_window_expiry(window: str, width: int) -> None:
    state = AccountState()
    out(state, 0, 1_000.0)
    # Just inside the window (the newest second of it) the leg still counts.
    x = out(state, width - 1, 1.0)
    assert x[f"out_count_{window}"] == 2
    assert x[f"out_sum_{window}"] == 1_001.0
    # A window never counts a leg as old as the window itself.
    x = out(state, width, 2.0)
    assert x[f"out_count_{window}"] == 2
    assert x[f"out_sum_{window}"] == 3.0


@pytest.mark.parametrize(
    ("window", "width", "bucket"),
    [("1h", HOUR, 5 * MIN), ("24h", DAY, HOUR), ("7d", 7 * DAY, 12 * HOUR)],
)
def test_window_undercounts_by_at_most_one_bucket(window: str, width: int, bucket: int) -> None:
    # A leg late in the oldest bucket leaves with the whole bucket: the documented error.
    state = AccountState()
    out(state, bucket - 1, 1_000.0)
    assert out(state, width, 1.0)[f"out_count_{window}"] == 1
    state = AccountState()
    out(state, bucket, 1_000.0)
    assert out(state, width, 1.0)[f"out_count_{window}"] == 2


def test_now_us_measures_windows_at_a_later_time() -> None:
    state = AccountState()
    out(state, 0, 1_000.0)
    x = state.observe_outgoing(leg(10, 1.0), now_us=(T0 + 2 * HOUR) * 1_000_000)
    assert x["out_count_24h"] == 2
    assert x["out_count_1h"] == 0  # both legs are two hours old at now_us


def test_future_leg_counts_at_now_and_does_not_move_the_clock() -> None:
    state = AccountState()
    out(state, 0, 1_000.0)
    now = (T0 + MIN) * 1_000_000
    x = state.observe_outgoing(leg(30 * DAY, 5.0), now_us=now)
    assert x["out_count_1h"] == 2
    x = state.observe_outgoing(leg(2 * MIN, 7.0), now_us=now + MIN * 1_000_000)
    assert (x["out_count_1h"], x["out_sum_1h"]) == (3, 1_012.0)


def test_late_legs_go_where_they_belong() -> None:
    state = AccountState()
    out(state, 10 * HOUR, 100.0)
    out(state, 10 * HOUR + 30 * MIN, 100.0)
    x = out(state, 9 * HOUR, 50.0)  # late, but inside 24 h and 7 d
    assert (x["out_count_1h"], x["out_count_24h"], x["out_sum_24h"]) == (2, 3, 250.0)
    x = out(state, 10 * HOUR + 10 * MIN, 1.0)  # late, inside the hour too
    assert (x["out_count_1h"], x["out_sum_1h"]) == (3, 201.0)
    # Older than 7 d: left out of every window, but still part of the account's history.
    x = out(state, -8 * DAY, 5.0)
    assert (x["out_count_7d"], x["out_sum_7d"]) == (4, 251.0)
    assert x["account_age_days"] == 0.0
    assert x["dormancy_days"] == 0.0


# --- counterparties ---------------------------------------------------------------------------


def test_distinct_counterparties_per_direction_and_window() -> None:
    state = AccountState()
    out(state, 0, cp="a")
    out(state, HOUR, cp="b")
    out(state, 2 * DAY, cp="c")
    out(state, 2 * DAY + HOUR, cp="a")  # seen again: one counterparty, now recent
    inc(state, 2 * DAY + 2 * HOUR, cp="x")
    x = inc(state, 2 * DAY + 3 * HOUR, cp="y")
    assert (x["out_distinct_24h"], x["out_distinct_7d"]) == (2, 3)
    assert (x["in_distinct_24h"], x["in_distinct_7d"]) == (2, 2)
    x = out(state, 8 * DAY + 30 * MIN, cp="d")  # b (day 0) has left the 7 days, a has not
    assert (x["out_distinct_24h"], x["out_distinct_7d"]) == (1, 3)
    x = out(state, 9 * DAY + 2 * HOUR, cp="d")
    assert (x["out_distinct_24h"], x["out_distinct_7d"]) == (1, 1)


def test_card_counterparties_do_not_count() -> None:
    state = AccountState()
    for i in range(5):
        x = inc(state, i, channel="card", cp=f"card-{i}")
    assert x["in_distinct_24h"] == 0
    assert inc(state, 10, channel="ach", cp="payer")["in_distinct_24h"] == 1


def test_distinct_counterparties_saturate_at_the_cap() -> None:
    state = AccountState(spec(max_counterparties=8))
    for i in range(20):
        x = out(state, i * MIN, cp=f"r{i}")
    assert (x["out_distinct_24h"], x["out_distinct_7d"]) == (8, 8)
    # The least recently seen are forgotten first.
    x = out(state, 30 * MIN, cp="r19")
    assert x["out_distinct_7d"] == 8
    assert len(state.to_dict()["out"]["cp_keys"]) == 8


def test_late_counterparty_keeps_the_order_expiry_relies_on() -> None:
    state = AccountState()
    out(state, 3 * DAY, cp="new")
    out(state, 3 * DAY + 1, cp="newer")
    out(state, 0, cp="late")  # seen three days before the others
    seen = state.to_dict()["out"]["cp_seen"]
    assert seen == sorted(seen)
    x = out(state, 7 * DAY + HOUR, cp="newer")
    assert (x["out_distinct_7d"], x["out_distinct_24h"]) == (2, 0 + 1)


# --- pass-through -----------------------------------------------------------------------------


def test_passthrough_share_and_speed() -> None:
    state = AccountState()
    x = inc(state, 0, 10_000.0)
    assert (x["passthrough_share_24h"], x["passthrough_hours"]) == (0.0, 168.0)
    x = out(state, 30 * MIN, 6_000.0)
    assert (x["passthrough_share_24h"], x["passthrough_hours"]) == (0.6, 0.5)
    x = out(state, 2 * HOUR, 6_000.0)
    assert (x["passthrough_share_24h"], x["passthrough_hours"]) == (1.0, 2.0)  # capped at 1
    # A new inflow without an outflow after it: nothing was passed through since.
    x = inc(state, 3 * HOUR, 100.0)
    assert x["passthrough_hours"] == 168.0


def test_passthrough_without_inflow() -> None:
    x = out(AccountState(), 0, 5_000.0)
    assert (x["passthrough_share_24h"], x["passthrough_hours"]) == (0.0, 168.0)


def test_passthrough_with_a_late_incoming_leg() -> None:
    # The incoming leg comes through the repartition topic and may arrive after the outflow.
    state = AccountState()
    out(state, HOUR, 9_000.0)
    x = inc(state, 0, 10_000.0)
    assert (x["passthrough_share_24h"], x["passthrough_hours"]) == (0.9, 1.0)


# --- amount history ---------------------------------------------------------------------------


def test_amount_zscore_against_own_history() -> None:
    state = AccountState()
    amounts = [90.0, 110.0, 100.0, 95.0, 105.0]
    for i, amount in enumerate(amounts):
        assert out(state, i * HOUR, amount)["amount_zscore"] == 0.0  # too little history
    logs = [math.log1p(a) for a in amounts]
    mean = sum(logs) / len(logs)
    std = max(math.sqrt(sum((v - mean) ** 2 for v in logs) / (len(logs) - 1)), 0.25)
    x = out(state, 10 * HOUR, 300.0)
    assert x["amount_zscore"] == pytest.approx((math.log1p(300.0) - mean) / std)
    assert x["amount_zscore"] > 4
    assert out(state, 11 * HOUR, 10_000_000.0)["amount_zscore"] == 20.0  # clipped
    # Incoming legs have their own history.
    assert inc(state, 12 * HOUR, 10_000_000.0)["amount_zscore"] == 0.0


def test_zscore_standard_deviation_floor() -> None:
    state = AccountState()
    for i in range(10):
        out(state, i * HOUR, 1_000.0)
    z = out(state, 20 * HOUR, 1_010.0)["amount_zscore"]
    assert z == pytest.approx((math.log1p(1_010.0) - math.log1p(1_000.0)) / 0.25)


# --- timing -----------------------------------------------------------------------------------


def test_dormancy_and_reactivation() -> None:
    state = AccountState()
    x = out(state, 0)
    assert (x["dormancy_days"], x["recent_dormancy_days"], x["account_age_days"]) == (0, 0, 0)
    x = inc(state, 100 * DAY, 20_000.0)  # an inflow wakes the account up
    assert (x["dormancy_days"], x["recent_dormancy_days"]) == (100.0, 100.0)
    x = out(state, 102 * DAY, 19_000.0)
    assert (x["dormancy_days"], x["recent_dormancy_days"], x["account_age_days"]) == (
        2.0,
        100.0,
        102.0,
    )
    x = out(state, 107 * DAY - 1)  # still within 7 days of the reactivation
    assert x["recent_dormancy_days"] == 100.0
    assert out(state, 107 * DAY)["recent_dormancy_days"] == 0.0


def test_short_gaps_are_not_dormancy() -> None:
    state = AccountState()
    out(state, 0)
    x = out(state, 29 * DAY)
    assert (x["dormancy_days"], x["recent_dormancy_days"]) == (29.0, 0.0)
    x = out(state, 59 * DAY)
    assert (x["dormancy_days"], x["recent_dormancy_days"]) == (30.0, 30.0)


def test_velocity_and_burst_against_the_typical_hour_and_day() -> None:
    state = AccountState()
    for day in range(7):
        for h in (9, 15):
            out(state, day * DAY + h * HOUR, 100.0)
    start = 7 * DAY + 9 * HOUR
    for i in range(10):
        x = out(state, start + i * MIN, 100.0)
    # The 7 d window (6.5 to 7 days of 12 h buckets) holds 13 of the 14 earlier legs: a typical
    # hour of 13/167 legs, and of 1,300/167 EUR, floored at 100 EUR.
    assert x["out_velocity_count"] == pytest.approx(10 / (13 / 167))
    assert x["out_velocity_sum"] == pytest.approx(1_000 / 100)
    # The last 24 h have the 10 new legs and one from the day before; the 6 days before, 12.
    assert x["out_count_24h"] == 11
    assert x["out_burst_count_24h"] == pytest.approx(11 / (12 / 6))
    assert x["in_velocity_count"] == 0.0
    assert x["in_burst_count_24h"] == 0.0


# --- structuring legs -------------------------------------------------------------------------


def test_structuring_leg_stats() -> None:
    state = AccountState()
    inc(state, 0, 9_200.0, channel="cash")
    inc(state, HOUR, 6_000.0, channel="wire")
    inc(state, 2 * HOUR, 400.0, channel="cash")  # too small to be a candidate
    inc(state, 3 * HOUR, 9_800.0, channel="card")  # card: not a candidate
    x = inc(state, 4 * HOUR, 9_500.0, channel="cash")
    assert x["in_struct_count_24h"] == 3
    assert x["in_struct_sum_24h"] == 24_700.0
    assert (x["in_struct_min_24h"], x["in_struct_max_24h"]) == (6_000.0, 9_500.0)
    assert (x["in_struct_near_24h"], x["in_struct_cash_24h"]) == (2, 2)
    assert x["out_struct_count_24h"] == 0
    x = inc(state, DAY, 100.0)  # the first candidate is exactly 24 h old: gone
    assert (x["in_struct_count_24h"], x["in_struct_sum_24h"]) == (2, 15_500.0)
    x = out(state, DAY + 1, 7_000.0, channel="ach")
    assert (x["out_struct_count_24h"], x["out_struct_near_24h"]) == (1, 0)


def test_structuring_legs_keep_the_newest_up_to_the_cap() -> None:
    state = AccountState(spec(max_structuring_legs=4))
    for i in range(10):
        x = inc(state, i * MIN, 9_000.0 + i, channel="cash")
    assert x["in_struct_count_24h"] == 4
    assert x["in_struct_min_24h"] == 9_006.0


def test_late_structuring_leg_is_kept_in_order() -> None:
    state = AccountState()
    inc(state, 2 * HOUR, 9_500.0, channel="cash")
    x = inc(state, HOUR, 9_100.0, channel="cash")
    assert x["in_struct_count_24h"] == 2
    x = inc(state, DAY + 90 * MIN, 1.0)  # only the late leg (one hour in) has left
    assert (x["in_struct_count_24h"], x["in_struct_sum_24h"]) == (1, 9_500.0)


# --- the receiver side ------------------------------------------------------------------------

TXN = Transaction(
    event_id="3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10",
    ts_us=T0 * 1_000_000,
    sender_account="DE89370400440532013000",
    receiver_account="GB29NWBK60161331926819",
    amount="9450.00",
    currency="GBP",
    channel="wire",
    sender_country="DE",
    receiver_country="GB",
)


def test_views_of_both_legs() -> None:
    fx = FxTable({"GBP": 1.14})
    sent = outgoing_view(TXN, fx)
    received = incoming_view(TXN, fx)
    assert sent == TxnView(
        T0 * 1_000_000, 9_450.0, "GBP", 10_773.0, "wire", TXN.receiver_account, "DE", "GB"
    )
    assert received == sent._replace(
        counterparty=TXN.sender_account, country="GB", counterparty_country="DE"
    )
    payload = orjson.loads(TXN.model_dump_json())
    assert outgoing_view(payload, fx) == sent
    assert incoming_view(payload, fx) == received


def test_unknown_currency_is_an_error() -> None:
    with pytest.raises(UnknownCurrencyError, match="'GBP'"):
        outgoing_view(TXN, FxTable({"EUR": 1.0}))
    with pytest.raises(ValueError, match="positive"):
        FxTable({"EUR": 0.0})
    assert "USD" in FxTable()


def test_receiver_side_features() -> None:
    # The receiver's table is keyed by receiver: it sees incoming legs from many senders.
    aml = AmlFeatures()
    receiver = aml.new_state()
    for i in range(4):
        txn = TXN.model_copy(
            update={"sender_account": f"DE{i:020d}", "ts_us": (T0 + i * MIN) * 1_000_000}
        )
        x = receiver.observe_incoming(aml.incoming(txn))
    assert x["outgoing"] == 0.0
    assert (x["in_count_1h"], x["in_sum_1h"], x["in_distinct_24h"]) == (4, 43_092.0, 4)
    assert (x["out_count_1h"], x["out_distinct_24h"]) == (0, 0)
    assert x["cross_border"] == 1.0
    sender = aml.new_state()
    x = sender.observe_outgoing(aml.outgoing(TXN))
    assert (x["outgoing"], x["out_count_1h"], x["out_distinct_24h"]) == (1.0, 1, 1)


def test_features_facade_uses_its_config() -> None:
    aml = AmlFeatures(AmlFeaturesConfig(eur_rates={"GBP": 2.0}, reporting_threshold_eur=20_000))
    x = aml.new_state().observe_outgoing(aml.outgoing(TXN))
    assert x["amount_eur"] == 18_900.0
    assert x["near_threshold"] == 1.0
    assert aml.from_dict(aml.new_state().to_dict()).spec is aml.spec


# --- serialization ----------------------------------------------------------------------------


def busy_state(seed: int = 3, legs: int = 400) -> tuple[AccountState, float]:
    rng = random.Random(seed)  # noqa: S311 - seeded test data, not crypto
    state = AccountState()
    t = 0.0
    for _ in range(legs):
        t += rng.expovariate(1 / (20 * MIN))
        view = leg(
            t,
            rng.choice([95.5, 1_200.0, 9_400.0, 6_500.0, 30.25]),
            channel=rng.choice(["wire", "cash", "card", "ach"]),
            cp=f"cp-{rng.randrange(50)}",
            cp_country=rng.choice(["DE", "FR", "IR"]),
        )
        if rng.random() < 0.5:
            state.observe_outgoing(view)
        else:
            state.observe_incoming(view)
    out(state, t + 120 * DAY, 50.0)  # a dormant period, so the gap is part of the state
    return state, t + 120 * DAY


def continue_with(state: AccountState, t: float) -> list[dict[str, float]]:
    rng = random.Random(9)  # noqa: S311 - seeded test data, not crypto
    result = []
    for i in range(50):
        view = leg(t + i * 7 * MIN, 9_300.0 + i, channel="cash", cp=f"cp-{rng.randrange(60)}")
        result.append(state.observe_incoming(view) if i % 2 else state.observe_outgoing(view))
    # A late leg and a window's worth of time, so restored states also expire and insert.
    result.append(out(state, t - HOUR, 7_000.0))
    result.append(inc(state, t + 8 * DAY, 10.0))
    return result


@pytest.mark.parametrize("how", ["dict", "bytes", "json"])
def test_round_trip_gives_identical_features(how: str) -> None:
    state, t = busy_state()
    if how == "dict":
        restored = AccountState.from_dict(state.to_dict())
    elif how == "bytes":
        restored = AccountState.loads(state.dumps())
    else:
        restored = AccountState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.to_dict() == state.to_dict()
    assert continue_with(restored, t) == continue_with(state, t)
    assert restored.dumps() == state.dumps()


def test_to_dict_is_a_snapshot() -> None:
    state, t = busy_state()
    snapshot = state.to_dict()
    frozen = orjson.dumps(snapshot)
    continue_with(state, t)
    assert orjson.dumps(snapshot) == frozen
    restored = AccountState.from_dict(snapshot)
    continue_with(restored, t)
    assert orjson.dumps(snapshot) == frozen


def test_dumps_is_compact_json_and_small_for_a_quiet_account() -> None:
    state = AccountState()
    for day in range(7):
        out(state, day * DAY, 42.0, cp=f"shop-{day % 3}")
    raw = state.dumps()
    assert isinstance(orjson.loads(raw), list)
    assert len(raw) < 400


@pytest.mark.parametrize(
    "data",
    [b"", b"{}", b"[2,0,0,0,0,0,[],[]]", b"[1,2,3]", b'"x"', b"[1,0,0,0,0,0,{},[]]"],
)
def test_loads_rejects_what_dumps_did_not_write(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"AccountState|state format"):
        AccountState.loads(data)


def test_from_dict_rejects_other_dicts() -> None:
    with pytest.raises(ValueError, match="state format"):
        AccountState.from_dict({**AccountState().to_dict(), "v": 0})
    with pytest.raises(ValueError, match="AccountState dict"):
        AccountState.from_dict({"v": 1})


def test_state_size_is_bounded_after_100000_legs() -> None:
    # One very busy account: both directions, every window full, many counterparties, many
    # structuring candidates, over more than a week.
    rng = random.Random(5)  # noqa: S311 - seeded test data, not crypto
    state = AccountState()
    sizes = []
    for i in range(100_000):
        view = leg(
            i * 9,
            rng.choice([9_950.0, 120.0, 7_777.77, 50_000.0]),
            channel=rng.choice(["wire", "cash"]),
            cp=f"cp-{rng.randrange(10_000)}",
        )
        if i % 2:
            state.observe_incoming(view)
        else:
            state.observe_outgoing(view)
        if i % 10_000 == 9_999:
            sizes.append(len(state.dumps()))
    x = out(state, 100_000 * 9, 1.0)
    assert x["out_distinct_7d"] == 32
    assert x["in_struct_count_24h"] == 16
    assert max(sizes) < 4_608  # the 4.5 KiB models.aml.state promises
    # Samples every 25 h: the 7 d window fills during the first week, then the size stays.
    assert max(sizes[7:]) - min(sizes[7:]) < 64


def test_feature_config_validation() -> None:
    with pytest.raises(ValidationError):
        AmlFeaturesConfig(near_threshold_band=1.0)
    with pytest.raises(ValidationError):
        AmlFeaturesConfig(eur_rates={"USD": -1.0})
    with pytest.raises(ValidationError):
        AmlFeaturesConfig(unknown=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="dormant_min_days"):
        AmlConfig(
            features=AmlFeaturesConfig(dormancy_min_days=100),
            rules=AmlRulesConfig(dormant_min_days=90),
        )
    with pytest.raises(ValidationError, match="max_counterparties"):
        AmlConfig(rules=AmlRulesConfig(fan_out_min_receivers=40))
    assert AmlConfig().features.reporting_threshold_eur == 10_000
