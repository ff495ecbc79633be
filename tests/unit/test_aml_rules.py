"""AML rules (models.aml.rules): each rule fires just above its thresholds and not just below,
on hand-made leg sequences through the account state, with reasons an analyst can read and that
convert to alert reasons."""

from __future__ import annotations

import re

import pytest

from models.aml import (
    TYPOLOGIES,
    AccountState,
    AmlFeaturesConfig,
    AmlRules,
    AmlRulesConfig,
    FeatureSpec,
    RuleHit,
    TxnView,
    to_alert_reasons,
)
from models.aml.rules import RULE_CLASSES, Structuring
from topics.messages.alert import Alert

T0 = 1_767_225_600
MIN = 60
HOUR = 3600
DAY = 86_400
TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@+-]{0,127}$")


def leg(
    t: float,
    amount: float = 100.0,
    *,
    channel: str = "wire",
    cp: str = "cp-1",
    cp_country: str = "DE",
    currency: str = "EUR",
    amount_eur: float | None = None,
) -> TxnView:
    return TxnView(
        (T0 + round(t)) * 1_000_000,
        amount,
        currency,
        amount if amount_eur is None else amount_eur,
        channel,
        cp,
        "DE",
        cp_country,
    )


class Account:
    """An account state with the default rules, returning the hits of each leg."""

    def __init__(
        self,
        rules: AmlRulesConfig | None = None,
        features: AmlFeaturesConfig | None = None,
    ) -> None:
        self.rules = AmlRules(rules, features)
        self.state = AccountState(FeatureSpec(features))

    def out(self, t: float, amount: float = 100.0, **kw: object) -> list[RuleHit]:
        view = leg(t, amount, **kw)  # type: ignore[arg-type]
        return self._check(self.rules.evaluate(self.state.observe_outgoing(view), view))

    def inc(self, t: float, amount: float = 100.0, **kw: object) -> list[RuleHit]:
        view = leg(t, amount, **kw)  # type: ignore[arg-type]
        return self._check(self.rules.evaluate(self.state.observe_incoming(view), view))

    @staticmethod
    def _check(hits: list[RuleHit]) -> list[RuleHit]:
        for hit in hits:
            assert 0.0 <= hit.score <= 1.0
            assert hit.reasons
            assert all(r.name == hit.rule and r.text for r in hit.reasons)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        return hits


def typologies(hits: list[RuleHit]) -> set[str]:
    return {h.typology for h in hits}


def one(hits: list[RuleHit], typology: str) -> RuleHit:
    [hit] = [h for h in hits if h.typology == typology]
    return hit


def test_rule_catalogue() -> None:
    assert TYPOLOGIES == (
        "structuring",
        "rapid_movement",
        "fan_in",
        "fan_out",
        "high_risk_jurisdiction",
        "dormant_reactivation",
        "velocity_spike",
        "large_round_amount",
    )
    ids = [cls.rule_id for cls in RULE_CLASSES]
    assert len(set(ids)) == len(ids)
    assert all(TOKEN.match(name) for name in ids + list(TYPOLOGIES))
    assert len(AmlRules().rules) == 8


def test_nothing_fires_on_ordinary_activity() -> None:
    account = Account()
    for day in range(10):
        assert account.inc(day * DAY + 8 * HOUR, 2_500.0, cp="employer") == []
        for i in range(3):
            assert account.out(day * DAY + (12 + i) * HOUR, 35.5 + i, channel="card") == []
        assert account.out(day * DAY + 18 * HOUR, 800.0, cp="landlord") == []


# --- structuring ------------------------------------------------------------------------------


def test_structuring_fires_on_near_threshold_cash_deposits() -> None:
    account = Account()
    assert account.inc(0, 9_200.0, channel="cash", cp="a") == []
    assert account.inc(5 * HOUR, 9_800.0, channel="cash", cp="b") == []
    assert "structuring" in typologies(account.inc(9 * HOUR, 9_500.0, channel="cash", cp="c"))
    hits = account.inc(20 * HOUR, 9_600.0, channel="cash", cp="d")
    hit = one(hits, "structuring")
    assert hit.rule == "structuring_below_threshold"
    assert hit.reasons[0].text == (
        "4 cash deposits of 9,200-9,800 EUR within 24 h sum to 38,100 EUR ≥ 10,000 EUR"
    )
    assert (hit.reasons[0].value, hit.reasons[0].threshold) == (38_100.0, 10_000.0)
    assert hit.score == pytest.approx(0.45 + 0.35 + 0.2 / 3)


def test_structuring_needs_the_minimum_number_of_legs() -> None:
    config = AmlRulesConfig(structuring_min_legs=3)
    account = Account(config)
    account.inc(0, 9_000.0, channel="cash")
    assert "structuring" not in typologies(account.inc(HOUR, 9_000.0, channel="cash"))
    hit = one(account.inc(2 * HOUR, 9_000.0, channel="cash"), "structuring")
    assert hit.score == pytest.approx(0.45 + 0.35)
    assert hit.reasons[1].text.startswith("3 legs just under the 10,000 EUR threshold")


def test_structuring_needs_the_sum_to_reach_the_threshold() -> None:
    features = AmlFeaturesConfig(structuring_floor=0.3)

    def third(amount: float) -> list[RuleHit]:
        account = Account(features=features)
        account.inc(0, amount, channel="cash")
        account.inc(HOUR, amount, channel="cash")
        return account.inc(2 * HOUR, amount, channel="cash")

    assert "structuring" not in typologies(third(3_333.33))  # 9,999.99
    hit = one(third(3_333.34), "structuring")  # 10,000.02
    assert hit.score == pytest.approx(0.45)  # none near the threshold


def test_structuring_window_is_24_hours() -> None:
    account = Account()
    account.inc(0, 9_500.0, channel="cash")
    account.inc(12 * HOUR, 9_500.0, channel="cash")
    assert "structuring" not in typologies(account.inc(DAY, 9_500.0, channel="cash"))
    assert "structuring" in typologies(account.inc(DAY + HOUR, 9_500.0, channel="cash"))


def test_structuring_fires_only_on_a_candidate_leg() -> None:
    account = Account()
    for i in range(3):
        account.inc(i * HOUR, 9_500.0, channel="cash")
    assert "structuring" not in typologies(account.inc(4 * HOUR, 200.0, channel="cash"))
    assert "structuring" not in typologies(account.inc(5 * HOUR, 9_500.0, channel="card"))


def test_structuring_needs_candidates_to_dominate_the_day() -> None:
    account = Account()
    for i in range(4):
        account.inc(i * MIN, 250.0, cp=f"customer-{i}")
    account.inc(HOUR, 6_000.0)
    account.inc(2 * HOUR, 6_000.0)
    # 3 candidates among 7 incoming legs: a business with some mid-sized receipts.
    assert "structuring" not in typologies(account.inc(3 * HOUR, 6_000.0))
    assert "structuring" in typologies(account.inc(4 * HOUR, 6_000.0))  # 4 of 8


def test_structuring_of_outgoing_payments() -> None:
    account = Account()
    account.out(0, 9_900.0, cp="x")
    account.out(HOUR, 9_900.0, cp="y", channel="cash")
    hit = one(account.out(2 * HOUR, 9_900.0, cp="z"), "structuring")
    assert hit.reasons[0].text.startswith("3 payments (1 cash) of 9,900 EUR within 24 h")


# --- rapid movement ---------------------------------------------------------------------------


def test_rapid_movement_fires_when_most_inflow_leaves_soon() -> None:
    account = Account()
    assert account.inc(0, 10_000.0) == []
    hit = one(account.out(30 * MIN, 8_000.0, cp="next-hop"), "rapid_movement")
    assert hit.rule == "rapid_pass_through"
    assert [r.value for r in hit.reasons] == [0.8, 0.5, 10.0]
    assert hit.reasons[0].text == (
        "80% of the 10,000 EUR received within 24 h was sent on (≥ 80%), 8,000 EUR out"
    )
    assert hit.score == pytest.approx(0.6 + 0.4 * (0.5 * 0.0 + 0.5 * (1 - 0.5 / 12)))


def test_rapid_movement_share_threshold() -> None:
    account = Account()
    account.inc(0, 10_000.0)
    assert "rapid_movement" not in typologies(account.out(HOUR, 7_999.0))


def test_rapid_movement_speed_threshold() -> None:
    slow, fast = Account(), Account()
    slow.inc(0, 10_000.0)
    fast.inc(0, 10_000.0)
    assert "rapid_movement" not in typologies(slow.out(12 * HOUR + 1, 9_000.0))
    assert "rapid_movement" in typologies(fast.out(12 * HOUR, 9_000.0))


def test_rapid_movement_minimum_inflow() -> None:
    small, enough = Account(), Account()
    small.inc(0, 4_999.0)
    enough.inc(0, 5_000.0)
    assert "rapid_movement" not in typologies(small.out(HOUR, 4_999.0))
    assert "rapid_movement" in typologies(enough.out(HOUR, 5_000.0))


def test_rapid_movement_on_a_late_incoming_leg() -> None:
    account = Account()
    assert "rapid_movement" not in typologies(account.out(HOUR, 9_000.0))
    assert "rapid_movement" in typologies(account.inc(0, 10_000.0))


def test_rapid_movement_ignores_a_hub_that_always_forwards() -> None:
    account = Account()
    for day in range(7):
        account.inc(day * DAY + 9 * HOUR, 10_000.0)
        account.out(day * DAY + 10 * HOUR, 9_500.0)
    account.inc(7 * DAY + 9 * HOUR, 10_000.0)
    assert "rapid_movement" not in typologies(account.out(7 * DAY + 10 * HOUR, 9_500.0))
    # Without the burst condition it would fire.
    loose = Account(AmlRulesConfig(rapid_min_burst=0))
    for day in range(7):
        loose.inc(day * DAY + 9 * HOUR, 10_000.0)
        loose.out(day * DAY + 10 * HOUR, 9_500.0)
    loose.inc(7 * DAY + 9 * HOUR, 10_000.0)
    assert "rapid_movement" in typologies(loose.out(7 * DAY + 10 * HOUR, 9_500.0))


# --- fan-in, fan-out --------------------------------------------------------------------------


def test_fan_in_fires_on_many_distinct_senders() -> None:
    account = Account()
    for i in range(9):
        assert "fan_in" not in typologies(account.inc(i * HOUR, 400.0, cp=f"mule-{i}"))
    hit = one(account.inc(9 * HOUR, 400.0, cp="mule-9"), "fan_in")
    assert hit.rule == "fan_in_distinct_senders"
    assert hit.reasons[0].text == "10 distinct senders within 24 h (≥ 10), 4,000 EUR received"
    assert hit.score == pytest.approx(0.6)
    assert "fan_out" not in typologies(account.out(10 * HOUR, 3_000.0))


def test_fan_in_counts_distinct_senders_only() -> None:
    account = Account()
    for i in range(12):
        hits = account.inc(i * HOUR, 400.0, cp=f"mule-{i % 9}")
    assert "fan_in" not in typologies(hits)


def test_fan_in_minimum_sum() -> None:
    account = Account()
    for i in range(10):
        hits = account.inc(i * HOUR, 299.99, cp=f"mule-{i}")
    assert "fan_in" not in typologies(hits)  # 2,999.90 EUR
    assert "fan_in" in typologies(account.inc(10 * HOUR, 0.1, cp="mule-10"))


def test_fan_in_ignores_an_account_paid_by_many_every_day() -> None:
    account = Account()
    for day in range(7):
        for i in range(12):
            account.inc(day * DAY + i * HOUR, 400.0, cp=f"client-{day}-{i}")
    assert "fan_in" not in typologies(account.inc(7 * DAY + 12 * HOUR, 400.0, cp="client-x"))


def test_fan_out_fires_on_many_distinct_receivers() -> None:
    account = Account()
    account.inc(0, 5_000.0, cp="source")
    for i in range(9):
        hits = account.out(DAY + i * MIN, 350.0, cp=f"r-{i}")
    assert "fan_out" not in typologies(hits)
    hit = one(account.out(DAY + 9 * MIN, 350.0, cp="r-9"), "fan_out")
    assert hit.rule == "fan_out_distinct_receivers"
    assert hit.reasons[0].text == "10 distinct receivers within 24 h (≥ 10), 3,500 EUR sent"
    assert hit.reasons[1].text.startswith("10 legs within 24 h")


def test_fan_out_saturated_count_is_a_lower_bound() -> None:
    account = Account(features=AmlFeaturesConfig(max_counterparties=12))
    for i in range(30):
        hits = account.out(i * MIN, 500.0, cp=f"r-{i}")
    assert one(hits, "fan_out").reasons[0].text.startswith("at least 12 distinct receivers")


# --- high-risk jurisdiction -------------------------------------------------------------------


def test_high_risk_jurisdiction_amount_floor() -> None:
    account = Account()
    assert account.out(0, 999.99, cp_country="IR") == []
    hit = one(account.out(1, 1_000.0, cp_country="IR"), "high_risk_jurisdiction")
    assert hit.rule == "high_risk_counterparty_country"
    assert hit.score == pytest.approx(0.9)
    assert hit.reasons[0].text == "1,000 EUR to IR, a high-risk jurisdiction (≥ 1,000 EUR)"


def test_monitored_jurisdiction_has_a_higher_floor_and_lower_score() -> None:
    account = Account()
    assert account.out(0, 9_999.0, cp_country="VN") == []
    hit = one(account.inc(1, 10_000.0, cp_country="VN"), "high_risk_jurisdiction")
    assert hit.score == pytest.approx(0.55)
    assert hit.reasons[0].text.startswith("10,000 EUR from VN, a jurisdiction under monitoring")
    assert Account().out(0, 1_000_001.0, cp_country="FR") == []


def test_high_risk_score_grows_with_the_amount() -> None:
    account = Account()
    hit = one(account.out(0, 10_000.0, cp_country="KP"), "high_risk_jurisdiction")
    assert hit.score == pytest.approx(0.95)


# --- dormant reactivation ---------------------------------------------------------------------


def test_dormant_account_outflow() -> None:
    account = Account()
    account.out(0, 50.0)
    hit = one(account.out(90 * DAY, 5_000.0), "dormant_reactivation")
    assert hit.rule == "dormant_account_outflow"
    assert hit.reasons[0].text == "account inactive for 90 days before this payment (≥ 90)"
    assert hit.reasons[1].text == "outflow of 5,000 EUR ≥ 5,000 EUR"
    assert hit.score == pytest.approx(0.6)


def test_dormant_thresholds() -> None:
    short, small = Account(), Account()
    short.out(0, 50.0)
    small.out(0, 50.0)
    assert "dormant_reactivation" not in typologies(short.out(89 * DAY, 50_000.0))
    assert "dormant_reactivation" not in typologies(small.out(200 * DAY, 4_999.0))


def test_dormant_reactivated_by_an_inflow_then_emptied() -> None:
    account = Account()
    account.out(0, 50.0)
    assert "dormant_reactivation" not in typologies(account.inc(180 * DAY, 20_000.0))
    hit = one(account.out(182 * DAY, 19_000.0, cp="away"), "dormant_reactivation")
    assert hit.reasons[0].text == (
        "account inactive for 180 days until less than 7 days ago (≥ 90)"
    )
    assert "dormant_reactivation" not in typologies(account.out(187 * DAY + 1, 19_000.0))


# --- velocity spike ---------------------------------------------------------------------------


def steady(account: Account, per_day: int, amount: float = 100.0) -> float:
    """A week of evenly spaced outgoing legs; returns the time after it."""
    step = DAY / per_day
    for i in range(7 * per_day):
        account.out(i * step, amount, cp=f"p-{i % 5}", channel="card")
    return 7 * DAY


def test_velocity_spike_by_count() -> None:
    account = Account()
    t = steady(account, 2)
    for i in range(9):
        assert "velocity_spike" not in typologies(account.out(t + i * MIN, 100.0))
    hit = one(account.out(t + 9 * MIN, 100.0), "velocity_spike")
    assert hit.rule == "velocity_spike_1h"
    assert re.fullmatch(
        r"10 outgoing legs in the last hour, [\d,.]+x the account's typical hour \(≥ 10x\)",
        hit.reasons[0].text,
    )


def test_velocity_spike_factor_against_a_busy_account() -> None:
    account = Account()
    t = steady(account, 24)  # a typical hour has one leg
    for i in range(9):
        hits = account.out(t + i * MIN, 100.0)
    assert "velocity_spike" not in typologies(hits)  # 9 (<10) after 1 typical
    hit = one(account.out(t + 9 * MIN, 100.0), "velocity_spike")
    # 10 legs over a typical hour of a bit less than 1 (the 7 d window undercounts a little).
    assert 10.0 <= float(hit.reasons[0].value) < 11.0


def test_velocity_spike_by_sum_needs_the_count_to_rise_too() -> None:
    # A typical hour of 4 legs of 100 EUR; the burst hour has 12 legs (3x) of 1,000 EUR (30x).
    account = Account()
    t = steady(account, 96)
    for i in range(12):
        hits = account.out(t + i * MIN, 1_000.0)
    hit = one(hits, "velocity_spike")
    # The steady legs of the last hour add a few hundred EUR to the burst's 12,000.
    assert re.match(
        r"12,\d00 EUR outgoing in the last hour, [\d.]+x the account's", hit.reasons[0].text
    )
    # 12 legs of 100 EUR: neither the count nor the sum is 10x.
    calm = Account()
    t = steady(calm, 96)
    for i in range(12):
        hits = calm.out(t + i * MIN, 100.0)
    assert "velocity_spike" not in typologies(hits)
    # One large payment in an ordinary hour: the sum is far up, the count is not.
    big = Account()
    t = steady(big, 240)
    for i in range(10):
        hits = big.out(t + i * MIN, 100_000.0 if i == 0 else 100.0)
    assert "velocity_spike" not in typologies(hits)


def test_velocity_spike_needs_history() -> None:
    account = Account()
    for i in range(20):
        hits = account.out(i * MIN, 100.0, cp=f"x-{i}")
    assert "velocity_spike" not in typologies(hits)  # a new account has no typical hour


# --- large round amount -----------------------------------------------------------------------


def test_large_round_amount() -> None:
    account = Account()
    hit = one(account.out(0, 10_000.0), "large_round_amount")
    assert hit.score == pytest.approx(0.55)
    assert hit.reasons[0].text == (
        "round amount of 10,000 EUR, a multiple of 1,000 in its currency, ≥ 10,000 EUR"
    )
    assert account.out(1, 9_000.0) == []
    assert account.out(2, 10_001.0) == []
    assert "large_round_amount" not in typologies(account.inc(3, 10_000.0))


def test_large_round_amount_in_its_own_currency() -> None:
    account = Account()
    hit = one(
        account.out(0, 2_000_000.0, currency="JPY", amount_eur=11_200.0), "large_round_amount"
    )
    assert hit.reasons[0].text.startswith("round amount of 2,000,000 JPY (11,200 EUR)")
    assert account.out(1, 12_345.0, currency="USD", amount_eur=10_616.7) == []


def test_large_round_unit_is_a_setting() -> None:
    account = Account(AmlRulesConfig(large_round_unit=100))
    assert "large_round_amount" in typologies(account.out(0, 10_100.0))


# --- engine and conversion --------------------------------------------------------------------


def test_hits_are_ordered_by_score_and_convert_to_alert_reasons() -> None:
    account = Account()
    account.out(0, 50.0)
    hits = account.out(120 * DAY, 20_000.0, cp_country="IR")
    assert [h.typology for h in hits] == [
        "high_risk_jurisdiction",
        "dormant_reactivation",
        "large_round_amount",
    ]
    reasons = to_alert_reasons(hits)
    assert [r.name for r in reasons] == [
        "high_risk_counterparty_country",
        "dormant_account_outflow",
        "dormant_account_outflow",
        "large_round_amount",
    ]
    assert all(r.source == "rule" for r in reasons)
    assert reasons[0].value == 20_000.0 and reasons[0].threshold == 1_000.0
    assert len(to_alert_reasons(hits, limit=2)) == 2
    alert = Alert(
        alert_id="0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
        kind="aml",
        typology=hits[0].typology,
        severity="high",
        score=hits[0].score,
        entity="DE89370400440532013000",
        event_ids=["3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10"],
        reasons=reasons,
        model_version="aml-rules-1",
        producer_ts_us=T0 * 1_000_000,
        detected_ts_us=T0 * 1_000_000,
    )
    assert alert.reasons[0].text.startswith("20,000 EUR to IR")


def test_rules_without_a_view_still_explain() -> None:
    state, rules = AccountState(), AmlRules()
    x = state.observe_outgoing(leg(0, 5_000.0, cp_country="IR"))
    [hit] = rules.evaluate(x)
    assert hit.reasons[0].text == "5,000 EUR to a high-risk jurisdiction (≥ 1,000 EUR)"


def test_rules_take_the_reporting_threshold_from_the_features() -> None:
    features = AmlFeaturesConfig(reporting_threshold_eur=5_000)
    account = Account(features=features)
    for i in range(3):
        hits = account.inc(i * HOUR, 4_800.0, channel="cash")
    assert one(hits, "structuring").reasons[0].threshold == 5_000.0
    assert repr(Structuring()) == "Structuring()"
