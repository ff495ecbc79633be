"""Static conversion of amounts to EUR, the reference currency of every AML feature and rule.

The rates are deliberately static: thresholds such as "just under 10,000 EUR" must not move with
the market between two transactions of one structuring pattern, and a scoring worker must not
depend on a rate feed. They are rounded reference rates (EUR per unit, late 2025), good enough to
compare amounts with thresholds, never for accounting. Override them in
`AmlFeaturesConfig.eur_rates` and review them when thresholds are reviewed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["DEFAULT_EUR_RATES", "FxTable", "UnknownCurrencyError"]

DEFAULT_EUR_RATES: Mapping[str, float] = MappingProxyType(
    {
        "EUR": 1.0,
        "USD": 0.86,
        "GBP": 1.14,
        "CHF": 1.07,
        "JPY": 0.0056,
        "CNY": 0.12,
        "HKD": 0.11,
        "SGD": 0.66,
        "KRW": 0.00059,
        "INR": 0.0097,
        "PKR": 0.0031,
        "ALL": 0.0104,
        "MAD": 0.093,
        # Bitcoin (ISO-style XBT, as AML datasets write it): volatile; a rough level only.
        "XBT": 80000.0,
        "CAD": 0.62,
        "AUD": 0.57,
        "NZD": 0.50,
        "SEK": 0.091,
        "NOK": 0.085,
        "DKK": 0.134,
        "PLN": 0.236,
        "CZK": 0.041,
        "HUF": 0.0026,
        "RON": 0.197,
        # Pegged at 1.95583 BGN per EUR until Bulgaria's euro changeover.
        "BGN": 0.5113,
        "TRY": 0.020,
        "RUB": 0.011,
        "UAH": 0.021,
        "AED": 0.234,
        "SAR": 0.229,
        "ILS": 0.26,
        "ZAR": 0.050,
        "NGN": 0.0006,
        "KES": 0.0067,
        "BRL": 0.16,
        "MXN": 0.047,
        "THB": 0.0265,
    }
)


class UnknownCurrencyError(ValueError):
    """The currency has no EUR rate in the table."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"no EUR rate for currency {currency!r}; add it to eur_rates")
        self.currency = currency


class FxTable:
    """EUR per unit of each currency, fixed for the life of the process.

    Parameters
    ----------
    rates
        ISO 4217 code -> EUR per one unit of that currency; defaults to `DEFAULT_EUR_RATES`.

    Examples
    --------
    >>> fx = FxTable({"EUR": 1.0, "USD": 0.86})
    >>> fx.to_eur(1000.0, "USD")
    860.0
    >>> fx.to_eur(1.0, "XAU")
    Traceback (most recent call last):
    ...
    models.aml.fx.UnknownCurrencyError: no EUR rate for currency 'XAU'; add it to eur_rates
    """

    __slots__ = ("_rates", "rates")

    def __init__(self, rates: Mapping[str, float] | None = None) -> None:
        self.rates = DEFAULT_EUR_RATES if rates is None else rates
        self._rates = dict(self.rates)
        for code, rate in self._rates.items():
            if not rate > 0.0:
                raise ValueError(f"EUR rate of {code} must be positive, got {rate}")

    def to_eur(self, amount: float, currency: str) -> float:
        """The amount in EUR, rounded to cents."""
        rate = self._rates.get(currency)
        if rate is None:
            raise UnknownCurrencyError(currency)
        return round(amount * rate, 2)

    def __contains__(self, currency: object) -> bool:
        return currency in self._rates

    def __repr__(self) -> str:
        return f"FxTable({len(self._rates)} currencies)"
