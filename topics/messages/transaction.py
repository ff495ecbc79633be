"""A payment or transfer on `qr.transactions`, keyed by sender account.

The amount is a decimal string in major units ("1250.00"), never a JSON number or integer
minor units:
- exact, unlike a binary float;
- self-describing: no ISO 4217 exponent table is needed to read it (JPY has 0 decimals, BHD 3,
  and crypto assets 8 to 18, which in minor units overflow 64 bits and JSON's safe integers);
- one canonical spelling (no sign, exponent or leading zeros), so equal amounts are equal
  strings, and the scorer converts it with one `float()` or `Decimal()` call.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import StringConstraints

from topics.messages.base import (
    CountryCode,
    CurrencyCode,
    EntityId,
    EventId,
    Message,
    Name,
    TimestampUs,
)

__all__ = ["AMOUNT_PATTERN", "Channel", "Transaction"]

AMOUNT_PATTERN = r"^(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,18})?$"

Channel = Literal["wire", "ach", "card", "cash", "crypto"]
Amount = Annotated[str, StringConstraints(pattern=AMOUNT_PATTERN)]
Bic = Annotated[str, StringConstraints(pattern=r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")]
Mcc = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
# SWIFT MT/ISO 20022 unstructured remittance information is at most 4 x 35 characters.
Reference = Annotated[str, StringConstraints(max_length=140)]


class Transaction(Message):
    """A payment or transfer between two accounts, published by a bank or payment processor on
    qr.transactions with the sender account as Kafka record key."""

    schema_version: Literal[1] = 1
    event_id: EventId
    """Unique id of this transaction (UUID, lower case); duplicates are dropped."""
    ts_us: TimestampUs
    """When the transaction was initiated, in microseconds since the Unix epoch (UTC)."""
    sender_account: EntityId
    """Debtor account (IBAN, account number, card token or wallet address); the record key."""
    receiver_account: EntityId
    """Creditor account (IBAN, account number, merchant id or wallet address)."""
    sender_name: Name | None = None
    """Debtor name as the bank holds it, for sanctions screening."""
    receiver_name: Name | None = None
    """Creditor or merchant name, for sanctions screening."""
    amount: Amount
    """Amount in major units of `currency` as a decimal string: no sign, exponent or leading
    zeros, at most 18 decimals ("1250.00", "0.00045")."""
    currency: CurrencyCode
    """ISO 4217 alphabetic code of the amount (for crypto, the fiat currency it settled in)."""
    channel: Channel
    """Payment rail."""
    sender_country: CountryCode
    """ISO 3166-1 alpha-2 country of the debtor account."""
    receiver_country: CountryCode
    """ISO 3166-1 alpha-2 country of the creditor account."""
    sender_bank: Bic | None = None
    """BIC of the debtor's bank (wire, ach)."""
    receiver_bank: Bic | None = None
    """BIC of the creditor's bank (wire, ach)."""
    mcc: Mcc | None = None
    """ISO 18245 merchant category code (card)."""
    reference: Reference | None = None
    """Unstructured remittance information or memo."""

    @property
    def amount_decimal(self) -> Decimal:
        """The amount as an exact `Decimal`."""
        return Decimal(self.amount)
