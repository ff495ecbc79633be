"""The light view of one transaction leg that the account state observes.

A transaction has two legs: the sender's outgoing leg (scored on `qr.transactions`, keyed by
sender) and the receiver's incoming leg (after `group_by` on the receiver account). A view is
the transaction seen from one account: its counterparty and both countries, the amount in
EUR, so the state never converts or looks up anything itself, and the account holder's name
for sanctions screening.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from models.aml.fx import FxTable
from topics.messages.transaction import Transaction

__all__ = ["TxnView", "incoming_view", "outgoing_view"]


class TxnView(NamedTuple):
    """One leg of a transaction as one account sees it."""

    ts_us: int
    """Transaction time, microseconds since the Unix epoch."""
    amount: float
    """Amount in the transaction's own currency (for round-amount checks)."""
    currency: str
    amount_eur: float
    """Amount converted with the static FX table, rounded to cents."""
    channel: str
    counterparty: str
    """The other account: the receiver of an outgoing leg, the sender of an incoming one."""
    country: str
    """Country of this account."""
    counterparty_country: str
    name: str | None = None
    """Name of this account's holder, if the transaction carries it: the sender's on an
    outgoing leg, the receiver's on an incoming one."""


def _fields(
    txn: Transaction | Mapping[str, Any],
) -> tuple[int, str, str, str, str, str, str, str, str | None, str | None]:
    """(ts, amount, currency, channel, sender, receiver, sender country, receiver country,
    sender name, receiver name)."""
    if isinstance(txn, Transaction):
        return (
            txn.ts_us,
            txn.amount,
            txn.currency,
            txn.channel,
            txn.sender_account,
            txn.receiver_account,
            txn.sender_country,
            txn.receiver_country,
            txn.sender_name,
            txn.receiver_name,
        )
    return (
        txn["ts_us"],
        txn["amount"],
        txn["currency"],
        txn["channel"],
        txn["sender_account"],
        txn["receiver_account"],
        txn["sender_country"],
        txn["receiver_country"],
        txn.get("sender_name"),
        txn.get("receiver_name"),
    )


def _view(txn: Transaction | Mapping[str, Any], fx: FxTable, *, outgoing: bool) -> TxnView:
    ts_us, raw_amount, currency, channel, sender, receiver, s_country, r_country, s_name, r_name = (
        _fields(txn)
    )
    amount = float(raw_amount)
    eur = fx.to_eur(amount, currency)
    if outgoing:
        return TxnView(
            ts_us, amount, currency, eur, channel, receiver, s_country, r_country, s_name
        )
    return TxnView(ts_us, amount, currency, eur, channel, sender, r_country, s_country, r_name)


def outgoing_view(txn: Transaction | Mapping[str, Any], fx: FxTable) -> TxnView:
    """The sender's leg of a transaction: a `Transaction`, or its decoded JSON payload once
    validated against the schema (the amount is then a canonical decimal string).

    Examples
    --------
    >>> from models.aml.fx import FxTable
    >>> payload = {"ts_us": 1_767_225_600_000_000, "amount": "9450.00", "currency": "USD",
    ...            "channel": "wire", "sender_account": "A", "receiver_account": "B",
    ...            "sender_country": "DE", "receiver_country": "GB"}
    >>> outgoing_view(payload, FxTable({"USD": 0.86}))
    TxnView(ts_us=1767225600000000, amount=9450.0, currency='USD', amount_eur=8127.0, channel='wire', counterparty='B', country='DE', counterparty_country='GB', name=None)
    """  # noqa: E501
    return _view(txn, fx, outgoing=True)


def incoming_view(txn: Transaction | Mapping[str, Any], fx: FxTable) -> TxnView:
    """The receiver's leg of a transaction: the counterparty is the sender, and the countries
    swap places."""
    return _view(txn, fx, outgoing=False)
