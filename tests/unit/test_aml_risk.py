"""The combined AML risk score (models.aml.risk): the documented formula, missing and broken
model scores, severity boundaries, the alert threshold and the typology an alert goes under."""

from __future__ import annotations

import itertools
import math

import pytest
from pydantic import ValidationError

from models.aml import (
    ANOMALY_TYPOLOGY,
    CLASSIFIER_TYPOLOGY,
    AccountState,
    AmlRules,
    RiskConfig,
    RiskScorer,
    RuleHit,
    TxnView,
    to_alert_reasons,
)
from topics.messages.alert import AlertReason


def hit(score: float, typology: str = "fan_in") -> RuleHit:
    return RuleHit(f"{typology}_rule", typology, score, ())


def test_noisy_or_of_rules() -> None:
    scorer = RiskScorer()
    assert scorer.combine([]) == 0.0
    assert scorer.combine([hit(0.6)]) == pytest.approx(0.6)
    assert scorer.combine([hit(0.5), hit(0.5)]) == pytest.approx(0.75)
    assert scorer.combine([hit(0.5), hit(0.5), hit(1.0)]) == 1.0


def test_models_blend_with_their_weights_above_their_floors() -> None:
    scorer = RiskScorer(RiskConfig(anomaly_weight=0.4, classifier_weight=0.8))
    assert scorer.combine([], anomaly=0.9) == pytest.approx(0.4)
    assert scorer.combine([], anomaly=0.75) == pytest.approx(0.2)  # halfway from 0.6 to 0.9
    assert scorer.combine([], classifier=0.75) == pytest.approx(0.4)  # halfway from 0.5 to 1
    expected = 1 - (1 - 0.75) * (1 - 0.4 * 0.5) * (1 - 0.8 * 0.25)
    assert scorer.combine([hit(0.5), hit(0.5)], anomaly=0.75, classifier=0.625) == pytest.approx(
        expected
    )


def test_ordinary_model_scores_are_no_evidence() -> None:
    # HalfSpaceTrees scores ordinary traffic around 0.5; the classifier returns its prior (0.5)
    # until it has labels; both return their "cold" value while warming up.
    scorer = RiskScorer()
    for anomaly, classifier in [(0.5, 0.5), (0.6, 0.5), (0.0, 0.5), (0.0, 0.0)]:
        assert scorer.combine([hit(0.3)], anomaly, classifier) == pytest.approx(0.3)
    custom = RiskScorer(RiskConfig(anomaly_floor=0.0, anomaly_ceiling=1.0, classifier_floor=0.2))
    assert custom.combine([], anomaly=0.5) == pytest.approx(0.2)
    assert custom.combine([], classifier=0.6) == pytest.approx(0.8 * 0.5)


@pytest.mark.parametrize(
    ("anomaly", "classifier"),
    [(None, None), (math.nan, None), (None, math.nan), (-0.3, None), (0.0, 0.0)],
)
def test_missing_or_broken_model_scores_count_as_zero(
    anomaly: float | None, classifier: float | None
) -> None:
    assert RiskScorer().combine([hit(0.6)], anomaly, classifier) == pytest.approx(0.6)


def test_model_scores_above_their_ceiling_are_full_evidence() -> None:
    scorer = RiskScorer()
    assert scorer.combine([], anomaly=7.0) == scorer.combine([], anomaly=0.9)
    assert scorer.combine([], classifier=math.inf) == pytest.approx(0.8)


def test_risk_never_drops_when_evidence_is_added() -> None:
    scorer = RiskScorer()
    grid = [0.0, 0.3, 0.7, 1.0]
    for r, a, c in itertools.product(grid, grid, grid):
        base = scorer.combine([hit(r)], a, c)
        assert 0.0 <= base <= 1.0
        assert scorer.combine([hit(r), hit(0.2)], a, c) >= base
        assert scorer.combine([hit(r)], min(a + 0.2, 1.0), c) >= base
        assert scorer.combine([hit(r)], a, min(c + 0.2, 1.0)) >= base


@pytest.mark.parametrize(
    ("risk", "severity"),
    [
        (0.0, "info"),
        (0.4999, "info"),
        (0.5, "low"),
        (0.6999, "low"),
        (0.7, "medium"),
        (0.85, "high"),
        (0.9499, "high"),
        (0.95, "critical"),
        (1.0, "critical"),
    ],
)
def test_severity_boundaries(risk: float, severity: str) -> None:
    assert RiskScorer().severity(risk) == severity


def test_alert_threshold() -> None:
    scorer = RiskScorer(RiskConfig(alert_threshold=0.6))
    below = scorer.assess([hit(0.5999)])
    at = scorer.assess([hit(0.6)])
    assert (below.alert, below.severity) == (False, "low")
    assert (at.alert, at.severity) == (True, "low")


def test_an_anomaly_alone_corroborates_but_does_not_alert_by_default() -> None:
    scorer = RiskScorer()
    alone = scorer.assess([], anomaly=1.0)
    assert (alone.alert, alone.typology) == (False, ANOMALY_TYPOLOGY)
    weak_rule = scorer.assess([hit(0.45, "structuring")])
    assert not weak_rule.alert
    together = scorer.assess([hit(0.45, "structuring")], anomaly=0.85)
    assert together.alert
    assert together.typology == "structuring"


def test_the_classifier_may_alert_alone() -> None:
    scorer = RiskScorer()
    assert not scorer.assess([], classifier=0.8).alert
    verdict = scorer.assess([], classifier=0.85)
    assert verdict.alert
    assert verdict.typology == CLASSIFIER_TYPOLOGY
    assert verdict.score == pytest.approx(0.8 * 0.7)


def test_typology_is_the_strongest_source() -> None:
    scorer = RiskScorer()
    verdict = scorer.assess([hit(0.55, "large_round_amount"), hit(0.9, "fan_out")])
    assert verdict.typology == "fan_out"
    assert [h.typology for h in verdict.hits] == ["fan_out", "large_round_amount"]
    assert verdict.rules_score == pytest.approx(1 - 0.45 * 0.1)
    assert scorer.assess([hit(0.3)], classifier=1.0).typology == CLASSIFIER_TYPOLOGY
    assert scorer.assess([]).typology is None
    assert scorer.assess([]).severity == "info"


def test_config_validation() -> None:
    with pytest.raises(ValidationError, match="low <= medium"):
        RiskConfig(medium=0.9, high=0.8)
    with pytest.raises(ValidationError):
        RiskConfig(anomaly_weight=1.5)
    with pytest.raises(ValidationError, match="floor must be below"):
        RiskConfig(anomaly_floor=0.9, anomaly_ceiling=0.9)
    custom = RiskScorer(RiskConfig(low=0.2, medium=0.3, high=0.4, critical=0.5))
    assert [custom.severity(r) for r in (0.1, 0.2, 0.3, 0.4, 0.5)] == [
        "info",
        "low",
        "medium",
        "high",
        "critical",
    ]


def test_from_a_leg_to_an_explained_verdict() -> None:
    state, rules, scorer = AccountState(), AmlRules(), RiskScorer()
    state.observe_outgoing(
        TxnView(1_767_225_600_000_000, 50.0, "EUR", 50.0, "wire", "a", "DE", "DE")
    )
    view = TxnView(1_777_593_600_000_000, 25_000.0, "EUR", 25_000.0, "wire", "b", "DE", "MM")
    hits = rules.evaluate(state.observe_outgoing(view), view)
    verdict = scorer.assess(hits, anomaly=0.9, classifier=0.5)
    assert verdict.alert
    assert verdict.severity == "critical"
    assert verdict.typology == "high_risk_jurisdiction"
    reasons = to_alert_reasons(verdict.hits)
    assert all(isinstance(r, AlertReason) for r in reasons)
    assert {r.name for r in reasons} == {
        "high_risk_counterparty_country",
        "dormant_account_outflow",
        "large_round_amount",
    }
