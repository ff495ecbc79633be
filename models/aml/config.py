"""Every AML setting in one place: what the account state measures, when each rule fires, and
how rule hits and model scores become one risk score and a severity.

Frozen pydantic models, validated once when the worker starts; the hot path never touches them
(`FeatureSpec`, the rules and the risk scorer copy what they need into plain attributes).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.aml.fx import DEFAULT_EUR_RATES
from models.aml.jurisdictions import FATF_CALL_FOR_ACTION, FATF_INCREASED_MONITORING
from models.sanctions.config import SanctionsConfig
from topics.messages.transaction import Channel

__all__ = ["AmlConfig", "AmlFeaturesConfig", "AmlRulesConfig", "RiskConfig"]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
CountryCodes = frozenset[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]]

_NON_CARD: frozenset[Channel] = frozenset({"wire", "ach", "cash", "crypto"})


class _Config(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True
    )


class AmlFeaturesConfig(_Config):
    """What the per-account state measures (models.aml.state)."""

    reporting_threshold_eur: Positive = 10_000.0
    """Cash/transfer reporting threshold the structuring features are measured against."""
    near_threshold_band: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.9
    """Amounts in [band x threshold, threshold) are "just under" it (default 9,000-9,999.99)."""
    structuring_floor: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    """Legs in [floor x threshold, threshold) on `structuring_channels` are kept as candidate
    structuring legs (default 5,000-9,999.99 EUR)."""
    structuring_channels: frozenset[Channel] = _NON_CARD
    """Channels whose legs can be structuring legs: cash and transfers, not card payments."""
    counterparty_channels: frozenset[Channel] = _NON_CARD
    """Channels whose counterparties count as distinct senders/receivers (fan-in/out). Card
    payments are left out: a merchant paid by many cards is the normal case."""
    high_risk_countries: CountryCodes = FATF_CALL_FOR_ACTION
    """Counterparty countries flagged 1.0 by `high_risk_country` (default: FATF call for
    action)."""
    monitored_countries: CountryCodes = FATF_INCREASED_MONITORING
    """Counterparty countries flagged 0.5 (default: FATF increased monitoring)."""
    eur_rates: dict[str, Positive] = Field(default_factory=lambda: dict(DEFAULT_EUR_RATES))
    """Static EUR per unit of each currency (models.aml.fx)."""
    max_counterparties: Annotated[int, Field(ge=1, le=4096)] = 32
    """Distinct counterparties remembered per direction; counts saturate at this cap."""
    max_structuring_legs: Annotated[int, Field(ge=1, le=1024)] = 16
    """Candidate structuring legs remembered per direction (the newest within 24 h)."""
    dormancy_min_days: Positive = 30.0
    """A gap in activity at least this long is remembered as a dormant period."""
    reactivation_window_days: Positive = 7.0
    """How long after a dormant period ends `recent_dormancy_days` keeps reporting it."""
    zscore_min_history: Annotated[int, Field(ge=2)] = 5
    """Legs of one direction needed before `amount_zscore` is reported (0 before)."""
    zscore_min_std: Positive = 0.25
    """Floor of the standard deviation of ln(1 + amount): an account that always pays the
    same amount would otherwise give huge z-scores for a few cents' difference."""
    velocity_min_hourly_count: Positive = 1.0 / 24.0
    """Floor of the typical hourly count, so a quiet account's ratio stays finite."""
    velocity_min_hourly_sum_eur: Positive = 100.0
    """Floor of the typical hourly sum in EUR, for the same reason."""
    burst_min_daily_count: Positive = 1.0
    """Floor of the typical daily count in the `*_burst_*` features."""
    burst_min_daily_sum_eur: Positive = 1_000.0
    """Floor of the typical daily sum in EUR in the `*_burst_*` features."""


class AmlRulesConfig(_Config):
    """When each named rule fires (models.aml.rules). `*_score` is the rule's score when it
    just fires; it grows towards 1 with the margin, as each rule's docstring says. With the
    default `RiskConfig`, any rule at or above 0.5 raises an alert on its own."""

    structuring_min_legs: Annotated[int, Field(ge=1)] = 3
    """Sub-threshold legs of one direction within 24 h."""
    structuring_min_sum_ratio: Positive = 1.0
    """... whose sum reaches this multiple of the reporting threshold."""
    structuring_min_share: Share = 0.5
    """... and make up at least this share of the account's legs in that direction within
    24 h, so a business among whose many payments some are mid-sized does not fire."""
    structuring_score: Share = 0.45
    """Score when none of the legs is near the threshold; near-threshold legs add up to 0.35."""

    rapid_min_inflow_eur: NonNegative = 5_000.0
    """Inflow within 24 h before pass-through is considered."""
    rapid_min_share: Share = 0.8
    """Share of that inflow sent out within 24 h."""
    rapid_max_hours: Positive = 12.0
    """Hours from the latest inflow to the outflow that follows it."""

    rapid_min_burst: NonNegative = 3.0
    """The 24 h inflow must be this multiple of the account's typical day (`in_burst_sum_24h`):
    an account that always forwards what it receives (a payment hub) is not a pass-through
    burst. 0 turns the condition off."""
    rapid_score: Share = 0.6

    fan_in_min_senders: Annotated[int, Field(ge=2)] = 10
    """Distinct senders into the account within 24 h."""
    fan_in_min_sum_eur: NonNegative = 3_000.0
    """Inflow within 24 h, so micro-payments from many people do not count."""
    fan_in_score: Share = 0.6

    fan_out_min_receivers: Annotated[int, Field(ge=2)] = 10
    """Distinct receivers paid by the account within 24 h."""
    fan_out_min_sum_eur: NonNegative = 3_000.0
    """Outflow within 24 h."""
    fan_out_score: Share = 0.6

    fan_min_burst: NonNegative = 3.0
    """The 24 h count of legs in that direction must be this multiple of the account's typical
    day (`*_burst_count_24h`), so a merchant or payroll account paid by or paying many people
    every day does not fire. 0 turns the condition off."""

    high_risk_min_eur: NonNegative = 1_000.0
    """Amount floor for a counterparty in a `high_risk_countries` jurisdiction."""
    high_risk_score: Share = 0.9
    monitored_min_eur: NonNegative = 10_000.0
    """Amount floor for a counterparty in a `monitored_countries` jurisdiction."""
    monitored_score: Share = 0.55

    dormant_min_days: Positive = 90.0
    """Length of the dormant period before the outflow (at least `dormancy_min_days`)."""
    dormant_min_eur: NonNegative = 5_000.0
    """Amount of the outflow."""
    dormant_score: Share = 0.6

    velocity_min_count: Annotated[int, Field(ge=1)] = 10
    """Legs of one direction in the last hour."""
    velocity_factor: Annotated[float, Field(gt=1.0)] = 10.0
    """Multiple of the account's typical hourly count or sum (over the previous 7 days)."""
    velocity_sum_min_count_ratio: NonNegative = 3.0
    """A spike in the sum counts only if the count is also this multiple of the typical hour:
    one large payment is not a velocity spike (the amount z-score covers it)."""
    velocity_min_history_days: NonNegative = 1.0
    """Account history needed for a typical rate to mean anything."""
    velocity_score: Share = 0.55

    large_round_min_eur: NonNegative = 10_000.0
    """Amount of an outgoing leg that is a multiple of `large_round_unit`."""
    large_round_unit: Literal[100, 1000] = 1000
    """In the transaction's own currency: 9,000 USD is round, its EUR value is not."""
    large_round_score: Share = 0.55

    sanctions: SanctionsConfig | None = None
    """The lists that `sanctions_match` screens account holders' names against; the rule is
    off while this is None."""
    sanctions_score: Share = 0.85
    """Score of a match at the list threshold; it grows to 1 at a similarity of 100."""


class RiskConfig(_Config):
    """How rule hits and model scores combine (models.aml.risk).

    risk = 1 - (1 - R) * (1 - anomaly_weight * a) * (1 - classifier_weight * c), with R the
    noisy-OR of the rule scores and a, c the model scores mapped linearly from [floor, ceiling]
    to [0, 1] (clipped; a missing model counts as 0). Severity: the highest of
    critical/high/medium/low whose threshold the risk reaches, else info.
    """

    anomaly_weight: Share = 0.4
    """Below `alert_threshold` by default: an anomaly alone corroborates, it does not alert."""
    anomaly_floor: Share = 0.6
    """Anomaly score that counts as no evidence: models.hst.HalfSpaceTrees scores ordinary
    traffic around 0.5 and outliers around 0.65-0.8 (0.0 while warming up)."""
    anomaly_ceiling: Share = 0.9
    """Anomaly score that counts as full evidence."""
    classifier_weight: Share = 0.8
    """The supervised model learns from analysts' labels, so it may alert on its own."""
    classifier_floor: Share = 0.5
    """Classifier probability that counts as no evidence: set it to the classifier's `prior`,
    which it returns until it has enough labels."""
    classifier_ceiling: Share = 1.0
    """Classifier probability that counts as full evidence."""
    alert_threshold: Share = 0.5
    low: Share = 0.5
    medium: Share = 0.7
    high: Share = 0.85
    critical: Share = 0.95

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.medium <= self.high <= self.critical:
            raise ValueError("severity thresholds must satisfy low <= medium <= high <= critical")
        if not (
            self.anomaly_floor < self.anomaly_ceiling
            and self.classifier_floor < self.classifier_ceiling
        ):
            raise ValueError("each model's floor must be below its ceiling")
        return self


class AmlConfig(_Config):
    """The AML scoring settings as one object, for the worker's settings."""

    features: AmlFeaturesConfig = Field(default_factory=AmlFeaturesConfig)
    rules: AmlRulesConfig = Field(default_factory=AmlRulesConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        rules, features = self.rules, self.features
        if rules.dormant_min_days < features.dormancy_min_days:
            raise ValueError(
                "rules.dormant_min_days must be at least features.dormancy_min_days: "
                "shorter dormant periods are not remembered"
            )
        if max(rules.fan_in_min_senders, rules.fan_out_min_receivers) > features.max_counterparties:
            raise ValueError(
                "rules.fan_in_min_senders and fan_out_min_receivers must be at most "
                "features.max_counterparties: counts saturate at that cap"
            )
        return self
