"""Name normalisation for screening: one spelling per name, so that the matcher compares
letters, not scripts, accents, punctuation, honorifics or legal forms.

Steps: Unicode compatibility decomposition with the combining marks dropped (é -> e), then
transliteration of whatever is still not ASCII (Cyrillic, Greek, Arabic, ... with `anyascii`),
case folding, apostrophes and dots removed (O'Brien -> obrien, S.A. -> sa), every other
non-alphanumeric run as one space, a rough phonetic skeleton of each token, and honorifics and
legal forms dropped unless nothing else is left.

The skeleton folds the spellings that romanisations of one name differ in (kh/h, ph/f, c/k/q,
w/v, y/i, ou/u, ee/i, dzh/j, doubled letters): `Husayn` and `Husain`, `Tajideen` and `Tajidin`,
`Джонс` read back as `Dzhons` and `Jones` come out the same.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from anyascii import anyascii

__all__ = ["STOP_WORDS", "normalize", "skeleton", "tokens"]

STOP_WORDS: Final = frozenset(
    # Honorifics and titles.
    "mr mrs ms miss mx dr prof sir dame madam mme mlle herr frau sr sra srta "
    # Legal forms, after dots are removed (S.A. -> sa, Co. -> co).
    "llc ltd limited co company corp corporation inc incorporated plc llp lp gmbh ag kg "
    "sa sas sarl srl spa sl bv nv oy ab as aps asa pte pvt pty lda ltda fze fzco fzc "
    "jsc ojsc cjsc pjsc ooo zao oao eood ood ead sro doo kft zrt bhd kk cv the".split()
)

# Apostrophes (straight, typographic, grave, acute) and dots.
_DROP = re.compile("['\u2019`\u00b4.]")
_SPLIT = re.compile(r"[^a-z0-9]+")
_FOLD = {
    "dzh": "j", "kh": "h", "ph": "f", "ck": "k", "c": "k", "q": "k", "w": "v", "y": "i",
    "ou": "u", "oo": "u", "ee": "i", "x": "ks",
}  # fmt: skip
_FOLDS = re.compile("|".join(sorted(_FOLD, key=len, reverse=True)))
_DOUBLE = re.compile(r"([a-z])\1+")


def skeleton(text: str) -> str:
    """The romanisation-insensitive spelling of lower-case ASCII text.

    Examples
    --------
    >>> skeleton("husayn muhammad tajideen"), skeleton("husain muhamad tajidin")
    ('husain muhamad tajidin', 'husain muhamad tajidin')
    """
    return _DOUBLE.sub(r"\1", _FOLDS.sub(lambda m: _FOLD[m.group()], text))


_STOP_SKELETONS = frozenset(skeleton(w) for w in STOP_WORDS)


def _ascii(name: str) -> str:
    if name.isascii():
        return name
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped if stripped.isascii() else anyascii(stripped)


def tokens(name: str) -> list[str]:
    """The normalised tokens of a name, in their order.

    Examples
    --------
    >>> tokens("Mr. José Ñúñez-O'Brien")
    ['jose', 'nunez', 'obrien']
    >>> tokens("АЛЕКСАНДР Петров")
    ['aleksandr', 'petrov']
    >>> tokens("IRAN AIRCRAFT MANUFACTURING INDUSTRIAL CO., LTD.")
    ['iran', 'airkraft', 'manufakturing', 'industrial']
    >>> tokens("The Company")  # nothing but stop words: keep them
    ['the', 'kompani']
    """
    words = _SPLIT.split(skeleton(_DROP.sub("", _ascii(name).casefold())))
    kept = [w for w in words if w and w not in _STOP_SKELETONS]
    return kept or [w for w in words if w]


def normalize(name: str) -> str:
    """The normalised tokens sorted and joined by single spaces: the form the matcher
    compares, independent of token order (`LAST, First` equals `First Last`).

    Examples
    --------
    >>> normalize("BOUT, Viktor Anatolijevitch")
    'anatolijevitkh but viktor'
    >>> normalize("Виктор Бут")
    'but viktor'
    """
    return " ".join(sorted(tokens(name)))
