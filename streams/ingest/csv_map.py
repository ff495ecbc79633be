"""CSV rows of a transaction dataset to `Transaction`s: which column feeds which field
(`ColumnMap`, from a preset and `--map field=column` overrides), and the value tables that turn
the datasets' spellings (currency names, bank locations, payment types) into our codes.

Presets cover the public AML datasets' published layouts: SAML-D (Oztas et al. 2023), IBM
AMLworld (Altman et al. 2023, the `*_Trans.csv` files) and PaySim (Lopez-Rojas et al. 2016).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import get_args

from streams.errors import ConfigError
from topics.messages.transaction import Channel, Transaction

__all__ = [
    "CHANNELS",
    "COUNTRIES",
    "CURRENCIES",
    "FIELDS",
    "PRESETS",
    "ColumnMap",
    "CsvMapError",
    "Defaults",
    "MappedRow",
    "RowError",
    "event_id",
]

# Event fields a column can feed. `time` is a timestamp (with `date` when a dataset splits
# them); `step` is an integer simulation step instead.
FIELDS = (
    "time",
    "date",
    "step",
    "sender_account",
    "receiver_account",
    "amount",
    "currency",
    "channel",
    "sender_country",
    "receiver_country",
    "sender_name",
    "receiver_name",
    "reference",
    "label",
    "typology",
)
_REQUIRED = ("sender_account", "receiver_account", "amount")

# Location names of SAML-D and similar data; two-letter codes pass through unchanged.
COUNTRIES: Mapping[str, str] = {
    "uk": "GB",
    "united kingdom": "GB",
    "uae": "AE",
    "united arab emirates": "AE",
    "turkey": "TR",
    "morocco": "MA",
    "mexico": "MX",
    "pakistan": "PK",
    "spain": "ES",
    "italy": "IT",
    "nigeria": "NG",
    "albania": "AL",
    "france": "FR",
    "switzerland": "CH",
    "japan": "JP",
    "austria": "AT",
    "germany": "DE",
    "netherlands": "NL",
    "usa": "US",
    "united states": "US",
    "india": "IN",
    "china": "CN",
}

# Currency names of SAML-D and AMLworld; three-letter codes pass through unchanged.
CURRENCIES: Mapping[str, str] = {
    "uk pounds": "GBP",
    "uk pound": "GBP",
    "albanian lek": "ALL",
    "dirham": "AED",
    "euro": "EUR",
    "indian rupee": "INR",
    "rupee": "INR",
    "mexican peso": "MXN",
    "moroccan dirham": "MAD",
    "naira": "NGN",
    "pakistani rupee": "PKR",
    "swiss franc": "CHF",
    "turkish lira": "TRY",
    "us dollar": "USD",
    "yen": "JPY",
    "yuan": "CNY",
    "ruble": "RUB",
    "canadian dollar": "CAD",
    "australian dollar": "AUD",
    "brazil real": "BRL",
    "shekel": "ILS",
    "saudi riyal": "SAR",
    # No ISO 4217 code exists; XBT is the one market data vendors use.
    "bitcoin": "XBT",
}

# Payment types of the three datasets on our five rails. Cheques and plain deposits clear
# through the same batch clearing as ACH; PaySim's PAYMENT is a merchant (card-like) payment
# and AMLworld's Reinvestment a book transfer, the nearest rail being a wire.
CHANNELS: Mapping[str, Channel] = {
    "cash deposit": "cash",
    "cash withdrawal": "cash",
    "cash": "cash",
    "cash_in": "cash",
    "cash_out": "cash",
    "cheque": "ach",
    "ach": "ach",
    "deposit": "ach",
    "debit": "ach",
    "credit card": "card",
    "debit card": "card",
    "payment": "card",
    "cross-border": "wire",
    "wire": "wire",
    "transfer": "wire",
    "reinvestment": "wire",
    "bitcoin": "crypto",
    **{c: c for c in get_args(Channel)},
}


class CsvMapError(ConfigError):
    """A column map that cannot work with a file (unknown field, missing column)."""


class RowError(ValueError):
    """One row that makes no valid transaction."""


@dataclass(frozen=True)
class Defaults:
    """Values for fields no column feeds, and how to read steps."""

    currency: str | None = None
    channel: Channel | None = None
    country: str | None = None
    step_s: float = 3600.0
    start_us: int = 0


PRESETS: Mapping[str, Mapping[str, str]] = {
    "saml-d": {
        "time": "Time",
        "date": "Date",
        "sender_account": "Sender_account",
        "receiver_account": "Receiver_account",
        "amount": "Amount",
        "currency": "Payment_currency",
        "channel": "Payment_type",
        "sender_country": "Sender_bank_location",
        "receiver_country": "Receiver_bank_location",
        "label": "Is_laundering",
        "typology": "Laundering_type",
    },
    # AMLworld account ids are unique only within their bank, hence bank+account.
    "ibm-aml": {
        "time": "Timestamp",
        "sender_account": "From Bank+Account",
        "receiver_account": "To Bank+Account.1",
        "amount": "Amount Paid",
        "currency": "Payment Currency",
        "channel": "Payment Format",
        "label": "Is Laundering",
    },
    "paysim": {
        "step": "step",
        "sender_account": "nameOrig",
        "receiver_account": "nameDest",
        "amount": "amount",
        "channel": "type",
        "label": "isFraud",
    },
}


def event_id(source: str, row: int) -> str:
    """The id of data row `row` of file `source`: the same on every replay of the file."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"qrstream-replay:{source}:{row}"))


@dataclass(frozen=True)
class MappedRow:
    transaction: Transaction
    label: int | None
    typology: str | None


def _lookup(table: Mapping[str, str], text: str, width: int, what: str) -> str:
    value = text.strip()
    # Names first: SAML-D's "UK" and "Yen" have the shape of codes but are not the codes.
    known = table.get(value.lower())
    if known is not None:
        return known
    if len(value) == width and value.isascii() and value.isalpha():
        return value.upper()
    raise RowError(f"unknown {what} {text!r}")


def _amount(text: str) -> str:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise RowError(f"amount {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise RowError(f"amount {text!r} is not a non-negative number")
    # Canonical spelling: no exponent, no leading zeros, no trailing fractional zeros.
    canonical = format(value.normalize(), "f")
    return canonical if canonical != "-0" else "0"


def _timestamp_us(text: str) -> int:
    value = text.strip()
    try:
        return round(float(value) * 1_000_000)  # seconds since the epoch
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise RowError(f"time {text!r} is neither epoch seconds nor ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1_000_000)


def _label(text: str) -> int:
    value = text.strip().lower()
    if value in {"1", "true", "yes"}:
        return 1
    if value in {"0", "false", "no", ""}:
        return 0
    raise RowError(f"label {text!r} is not 0/1")


class ColumnMap:
    """Maps rows of one CSV layout. A column spec `A+B` joins columns A and B with `-` (ids
    unique only per bank, say)."""

    def __init__(self, columns: Mapping[str, str], defaults: Defaults) -> None:
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise CsvMapError(f"unknown field {unknown[0]!r}; fields: {', '.join(FIELDS)}")
        self.columns = {f: spec.split("+") for f, spec in columns.items() if spec}
        self.defaults = defaults
        missing = [f for f in _REQUIRED if f not in self.columns]
        if "time" not in self.columns and "step" not in self.columns:
            missing.append("time or step")
        for name in ("currency", "channel"):
            if name not in self.columns and getattr(defaults, name) is None:
                missing.append(f"{name} (or --{name})")
        for side in ("sender_country", "receiver_country"):
            if side not in self.columns and defaults.country is None:
                missing.append(f"{side} (or --country)")
        if missing:
            raise CsvMapError(f"no column for {', '.join(missing)}: give --map FIELD=COLUMN")

    @classmethod
    def build(
        cls, preset: str | None, overrides: Mapping[str, str], defaults: Defaults
    ) -> ColumnMap:
        base = PRESETS[preset] if preset is not None else {}
        return cls({**base, **overrides}, defaults)

    def check_header(self, header: list[str], source: str) -> None:
        wanted = {c for cols in self.columns.values() for c in cols}
        absent = sorted(wanted - set(header))
        if absent:
            have = ", ".join(header[:20])
            raise CsvMapError(f"{source}: no column {absent[0]!r} (the header has: {have})")

    @property
    def labelled(self) -> bool:
        return "label" in self.columns

    def _get(self, row: Mapping[str, str], field: str) -> str | None:
        cols = self.columns.get(field)
        if cols is None:
            return None
        return "-".join(row[c].strip() for c in cols)

    def time_us(self, row: Mapping[str, str]) -> int:
        step = self._get(row, "step")
        if step is not None:
            try:
                steps = int(step)
            except ValueError:
                raise RowError(f"step {step!r} is not an integer") from None
            return self.defaults.start_us + round(steps * self.defaults.step_s * 1_000_000)
        time = self._get(row, "time") or ""
        date = self._get(row, "date")
        return _timestamp_us(f"{date} {time}" if date is not None else time)

    def map(self, row: Mapping[str, str], event: str) -> MappedRow:
        """Raises RowError, or pydantic's ValidationError (also a ValueError)."""
        d = self.defaults
        currency = self._get(row, "currency")
        channel = self._get(row, "channel")
        fields: dict[str, object] = {
            "event_id": event,
            "ts_us": self.time_us(row),
            "sender_account": self._get(row, "sender_account"),
            "receiver_account": self._get(row, "receiver_account"),
            "amount": _amount(self._get(row, "amount") or ""),
            "currency": _lookup(CURRENCIES, currency, 3, "currency") if currency else d.currency,
            "channel": CHANNELS.get(channel.strip().lower()) if channel else d.channel,
        }
        if fields["channel"] is None:
            raise RowError(f"unknown payment type {channel!r}")
        for side in ("sender_country", "receiver_country"):
            place = self._get(row, side)
            fields[side] = _lookup(COUNTRIES, place, 2, "location") if place else d.country
        for optional in ("sender_name", "receiver_name", "reference"):
            text = self._get(row, optional)
            if text:
                fields[optional] = text
        label = self._get(row, "label")
        typology = self._get(row, "typology")
        return MappedRow(
            Transaction.model_validate(fields),
            _label(label) if label is not None else None,
            typology or None,
        )
