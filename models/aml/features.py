"""AML features of one transaction leg: the entry point the scoring agent uses.

`AmlFeatures` is built once per worker from `AmlFeaturesConfig`; per transaction the agent
turns the transaction into a leg view, loads the account's state from its table, observes the
leg and stores the state back::

    features = AmlFeatures(config.features)
    state = features.loads(table_value) if table_value else features.new_state()
    x = state.observe_outgoing(features.outgoing(txn))  # sender's table, keyed by sender
    table[txn.sender_account] = state.dumps()

The receiver side is the same with `incoming()` and `observe_incoming()` on the repartitioned
stream keyed by receiver. `x` is a flat `dict[str, float]` with the keys `FEATURE_NAMES`, for
the rules and the River models alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.aml.config import AmlFeaturesConfig
from models.aml.fx import FxTable
from models.aml.spec import FEATURE_NAMES, FeatureSpec
from models.aml.state import AccountState
from models.aml.view import TxnView, incoming_view, outgoing_view
from topics.messages.transaction import Transaction

__all__ = ["FEATURE_NAMES", "AmlFeatures"]


class AmlFeatures:
    """Leg views and account states under one feature configuration.

    Parameters
    ----------
    config
        The feature settings; the defaults when omitted.

    Examples
    --------
    >>> from topics.messages.transaction import Transaction
    >>> txn = Transaction(event_id="3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10",
    ...     ts_us=1_767_225_600_000_000, sender_account="DE89370400440532013000",
    ...     receiver_account="IR062960000000100324200001", amount="20000.00", currency="EUR",
    ...     channel="wire", sender_country="DE", receiver_country="IR")
    >>> aml = AmlFeatures()
    >>> x = aml.new_state().observe_outgoing(aml.outgoing(txn))
    >>> x["amount_eur"], x["cross_border"], x["high_risk_country"], x["round_1000"]
    (20000.0, 1.0, 1.0, 1.0)
    """

    __slots__ = ("config", "fx", "spec")

    def __init__(self, config: AmlFeaturesConfig | None = None) -> None:
        self.config = AmlFeaturesConfig() if config is None else config
        self.spec = FeatureSpec(self.config)
        self.fx = FxTable(self.config.eur_rates)

    def outgoing(self, txn: Transaction | Mapping[str, Any]) -> TxnView:
        """The sender's leg; raises `UnknownCurrencyError` for a currency without a rate."""
        return outgoing_view(txn, self.fx)

    def incoming(self, txn: Transaction | Mapping[str, Any]) -> TxnView:
        """The receiver's leg."""
        return incoming_view(txn, self.fx)

    def new_state(self) -> AccountState:
        """The state of an account seen for the first time."""
        return AccountState(self.spec)

    def loads(self, data: bytes | str) -> AccountState:
        """A state stored with `AccountState.dumps()`."""
        return AccountState.loads(data, self.spec)

    def from_dict(self, data: Mapping[str, Any]) -> AccountState:
        """A state stored with `AccountState.to_dict()`."""
        return AccountState.from_dict(data, self.spec)

    def __repr__(self) -> str:
        return f"AmlFeatures({self.config!r})"
