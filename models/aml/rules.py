"""Named AML rules over the feature dict of one leg (models.aml.state).

Each rule reads a few features, fires when they cross its thresholds (`AmlRulesConfig`) and
returns a `RuleHit` whose reasons state the observed values, the thresholds and the evidence in
words. Rules run on every leg, so they compare plain floats copied from the config; they only
format text once they fire.

| rule id | typology | legs | fires when (defaults) |
|---|---|---|---|
| structuring_below_threshold | structuring | both | this leg is a candidate and >= 3 candidate legs (5,000-9,999.99 EUR, cash or transfer) in 24 h sum to >= 10,000 EUR and are >= 50 % of that direction's legs |
| rapid_pass_through | rapid_movement | both | >= 5,000 EUR received in 24 h (>= 3x the typical day), >= 80 % of it sent out in 24 h, the outflow <= 12 h after the latest inflow |
| fan_in_distinct_senders | fan_in | in | >= 10 distinct senders in 24 h, >= 3,000 EUR received, >= 3x the typical day's incoming legs |
| fan_out_distinct_receivers | fan_out | out | >= 10 distinct receivers in 24 h, >= 3,000 EUR sent, >= 3x the typical day's outgoing legs |
| high_risk_counterparty_country | high_risk_jurisdiction | both | counterparty in a high-risk jurisdiction and >= 1,000 EUR, or in a monitored one and >= 10,000 EUR |
| dormant_account_outflow | dormant_reactivation | out | a dormant period of >= 90 days ended within 7 days and this outflow is >= 5,000 EUR |
| velocity_spike_1h | velocity_spike | both | >= 10 legs in the last hour, >= 10x the typical hour in count (or in sum, with >= 3x in count), history >= 1 day |
| large_round_amount | large_round_amount | out | a multiple of 1,000 in its own currency and >= 10,000 EUR |
| sanctions_match | sanctions_match | both | only with a list configured: this account holder's name scores >= 88 against a listed name or alias (models.aml.sanctions) |

"Typical" is the account's own history: the previous 7 days for an hour, the 6 days before the
last 24 h for a day, with floors for quiet accounts. An account's first day has no history, so
its typical day is the floor: brand-new accounts can fire fan and pass-through rules on their
first day (deliberately: a new account used as a hub is suspicious), and so can every account
in the first day after a deployment starts with empty tables.

A structuring or pass-through pattern fires on the leg that completes it, which for a late
incoming leg (the repartition hop is slower) can be that incoming leg.
"""  # noqa: E501

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import ClassVar, Final

from models.aml.config import AmlFeaturesConfig, AmlRulesConfig
from models.aml.view import TxnView
from models.rules import Evidence, RuleHit
from models.sanctions.screener import SanctionsScreener

__all__ = [
    "RULE_CLASSES",
    "TYPOLOGIES",
    "AmlRules",
    "DormantReactivation",
    "FanIn",
    "FanOut",
    "HighRiskJurisdiction",
    "LargeRoundAmount",
    "RapidMovement",
    "Rule",
    "Structuring",
    "VelocitySpike",
]

Features = Mapping[str, float]

_NEAR_BONUS = 0.35
_COUNT_BONUS = 0.2


def _ramp(x: float, lo: float, hi: float) -> float:
    """0 at `lo`, 1 at `hi`, linear in between."""
    if x <= lo:
        return 0.0
    if x >= hi:
        return 1.0
    return (x - lo) / (hi - lo)


def _eur(amount: float) -> str:
    return f"{amount:,.0f} EUR"


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


class Rule(abc.ABC):
    """A named rule: `evaluate` returns a hit or None.

    Parameters
    ----------
    config
        The rule thresholds.
    features
        The feature settings the features were computed with (the reporting threshold and the
        counterparty cap appear in reasons).
    """

    rule_id: ClassVar[str]
    typology: ClassVar[str]

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        self.config = AmlRulesConfig() if config is None else config
        self.features = AmlFeaturesConfig() if features is None else features

    @abc.abstractmethod
    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        """A hit if the rule fires on this leg's features; `view` only enriches the text."""

    def _hit(self, score: float, *reasons: Evidence) -> RuleHit:
        score = 0.0 if score < 0.0 else 1.0 if score > 1.0 else score
        return RuleHit(self.rule_id, self.typology, score, reasons)

    def _reason(self, value: float | str, threshold: float | None, text: str) -> Evidence:
        return Evidence(self.rule_id, value, threshold, text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Structuring(Rule):
    """Several candidate legs (just under the reporting threshold, cash or transfer) within
    24 h that together reach it.

    Score: `structuring_score` + 0.35 x the share of legs in the near-threshold band + 0.2 x
    how far the count is from `structuring_min_legs` towards twice that.

    Examples
    --------
    >>> x = {"outgoing": 0.0, "sub_threshold": 1.0, "in_count_24h": 5, "in_struct_count_24h": 4,
    ...      "in_struct_sum_24h": 38_100.0, "in_struct_min_24h": 9_200.0,
    ...      "in_struct_max_24h": 9_800.0, "in_struct_near_24h": 4, "in_struct_cash_24h": 4}
    >>> hit = Structuring().evaluate(x)
    >>> round(hit.score, 3)
    0.867
    >>> print(hit.reasons[0].text)
    4 cash deposits of 9,200-9,800 EUR within 24 h sum to 38,100 EUR ≥ 10,000 EUR
    """

    rule_id = "structuring_below_threshold"
    typology = "structuring"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        self._min_legs = self.config.structuring_min_legs
        self._threshold = self.features.reporting_threshold_eur
        self._min_sum = self.config.structuring_min_sum_ratio * self._threshold
        self._min_share = self.config.structuring_min_share
        self._base = self.config.structuring_score
        self._band = self.features.near_threshold_band

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        if not x["sub_threshold"]:
            return None
        p = "out_" if x["outgoing"] else "in_"
        count = x[p + "struct_count_24h"]
        total = x[p + "struct_sum_24h"]
        if count < self._min_legs or total < self._min_sum:
            return None
        if count < self._min_share * x[p + "count_24h"]:
            return None
        near = x[p + "struct_near_24h"]
        cash = x[p + "struct_cash_24h"]
        score = (
            self._base
            + _NEAR_BONUS * near / count
            + _COUNT_BONUS * _ramp(count, self._min_legs, 2 * self._min_legs)
        )
        noun = "payments" if p == "out_" else "deposits"
        if cash == count:
            noun = "cash " + noun
        elif cash:
            noun = f"{noun} ({cash:.0f} cash)"
        lo = x[p + "struct_min_24h"]
        hi = x[p + "struct_max_24h"]
        spread = f"{lo:,.0f}-{hi:,.0f} EUR" if hi > lo else _eur(lo)
        reasons = [
            self._reason(
                total,
                self._min_sum,
                f"{count:.0f} {noun} of {spread} within 24 h sum to {_eur(total)} "
                f"≥ {_eur(self._min_sum)}",
            ),
            self._reason(
                float(count),
                float(self._min_legs),
                f"{count:.0f} legs just under the {_eur(self._threshold)} threshold within "
                f"24 h (≥ {self._min_legs}), {near:.0f} of them within "
                f"{self._band:.0%}-100% of it",
            ),
        ]
        return self._hit(score, *reasons)


class RapidMovement(Rule):
    """Most of the money received in the last 24 h sent on soon after it arrived.

    Score: `rapid_score` + (1 - it) x (half how far the share is from `rapid_min_share` to 1,
    half how much faster than `rapid_max_hours` the outflow followed).
    """

    rule_id = "rapid_pass_through"
    typology = "rapid_movement"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        self._min_inflow = self.config.rapid_min_inflow_eur
        self._min_share = self.config.rapid_min_share
        self._max_hours = self.config.rapid_max_hours
        self._min_burst = self.config.rapid_min_burst
        self._base = self.config.rapid_score

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        hours = x["passthrough_hours"]
        if hours > self._max_hours:
            return None
        inflow = x["in_sum_24h"]
        share = x["passthrough_share_24h"]
        burst = x["in_burst_sum_24h"]
        if inflow < self._min_inflow or share < self._min_share or burst < self._min_burst:
            return None
        speed = 1.0 - hours / self._max_hours
        score = self._base + (1.0 - self._base) * (
            0.5 * _ramp(share, self._min_share, 1.0) + 0.5 * speed
        )
        return self._hit(
            score,
            self._reason(
                share,
                self._min_share,
                f"{share:.0%} of the {_eur(inflow)} received within 24 h was sent on "
                f"(≥ {self._min_share:.0%}), {_eur(x['out_sum_24h'])} out",
            ),
            self._reason(
                hours,
                self._max_hours,
                f"outflow {hours:.1f} h after the latest inflow (≤ {self._max_hours:g} h)",
            ),
            self._reason(
                burst,
                self._min_burst,
                f"inflow within 24 h {_num(burst)}x the account's typical day "
                f"(≥ {self._min_burst:g}x)",
            ),
        )


class _Fan(Rule):
    """Many distinct counterparties in one direction within a window."""

    _direction: ClassVar[str]
    _noun: ClassVar[str]
    _verb: ClassVar[str]

    def _setup(self, minimum: int, min_sum: float, base: float) -> None:
        d = self._direction
        self._min = minimum
        self._key = f"{d}_distinct_24h"
        self._sum_key = f"{d}_sum_24h"
        self._count_key = f"{d}_count_24h"
        self._burst_key = f"{d}_burst_count_24h"
        self._min_sum = min_sum
        self._min_burst = self.config.fan_min_burst
        self._base = base
        self._cap = self.features.max_counterparties
        self._outgoing = d == "out"

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        if bool(x["outgoing"]) != self._outgoing:
            return None
        distinct = x[self._key]
        total = x[self._sum_key]
        burst = x[self._burst_key]
        if distinct < self._min or total < self._min_sum or burst < self._min_burst:
            return None
        score = self._base + (1.0 - self._base) * _ramp(distinct, self._min, 3 * self._min)
        count = f"at least {distinct:.0f}" if distinct >= self._cap else f"{distinct:.0f}"
        return self._hit(
            score,
            self._reason(
                float(distinct),
                float(self._min),
                f"{count} distinct {self._noun} within 24 h (≥ {self._min}), "
                f"{_eur(total)} {self._verb}",
            ),
            self._reason(
                burst,
                self._min_burst,
                f"{x[self._count_key]:.0f} legs within 24 h, {_num(burst)}x the account's "
                f"typical day (≥ {self._min_burst:g}x)",
            ),
        )


class FanIn(_Fan):
    """Many distinct senders paying into one account (collection, mule aggregation).

    Score: `fan_in_score` + (1 - it) x how far the count is from the minimum to 3 times it.
    """

    rule_id = "fan_in_distinct_senders"
    typology = "fan_in"
    _direction = "in"
    _noun = "senders"
    _verb = "received"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        c = self.config
        self._setup(c.fan_in_min_senders, c.fan_in_min_sum_eur, c.fan_in_score)


class FanOut(_Fan):
    """One account paying many distinct receivers (distribution, layering).

    Score: `fan_out_score` + (1 - it) x how far the count is from the minimum to 3 times it.
    """

    rule_id = "fan_out_distinct_receivers"
    typology = "fan_out"
    _direction = "out"
    _noun = "receivers"
    _verb = "sent"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        c = self.config
        self._setup(c.fan_out_min_receivers, c.fan_out_min_sum_eur, c.fan_out_score)


class HighRiskJurisdiction(Rule):
    """A counterparty in a high-risk (or monitored) jurisdiction, above an amount floor.

    Score: the list's score + half the rest x how far the amount is from the floor to 10 times
    it.
    """

    rule_id = "high_risk_counterparty_country"
    typology = "high_risk_jurisdiction"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        c = self.config
        self._levels = {
            1.0: (c.high_risk_min_eur, c.high_risk_score, "a high-risk jurisdiction"),
            0.5: (c.monitored_min_eur, c.monitored_score, "a jurisdiction under monitoring"),
        }

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        level = x["high_risk_country"]
        if not level:
            return None
        floor, base, what = self._levels[level]
        amount = x["amount_eur"]
        if amount < floor:
            return None
        score = base + 0.5 * (1.0 - base) * _ramp(amount, floor, 10 * floor)
        where = f"{view.counterparty_country}, {what}" if view is not None else what
        direction = "to" if x["outgoing"] else "from"
        return self._hit(
            score,
            self._reason(amount, floor, f"{_eur(amount)} {direction} {where} (≥ {floor:,.0f} EUR)"),
        )


class DormantReactivation(Rule):
    """A large outflow shortly after a long dormant period ended.

    Score: `dormant_score` + (1 - it) x the mean of how far the dormant period is from the
    minimum to 4 times it and how far the amount is from the floor to 10 times it.
    """

    rule_id = "dormant_account_outflow"
    typology = "dormant_reactivation"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        self._min_days = self.config.dormant_min_days
        self._min_eur = self.config.dormant_min_eur
        self._base = self.config.dormant_score
        self._window = self.features.reactivation_window_days

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        if not x["outgoing"]:
            return None
        days = x["recent_dormancy_days"]
        amount = x["amount_eur"]
        if days < self._min_days or amount < self._min_eur:
            return None
        score = self._base + (1.0 - self._base) * 0.5 * (
            _ramp(days, self._min_days, 4 * self._min_days)
            + _ramp(amount, self._min_eur, 10 * self._min_eur)
        )
        if x["dormancy_days"] == days:
            when = "before this payment"
        else:
            when = f"until less than {self._window:g} days ago"
        return self._hit(
            score,
            self._reason(
                days,
                self._min_days,
                f"account inactive for {days:.0f} days {when} (≥ {self._min_days:g})",
            ),
            self._reason(
                amount, self._min_eur, f"outflow of {_eur(amount)} ≥ {_eur(self._min_eur)}"
            ),
        )


class VelocitySpike(Rule):
    """Far more legs (or money) in the last hour than in the account's typical hour.

    Score: `velocity_score` + (1 - it) x how far the larger ratio is from the factor to 4 times
    it.
    """

    rule_id = "velocity_spike_1h"
    typology = "velocity_spike"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        self._min_count = self.config.velocity_min_count
        self._factor = self.config.velocity_factor
        self._min_days = self.config.velocity_min_history_days
        self._sum_count_ratio = self.config.velocity_sum_min_count_ratio
        self._base = self.config.velocity_score

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        p = "out_" if x["outgoing"] else "in_"
        count = x[p + "count_1h"]
        if count < self._min_count or x["account_age_days"] < self._min_days:
            return None
        by_count = x[p + "velocity_count"]
        by_sum = x[p + "velocity_sum"]
        factor = self._factor
        if by_count < factor and (by_sum < factor or by_count < self._sum_count_ratio):
            return None
        score = self._base + (1.0 - self._base) * _ramp(max(by_count, by_sum), factor, 4 * factor)
        legs = "outgoing" if p == "out_" else "incoming"
        reasons = []
        if by_count >= factor:
            reasons.append(
                self._reason(
                    by_count,
                    factor,
                    f"{count:.0f} {legs} legs in the last hour, {_num(by_count)}x the account's "
                    f"typical hour (≥ {factor:g}x)",
                )
            )
        if by_sum >= factor:
            reasons.append(
                self._reason(
                    by_sum,
                    factor,
                    f"{_eur(x[p + 'sum_1h'])} {legs} in the last hour, {_num(by_sum)}x the "
                    f"account's typical hour (≥ {factor:g}x)",
                )
            )
        return self._hit(score, *reasons)


class LargeRoundAmount(Rule):
    """A large outgoing amount that is round in its own currency.

    Score: `large_round_score` + half the rest x how far the amount is from the floor to 10
    times it.
    """

    rule_id = "large_round_amount"
    typology = "large_round_amount"

    def __init__(
        self, config: AmlRulesConfig | None = None, features: AmlFeaturesConfig | None = None
    ) -> None:
        super().__init__(config, features)
        self._min_eur = self.config.large_round_min_eur
        self._unit = self.config.large_round_unit
        self._key = f"round_{self._unit}"
        self._base = self.config.large_round_score

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        if not x["outgoing"] or not x[self._key]:
            return None
        amount = x["amount_eur"]
        if amount < self._min_eur:
            return None
        score = self._base + 0.5 * (1.0 - self._base) * _ramp(
            amount, self._min_eur, 10 * self._min_eur
        )
        if view is not None and view.currency != "EUR":
            what = f"{view.amount:,.0f} {view.currency} ({_eur(amount)})"
        else:
            what = _eur(amount)
        return self._hit(
            score,
            self._reason(
                amount,
                self._min_eur,
                f"round amount of {what}, a multiple of {self._unit:,} in its currency, "
                f"≥ {_eur(self._min_eur)}",
            ),
        )


RULE_CLASSES: Final[tuple[type[Rule], ...]] = (
    Structuring,
    RapidMovement,
    FanIn,
    FanOut,
    HighRiskJurisdiction,
    DormantReactivation,
    VelocitySpike,
    LargeRoundAmount,
)
TYPOLOGIES: Final = tuple(cls.typology for cls in RULE_CLASSES)


class AmlRules:
    """Every named rule under one configuration, and `sanctions_match` (models.aml.sanctions)
    when `config.sanctions` names a list or a screener is given.

    Parameters
    ----------
    config
        The rule thresholds; the defaults when omitted.
    features
        The feature settings the features were computed with; the defaults when omitted.
    screener
        A sanctions screener to use instead of loading `config.sanctions`.

    Examples
    --------
    >>> from models.aml.state import AccountState
    >>> from models.aml.view import TxnView
    >>> state, rules = AccountState(), AmlRules()
    >>> leg = TxnView(1_767_225_600_000_000, 50_000.0, "USD", 43_000.0, "wire", "acct-b",
    ...               "DE", "IR")
    >>> x = state.observe_outgoing(leg)
    >>> [(h.typology, round(h.score, 2)) for h in rules.evaluate(x, leg)]
    [('high_risk_jurisdiction', 0.95), ('large_round_amount', 0.63)]
    >>> print(rules.evaluate(x, leg)[0].reasons[0].text)
    43,000 EUR to IR, a high-risk jurisdiction (≥ 1,000 EUR)
    """

    __slots__ = ("config", "features", "rules", "screener")

    def __init__(
        self,
        config: AmlRulesConfig | None = None,
        features: AmlFeaturesConfig | None = None,
        screener: SanctionsScreener | None = None,
    ) -> None:
        self.config = AmlRulesConfig() if config is None else config
        self.features = AmlFeaturesConfig() if features is None else features
        self.screener = screener
        rules = [cls(self.config, self.features) for cls in RULE_CLASSES]
        if screener is not None or self.config.sanctions is not None:
            # Imported here: models.aml.sanctions subclasses Rule from this module.
            from models.aml.sanctions import SanctionsMatch

            rules.append(SanctionsMatch(self.config, self.features, screener))
        self.rules: tuple[Rule, ...] = tuple(rules)

    def evaluate(self, x: Features, view: TxnView | None = None) -> list[RuleHit]:
        """The rules that fire on this leg, highest score first (usually none)."""
        hits = []
        for rule in self.rules:
            hit = rule.evaluate(x, view)
            if hit is not None:
                hits.append(hit)
        if len(hits) > 1:
            hits.sort(key=lambda h: h.score, reverse=True)
        return hits

    def __repr__(self) -> str:
        return f"AmlRules({len(self.rules)} rules)"
