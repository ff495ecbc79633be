"""One AML risk score in [0, 1] from rule hits and model scores, and its severity.

    R    = 1 - prod(1 - s_i)                  noisy-OR of the rule scores s_i
    a    = clip((A - anomaly_floor) / (anomaly_ceiling - anomaly_floor), 0, 1)
    c    = clip((C - classifier_floor) / (classifier_ceiling - classifier_floor), 0, 1)
    risk = 1 - (1 - R) (1 - w_a a) (1 - w_c c)

with A the anomaly score (the HalfSpaceTrees wrapper) and C the supervised classifier's
probability, both optional (a missing or NaN score counts as no evidence), and w_a, w_c their
weights (`RiskConfig`). The floors turn a model's "nothing unusual" level (about 0.5 for
HalfSpaceTrees on ordinary traffic, the classifier's prior while it has too few labels) into
zero evidence. Each source is read as independent evidence that the leg is suspicious: any
strong source alone gives a high risk, agreeing sources raise it further, and nothing lowers
what a rule found. With the default weights an anomaly alone stays below the alert threshold
(0.4 < 0.5) and only corroborates, while the classifier, trained on analysts' labels, may
alert alone (from C = 0.8125: 0.8 x 0.625 = 0.5).

Severity is the highest of critical / high / medium / low whose threshold the risk reaches,
else info; an alert is raised at `alert_threshold`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple

from models.aml.config import RiskConfig
from models.rules import RuleHit
from topics.messages.alert import Severity

__all__ = ["ANOMALY_TYPOLOGY", "CLASSIFIER_TYPOLOGY", "RiskAssessment", "RiskScorer"]

ANOMALY_TYPOLOGY: Final = "anomaly"
"""Typology of a risk driven by the anomaly model rather than a rule."""
CLASSIFIER_TYPOLOGY: Final = "learned_pattern"
"""Typology of a risk driven by the supervised classifier rather than a rule."""


class RiskAssessment(NamedTuple):
    """The combined verdict on one leg."""

    score: float
    """The risk in [0, 1]."""
    severity: Severity
    alert: bool
    """Whether the risk reaches the alert threshold."""
    typology: str | None
    """The strongest source: the top rule hit's typology, else `anomaly` or `learned_pattern`;
    None when nothing contributed."""
    rules_score: float
    """R, the noisy-OR of the rule scores alone."""
    hits: tuple[RuleHit, ...]
    """The rule hits, highest score first."""


def _evidence(score: float | None, floor: float, span: float) -> float:
    # NaN fails every comparison, so it ends up as 0 with the missing models.
    if score is None or not score > floor:
        return 0.0
    e = (score - floor) / span
    return 1.0 if e > 1.0 else e


class RiskScorer:
    """Combines rule hits and model scores into one risk score and severity.

    Parameters
    ----------
    config
        Weights and thresholds; the defaults when omitted.

    Examples
    --------
    >>> from models.rules import RuleHit
    >>> scorer = RiskScorer()
    >>> hit = RuleHit("fan_in_distinct_senders", "fan_in", 0.6, ())
    >>> scorer.assess([hit]).score, scorer.assess([hit]).severity
    (0.6, 'low')
    >>> a = scorer.assess([hit, hit], anomaly=0.75)
    >>> round(a.score, 3), a.severity, a.typology
    (0.872, 'high', 'fan_in')
    >>> a = scorer.assess([], anomaly=0.9)
    >>> round(a.score, 2), a.alert, a.typology
    (0.4, False, 'anomaly')
    >>> scorer.assess([], anomaly=0.5, classifier=0.5).score  # ordinary, and no opinion
    0.0
    """

    __slots__ = (
        "_a_floor",
        "_a_span",
        "_a_weight",
        "_alert",
        "_c_floor",
        "_c_span",
        "_c_weight",
        "_levels",
        "config",
    )

    def __init__(self, config: RiskConfig | None = None) -> None:
        self.config = RiskConfig() if config is None else config
        c = self.config
        self._a_weight = c.anomaly_weight
        self._a_floor = c.anomaly_floor
        self._a_span = c.anomaly_ceiling - c.anomaly_floor
        self._c_weight = c.classifier_weight
        self._c_floor = c.classifier_floor
        self._c_span = c.classifier_ceiling - c.classifier_floor
        self._alert = c.alert_threshold
        self._levels: tuple[tuple[float, Severity], ...] = (
            (c.critical, "critical"),
            (c.high, "high"),
            (c.medium, "medium"),
            (c.low, "low"),
        )

    def combine(
        self,
        hits: Sequence[RuleHit],
        anomaly: float | None = None,
        classifier: float | None = None,
    ) -> float:
        """The risk in [0, 1] (the formula in the module docstring)."""
        keep = 1.0
        for hit in hits:
            keep *= 1.0 - hit.score
        keep *= 1.0 - self._a_weight * _evidence(anomaly, self._a_floor, self._a_span)
        keep *= 1.0 - self._c_weight * _evidence(classifier, self._c_floor, self._c_span)
        risk = 1.0 - keep
        return 0.0 if risk < 0.0 else 1.0 if risk > 1.0 else risk

    def severity(self, risk: float) -> Severity:
        """The severity of a risk score."""
        for threshold, name in self._levels:
            if risk >= threshold:
                return name
        return "info"

    def assess(
        self,
        hits: Sequence[RuleHit],
        anomaly: float | None = None,
        classifier: float | None = None,
    ) -> RiskAssessment:
        """Risk, severity, whether to alert, and the typology to alert under."""
        if len(hits) > 1:
            ordered = tuple(sorted(hits, key=lambda h: h.score, reverse=True))
        else:
            ordered = tuple(hits)
        keep = 1.0
        for hit in ordered:
            keep *= 1.0 - hit.score
        rules_score = 1.0 - keep
        a = self._a_weight * _evidence(anomaly, self._a_floor, self._a_span)
        c = self._c_weight * _evidence(classifier, self._c_floor, self._c_span)
        risk = 1.0 - keep * (1.0 - a) * (1.0 - c)
        risk = 0.0 if risk < 0.0 else 1.0 if risk > 1.0 else risk
        typology: str | None
        if ordered and ordered[0].score >= max(a, c):
            typology = ordered[0].typology
        elif a > 0.0 or c > 0.0:
            typology = ANOMALY_TYPOLOGY if a >= c else CLASSIFIER_TYPOLOGY
        else:
            typology = None
        return RiskAssessment(
            risk, self.severity(risk), risk >= self._alert, typology, rules_score, ordered
        )

    def __repr__(self) -> str:
        return f"RiskScorer({self.config!r})"
