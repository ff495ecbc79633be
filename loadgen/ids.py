"""Account identifiers as banks print them: IBANs with valid ISO 13616 check digits in the
country's BBAN layout, national account numbers where there is no IBAN, BICs, wallet
addresses. Only the shapes are real; every number is random."""

from __future__ import annotations

import string

import numpy as np

__all__ = ["account_number", "bic", "iban_check_digits", "wallet_address"]

# BBAN layouts of ISO 13616 (n digits, a upper-case letters); alphanumeric parts are drawn
# as digits, which is one of their valid forms.
_BBAN = {
    "AD": "8n12n", "AE": "19n", "AT": "16n", "BE": "12n", "BG": "4a6n8n", "BR": "23n1a1n",
    "CH": "17n", "CY": "8n16n", "CZ": "20n", "DE": "18n", "DK": "14n", "EE": "16n",
    "ES": "20n", "FI": "14n", "FR": "23n", "GB": "4a14n", "GR": "23n", "HR": "17n",
    "HU": "24n", "IE": "4a14n", "IR": "22n", "IT": "1a22n", "LB": "24n", "LI": "17n",
    "LT": "16n", "LU": "16n", "LV": "4a13n", "MC": "23n", "MT": "4a23n", "NL": "4a10n",
    "NO": "11n", "PL": "24n", "PT": "21n", "RO": "4a16n", "SA": "20n", "SE": "20n",
    "SI": "15n", "SK": "20n", "TR": "22n",
}  # fmt: skip
_BANK_CODES = ("NORD", "RHEN", "ALPB", "HANS", "MERI", "CITA", "VALO", "BRIX", "LUMO", "KAPI")
_ALNUM = string.ascii_uppercase + string.digits
# ISO 13616 reads letters as two-digit numbers: A = 10 ... Z = 35.
_LETTER_VALUES = str.maketrans({c: str(10 + i) for i, c in enumerate(string.ascii_uppercase)})
_MAX_DIGITS = 18


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits of an IBAN (ISO 13616, mod 97-10).

    >>> iban_check_digits("DE", "370400440532013000")
    '89'
    """
    number = int((bban + country + "00").translate(_LETTER_VALUES))
    return f"{98 - number % 97:02d}"


def _digits(gen: np.random.Generator, count: int) -> str:
    parts = []
    while count > 0:
        n = min(count, _MAX_DIGITS)
        parts.append(f"{int(gen.integers(10**n)):0{n}d}")
        count -= n
    return "".join(parts)


def _letters(gen: np.random.Generator, count: int) -> str:
    return "".join(string.ascii_uppercase[i] for i in gen.integers(26, size=count))


def _bban(gen: np.random.Generator, layout: str) -> str:
    parts, number = [], ""
    for char in layout:
        if char.isdigit():
            number += char
            continue
        parts.append(_digits(gen, int(number)) if char == "n" else _letters(gen, int(number)))
        number = ""
    return "".join(parts)


def account_number(gen: np.random.Generator, country: str) -> str:
    """An IBAN for IBAN countries, else `CC-<routing>-<account>`."""
    layout = _BBAN.get(country)
    if layout is None:
        return f"{country}-{_digits(gen, 9)}-{_digits(gen, 10)}"
    bban = _bban(gen, layout)
    return country + iban_check_digits(country, bban) + bban


def bic(gen: np.random.Generator, country: str) -> str:
    bank, location = divmod(
        int(gen.integers(len(_BANK_CODES) * len(_ALNUM) ** 2)), len(_ALNUM) ** 2
    )
    return (
        _BANK_CODES[bank]
        + country
        + _ALNUM[location // len(_ALNUM)]
        + _ALNUM[location % len(_ALNUM)]
    )


def wallet_address(gen: np.random.Generator) -> str:
    return "wallet:0x" + gen.bytes(20).hex()
