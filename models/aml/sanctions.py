"""`sanctions_match`: the account holder's name resembles a name on a sanctions list.

Each leg screens its own account's holder, the sender on the outgoing leg and the receiver on
the incoming one, so every name a transaction carries is screened once and the alert lands on
the account whose holder matched. The rule is part of `AmlRules` when
`AmlRulesConfig.sanctions` names a list (or a screener is passed in).

Score: `sanctions_score` at the list threshold, growing linearly to 1 at a similarity of 100.
"""

from __future__ import annotations

from functools import lru_cache

from models.aml.config import AmlFeaturesConfig, AmlRulesConfig
from models.aml.rules import Features, Rule, _ramp
from models.aml.view import TxnView
from models.rules import Evidence, RuleHit
from models.sanctions.config import load_screener
from models.sanctions.entry import Match
from models.sanctions.screener import SanctionsScreener

__all__ = ["SanctionsMatch"]

# Matches reported per hit: the best few tell an analyst enough.
MAX_MATCHES = 3

_LISTS = {"ofac_sdn": "OFAC SDN", "ofac_cons": "OFAC non-SDN consolidated", "un": "UN SC"}


class SanctionsMatch(Rule):
    """The leg's account holder matches a listed party's primary name or alias.

    Parameters
    ----------
    config
        The rule thresholds; `config.sanctions` names the lists unless `screener` is given.
    features
        The feature settings (unused; every rule takes them).
    screener
        A screener to use instead of loading `config.sanctions`.

    Examples
    --------
    >>> from models.sanctions import ListEntry, SanctionsScreener
    >>> screener = SanctionsScreener([ListEntry("306", "ofac_sdn", "individual",
    ...     "BOUT, Viktor Anatolijevitch", ("BOUT, Victor",), ("SDGT",))])
    >>> view = TxnView(1_767_225_600_000_000, 500.0, "EUR", 500.0, "wire", "acct-b",
    ...                "DE", "AE", "Viktor But")
    >>> hit = SanctionsMatch(screener=screener).evaluate({"outgoing": 1.0}, view)
    >>> hit.typology, round(hit.score, 2)
    ('sanctions_match', 1.0)
    >>> print(hit.reasons[0].text)
    sender name 'Viktor But' matches OFAC SDN entry 306 'BOUT, Victor' (alias of 'BOUT, Viktor Anatolijevitch'), similarity 100 ≥ 88, programs SDGT
    """  # noqa: E501

    rule_id = "sanctions_match"
    typology = "sanctions_match"

    def __init__(
        self,
        config: AmlRulesConfig | None = None,
        features: AmlFeaturesConfig | None = None,
        screener: SanctionsScreener | None = None,
    ) -> None:
        super().__init__(config, features)
        if screener is None:
            if self.config.sanctions is None:
                raise ValueError("sanctions_match needs config.sanctions or a screener")
            screener = load_screener(self.config.sanctions)
        self.screener = screener
        self._base = self.config.sanctions_score
        self._threshold = screener.threshold
        cache = self.config.sanctions.cache_size if self.config.sanctions is not None else 0
        self._screen = lru_cache(maxsize=cache)(screener.screen) if cache else screener.screen

    def evaluate(self, x: Features, view: TxnView | None = None) -> RuleHit | None:
        if view is None or not view.name:
            return None
        matches = self._screen(view.name)
        if not matches:
            return None
        who = "sender" if x["outgoing"] else "receiver"
        score = self._base + (1.0 - self._base) * _ramp(matches[0].score, self._threshold, 100.0)
        return self._hit(score, *(self._evidence(who, view.name, m) for m in matches[:MAX_MATCHES]))

    def _evidence(self, who: str, name: str, match: Match) -> Evidence:
        alias = f" (alias of {match.primary_name!r})" if match.alias else ""
        programs = f", programs {', '.join(match.programs)}" if match.programs else ""
        return self._reason(
            round(match.score, 1),
            self._threshold,
            f"{who} name {name!r} matches {_LISTS[match.list_name]} entry {match.entry_id} "
            f"{match.matched_name!r}{alias}, similarity {match.score:.0f} ≥ "
            f"{self._threshold:g}{programs}",
        )

    def __repr__(self) -> str:
        return f"SanctionsMatch({self.screener!r})"
