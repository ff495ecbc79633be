"""The feature settings compiled for the hot path, and the names of the features.

`AmlFeaturesConfig` is a pydantic model, checked once at start-up; the account state reads
`FeatureSpec`, a plain object with the thresholds already in the units the state computes in
(integer cents, seconds), shared by every state and never serialized with them.
"""

from __future__ import annotations

from typing import Final

from models.aml.config import AmlFeaturesConfig

__all__ = ["DEFAULT_SPEC", "FEATURE_NAMES", "FeatureSpec"]

_DAY = 86_400

FEATURE_NAMES: Final = (
    "amount_eur",
    "log_amount",
    "outgoing",
    "amount_zscore",
    "threshold_ratio",
    "near_threshold",
    "sub_threshold",
    "round_100",
    "round_1000",
    "cash",
    "crypto",
    "cross_border",
    "high_risk_country",
    "dormancy_days",
    "recent_dormancy_days",
    "account_age_days",
    "out_count_1h",
    "out_sum_1h",
    "out_count_24h",
    "out_sum_24h",
    "out_count_7d",
    "out_sum_7d",
    "in_count_1h",
    "in_sum_1h",
    "in_count_24h",
    "in_sum_24h",
    "in_count_7d",
    "in_sum_7d",
    "out_distinct_24h",
    "out_distinct_7d",
    "in_distinct_24h",
    "in_distinct_7d",
    "out_velocity_count",
    "out_velocity_sum",
    "in_velocity_count",
    "in_velocity_sum",
    "out_burst_count_24h",
    "out_burst_sum_24h",
    "in_burst_count_24h",
    "in_burst_sum_24h",
    "passthrough_share_24h",
    "passthrough_hours",
    "out_struct_count_24h",
    "out_struct_sum_24h",
    "out_struct_min_24h",
    "out_struct_max_24h",
    "out_struct_near_24h",
    "out_struct_cash_24h",
    "in_struct_count_24h",
    "in_struct_sum_24h",
    "in_struct_min_24h",
    "in_struct_max_24h",
    "in_struct_near_24h",
    "in_struct_cash_24h",
)
"""Every key of the feature dict, in order. All of them are present for every leg.

- This leg: `amount_eur`, `log_amount` (ln(1 + EUR)), `outgoing` (1 for the payer's leg, 0 for
  the payee's), `amount_zscore` (of `log_amount` against this account's earlier legs in the
  same direction; 0 until it has `zscore_min_history` of them), `threshold_ratio` (amount over
  the reporting threshold), `near_threshold` (in the band just under it), `sub_threshold` (a
  candidate structuring leg), `round_100`/`round_1000` (in its own currency), `cash`,
  `crypto`, `cross_border`, `high_risk_country` (1 high-risk, 0.5 monitored, 0 otherwise: the
  counterparty's country).
- Timing: `dormancy_days` (since the account's previous leg in either direction),
  `recent_dormancy_days` (length of a dormant period that ended within the reactivation window,
  else 0), `account_age_days` (since its first leg seen).
- Windows, per direction: `*_count_*` legs and `*_sum_*` EUR in the last 1 h, 24 h, 7 d;
  `*_distinct_*` counterparties in 24 h and 7 d (saturating at `max_counterparties`);
  `*_velocity_count`/`*_velocity_sum`: the last hour over the account's typical hour in the
  previous 7 days; `*_burst_count_24h`/`*_burst_sum_24h`: the last 24 h over the account's
  typical day in the 6 days before.
- Pass-through: `passthrough_share_24h` (outflow over inflow in 24 h, at most 1; 0 without
  inflow) and `passthrough_hours` (from the latest inflow to the outflow after it; 168 when no
  outflow followed it).
- Structuring, per direction, over the candidate legs of the last 24 h: count, sum, min and
  max in EUR, how many are near the threshold, how many are cash.
"""


class FeatureSpec:
    """`AmlFeaturesConfig` compiled into plain attributes.

    Parameters
    ----------
    config
        The feature settings; the defaults when omitted.

    Examples
    --------
    >>> spec = FeatureSpec(AmlFeaturesConfig(reporting_threshold_eur=15_000))
    >>> spec.threshold_c, spec.near_c, spec.floor_c
    (1500000, 1350000, 750000)
    """

    __slots__ = (
        "burst_min_count",
        "burst_min_sum",
        "config",
        "counterparty_channels",
        "country_risk",
        "dormancy_min_s",
        "floor_c",
        "max_counterparties",
        "max_leg_items",
        "near_c",
        "reactivation_s",
        "structuring_channels",
        "threshold_c",
        "threshold_eur",
        "velocity_min_count",
        "velocity_min_sum",
        "z_min_n",
        "z_min_std",
    )

    def __init__(self, config: AmlFeaturesConfig | None = None) -> None:
        self.config = AmlFeaturesConfig() if config is None else config
        c = self.config
        self.threshold_eur: float = c.reporting_threshold_eur
        self.threshold_c: int = round(c.reporting_threshold_eur * 100)
        self.near_c: int = round(self.threshold_c * c.near_threshold_band)
        self.floor_c: int = round(self.threshold_c * c.structuring_floor)
        self.structuring_channels: frozenset[str] = frozenset(c.structuring_channels)
        self.counterparty_channels: frozenset[str] = frozenset(c.counterparty_channels)
        risk = dict.fromkeys(c.monitored_countries, 0.5)
        risk.update(dict.fromkeys(c.high_risk_countries, 1.0))
        self.country_risk: dict[str, float] = risk
        self.max_counterparties: int = c.max_counterparties
        self.max_leg_items: int = 3 * c.max_structuring_legs
        self.dormancy_min_s: float = c.dormancy_min_days * _DAY
        self.reactivation_s: float = c.reactivation_window_days * _DAY
        self.z_min_n: int = c.zscore_min_history
        self.z_min_std: float = c.zscore_min_std
        self.velocity_min_count: float = c.velocity_min_hourly_count
        self.velocity_min_sum: float = c.velocity_min_hourly_sum_eur
        self.burst_min_count: float = c.burst_min_daily_count
        self.burst_min_sum: float = c.burst_min_daily_sum_eur

    def __repr__(self) -> str:
        return f"FeatureSpec({self.config!r})"


DEFAULT_SPEC: Final = FeatureSpec()
