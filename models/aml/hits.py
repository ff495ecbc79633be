"""What a rule returns when it fires, and its conversion to alert reasons.

Plain frozen dataclasses: hits are built only when a rule fires, but rules run on every leg,
and the pydantic `AlertReason` is built only when the agent raises an alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from topics.messages.alert import AlertReason

__all__ = ["RuleHit", "RuleReason", "to_alert_reasons"]


@dataclass(frozen=True, slots=True)
class RuleReason:
    """One piece of evidence of a rule: what was observed against which threshold."""

    rule: str
    """Rule id, e.g. `structuring_below_threshold`."""
    value: float | str
    """The observed value (or a text such as a country code)."""
    threshold: float | None
    """The value it was compared with; None for evidence without a threshold."""
    text: str
    """The reason in words, for an analyst."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired on one leg."""

    rule: str
    typology: str
    """structuring, rapid_movement, fan_in, fan_out, high_risk_jurisdiction,
    dormant_reactivation, velocity_spike or large_round_amount."""
    score: float
    """In [0, 1]: the rule's base score, raised by how far beyond its thresholds the leg is."""
    reasons: tuple[RuleReason, ...]
    """Most important first; never empty."""


def to_alert_reasons(hits: Iterable[RuleHit], limit: int = 64) -> list[AlertReason]:
    """The reasons of `hits` as alert reasons (`source="rule"`), strongest hit first, at most
    `limit` of them (an alert carries at most 64).

    Examples
    --------
    >>> hit = RuleHit("large_round_amount", "large_round_amount", 0.6, (
    ...     RuleReason("large_round_amount", 50_000.0, 10_000.0,
    ...                "round amount of 50,000 EUR >= 10,000 EUR"),))
    >>> [r.model_dump() for r in to_alert_reasons([hit])]  # doctest: +NORMALIZE_WHITESPACE
    [{'source': 'rule', 'name': 'large_round_amount', 'value': 50000.0, 'threshold': 10000.0,
      'text': 'round amount of 50,000 EUR >= 10,000 EUR'}]
    """
    reasons: list[AlertReason] = []
    for hit in sorted(hits, key=lambda h: h.score, reverse=True):
        for reason in hit.reasons:
            if len(reasons) == limit:
                return reasons
            value = reason.value if isinstance(reason.value, str) else float(reason.value)
            reasons.append(
                AlertReason(
                    source="rule",
                    name=reason.rule,
                    value=value,
                    threshold=None if reason.threshold is None else float(reason.threshold),
                    text=reason.text,
                )
            )
    return reasons
