"""AML scoring: per-account features in bounded state, named rules, and one risk score.

Per leg, the scoring agent does::

    view = features.outgoing(txn)              # or .incoming(txn) on the receiver stream
    state = features.loads(raw) if raw else features.new_state()
    x = state.observe_outgoing(view)           # flat dict[str, float] for rules and models
    hits = rules.evaluate(x, view)
    verdict = risk.assess(hits, anomaly=a, classifier=c)
    raw = state.dumps()

with `features = AmlFeatures(cfg.features)`, `rules = AmlRules(cfg.rules, cfg.features)` and
`risk = RiskScorer(cfg.risk)` built once from an `AmlConfig`.
"""

from __future__ import annotations

from models.aml.config import AmlConfig, AmlFeaturesConfig, AmlRulesConfig, RiskConfig
from models.aml.features import AmlFeatures
from models.aml.fx import DEFAULT_EUR_RATES, FxTable, UnknownCurrencyError
from models.aml.jurisdictions import FATF_CALL_FOR_ACTION, FATF_INCREASED_MONITORING
from models.aml.risk import ANOMALY_TYPOLOGY, CLASSIFIER_TYPOLOGY, RiskAssessment, RiskScorer
from models.aml.rules import RULE_CLASSES, TYPOLOGIES, AmlRules, Rule
from models.aml.sanctions import SanctionsMatch
from models.aml.spec import FEATURE_NAMES, FeatureSpec
from models.aml.state import AccountState
from models.aml.view import TxnView, incoming_view, outgoing_view
from models.rules import RuleHit, to_alert_reasons

__all__ = [
    "ANOMALY_TYPOLOGY",
    "CLASSIFIER_TYPOLOGY",
    "DEFAULT_EUR_RATES",
    "FATF_CALL_FOR_ACTION",
    "FATF_INCREASED_MONITORING",
    "FEATURE_NAMES",
    "RULE_CLASSES",
    "TYPOLOGIES",
    "AccountState",
    "AmlConfig",
    "AmlFeatures",
    "AmlFeaturesConfig",
    "AmlRules",
    "AmlRulesConfig",
    "FeatureSpec",
    "FxTable",
    "RiskAssessment",
    "RiskConfig",
    "RiskScorer",
    "Rule",
    "RuleHit",
    "SanctionsMatch",
    "TxnView",
    "UnknownCurrencyError",
    "incoming_view",
    "outgoing_view",
    "to_alert_reasons",
]
