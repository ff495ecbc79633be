"""What a rule returns when it fires, shared by the AML and the quantum-threat rules.

A hit is plain data (no pydantic on the hot path); `to_alert_reasons` turns its evidence into
the `AlertReason`s of an alert only when an alert is actually raised.

Examples
--------
>>> hit = RuleHit(
...     rule="legacy_crypto",
...     typology="legacy_crypto",
...     score=0.6,
...     reasons=(Evidence("version_tlsv10", "TLSv10", None, "deprecated protocol version TLSv10"),),
... )
>>> [r.name for r in to_alert_reasons(hit)]
['version_tlsv10']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from topics.messages.alert import AlertReason

__all__ = ["Evidence", "RuleHit", "to_alert_reasons"]

# AlertReason allows at most this many reasons per alert.
MAX_REASONS = 64


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# building a hit's evidence the most expensive step of scoring a handshake (2.2 us against
# 0.5 us per instance). Treat both as immutable.
@dataclass(slots=True)
class Evidence:
    """One reason of a hit: the field or check, its observed value, the threshold it crossed
    (if it is a threshold rule) and the reason in words. Mirrors `AlertReason`."""

    name: str
    value: float | str | None
    threshold: float | None
    text: str
    source: Literal["rule", "feature"] = "rule"


@dataclass(slots=True)
class RuleHit:
    """A rule that fired: its id, the typology it reports, a score in [0, 1] and the evidence,
    most important first."""

    rule: str
    typology: str
    score: float
    reasons: tuple[Evidence, ...]


def to_alert_reasons(
    hits: RuleHit | Iterable[RuleHit], limit: int = MAX_REASONS
) -> list[AlertReason]:
    """The evidence of one or more hits as alert reasons, in order, at most `limit` of them
    (an alert carries at most 64)."""
    if isinstance(hits, RuleHit):
        hits = (hits,)
    out: list[AlertReason] = []
    for hit in hits:
        for ev in hit.reasons:
            if len(out) >= limit:
                return out
            value = ev.value[:256] if isinstance(ev.value, str) else ev.value
            out.append(
                AlertReason(
                    source=ev.source,
                    name=ev.name,
                    value=value,
                    threshold=ev.threshold,
                    text=ev.text[:1024],
                )
            )
    return out
