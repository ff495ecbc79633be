"""Amounts: drawn in EUR (where the AML thresholds live), paid in the account's currency at the
scorer's own static rates (models.aml.fx), written as the schema's decimal string."""

from __future__ import annotations

import numpy as np

from models.aml.fx import DEFAULT_EUR_RATES

__all__ = ["ZERO_DECIMAL", "format_amount", "lognormal", "to_local"]

# ISO 4217 exponent 0: amounts are whole units.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "HUF"})


def lognormal(
    gen: np.random.Generator, median: float, sigma: float, lo: float, hi: float, size: int
) -> np.ndarray:
    """Heavy-tailed amounts around `median`, clipped to [lo, hi]."""
    return np.clip(gen.lognormal(np.log(median), sigma, size), lo, hi)


def to_local(eur: float, currency: str) -> float:
    return eur / DEFAULT_EUR_RATES[currency]


def format_amount(value: float, currency: str, *, avoid_round: bool = True) -> str:
    """`value` in `currency` as the schema writes it ("1250.00", "12800"). With
    `avoid_round`, a multiple of 1,000 is nudged off it: ordinary payments carry cents, and
    the large_round_amount rule is for the scenarios that inject it."""
    if currency in ZERO_DECIMAL:
        units = max(1, round(value))
        if avoid_round and units >= 1000 and units % 1000 == 0:
            units += 7
        return str(units)
    cents = max(1, round(value * 100))
    if avoid_round and cents >= 100_000 and cents % 100_000 == 0:
        cents += 37
    return f"{cents // 100}.{cents % 100:02d}"
