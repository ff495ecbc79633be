"""Seeded spelling variants of listed names, the ground truth of the screening recall: what a
bank's records make of a listed name. Each variant keeps the id of the entry it came from.

Kinds: `drop`, `swap` (adjacent letters), `replace` (one letter), `reorder` (tokens shuffled,
`LAST, First` written `First Last`), `translit` (one common romanisation difference: ou/u,
kh/h, ph/f, y/i, ...), `cyrillic` (the name written in Cyrillic letters, read back by the
normaliser's transliteration), `accents` (diacritics added), and `alias` (an a.k.a. from the
list as published, with its tokens reordered).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Final, NamedTuple

from models.sanctions.entry import ListEntry

__all__ = ["KINDS", "Variant", "variants"]

KINDS: Final = ("drop", "swap", "replace", "reorder", "translit", "cyrillic", "accents", "alias")

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Romanisation pairs seen across Arabic, Persian, Russian and Spanish names.
_TRANSLIT = (
    ("ou", "u"), ("u", "ou"), ("kh", "h"), ("ph", "f"), ("y", "i"), ("i", "y"), ("ee", "i"),
    ("oo", "u"), ("sh", "ch"), ("j", "dj"), ("q", "k"), ("ck", "k"), ("w", "v"), ("v", "w"),
    ("ai", "ei"), ("aa", "a"), ("dh", "d"), ("th", "t"), ("x", "ks"), ("c", "k"), ("z", "s"),
)  # fmt: skip
# Latin to Cyrillic as a Russian clerk might spell a foreign name, digraphs first.
_CYRILLIC = (
    ("sh", "ш"), ("ch", "ч"), ("kh", "\u0445"), ("zh", "ж"), ("ts", "ц"), ("ya", "я"),
    ("yu", "ю"), ("j", "дж"), ("x", "кс"),
    *zip("abvgdezklmnoprstufhcyqwi", "абвгдезклмнопрстуф\u0445кйкви", strict=True),
)  # fmt: skip
_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "n": "ñ", "c": "ç", "s": "š"}


class Variant(NamedTuple):
    entry_id: str
    kind: str
    name: str
    """The variant to screen."""
    source: str
    """The listed name it was made from."""


def _letter_positions(name: str) -> list[int]:
    return [i for i, c in enumerate(name) if c.isalpha()]


def _drop(rng: random.Random, name: str) -> str:
    i = rng.choice(_letter_positions(name))
    return name[:i] + name[i + 1 :]


def _swap(rng: random.Random, name: str) -> str:
    pairs = [i for i in range(len(name) - 1) if name[i].isalpha() and name[i + 1].isalpha()]
    if not pairs:
        return _drop(rng, name)
    i = rng.choice(pairs)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _replace(rng: random.Random, name: str) -> str:
    i = rng.choice(_letter_positions(name))
    letter = rng.choice([c for c in _LETTERS if c != name[i].lower()])
    return name[:i] + letter + name[i + 1 :]


def _reorder(rng: random.Random, name: str) -> str:
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}"
    words = name.split()
    rng.shuffle(words)
    return " ".join(words)


def _translit(rng: random.Random, name: str) -> str:
    lower = name.lower()
    options = [(a, b) for a, b in _TRANSLIT if a in lower]
    if not options:
        return _replace(rng, name)
    a, b = rng.choice(options)
    starts = [i for i in range(len(lower)) if lower.startswith(a, i)]
    i = rng.choice(starts)
    return lower[:i] + b + lower[i + len(a) :]


def _cyrillic(rng: random.Random, name: str) -> str:
    out, lower, i = [], name.lower(), 0
    while i < len(lower):
        for latin, cyrillic in _CYRILLIC:
            if lower.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(lower[i])
            i += 1
    return "".join(out)


def _accents(rng: random.Random, name: str) -> str:
    lower = name.lower()
    spots = [i for i, c in enumerate(lower) if c in _ACCENTS]
    if not spots:
        return _replace(rng, name)
    chosen = set(rng.sample(spots, k=min(2, len(spots))))
    return "".join(_ACCENTS[c] if i in chosen else c for i, c in enumerate(lower))


_EDITS = {
    "drop": _drop,
    "swap": _swap,
    "replace": _replace,
    "reorder": _reorder,
    "translit": _translit,
    "cyrillic": _cyrillic,
    "accents": _accents,
}


def variants(
    entries: Sequence[ListEntry], count: int, seed: int = 7, min_letters: int = 8
) -> list[Variant]:
    """`count` variants of names of randomly chosen entries, the kinds in turn. Names with
    fewer than `min_letters` letters are not varied: one edit in a four-letter acronym makes
    another acronym, which no matcher should report."""
    rng = random.Random(seed)  # noqa: S311 (seeded test data, no secret)
    pool = [e for e in entries if sum(c.isalpha() for c in e.name) >= min_letters]
    with_alias = [e for e in pool if e.aliases]
    out: list[Variant] = []
    while len(out) < count:
        kind = KINDS[len(out) % len(KINDS)]
        if kind == "alias":
            entry = rng.choice(with_alias)
            source = rng.choice(entry.aliases)
            out.append(Variant(entry.entry_id, kind, _reorder(rng, source), source))
            continue
        entry = rng.choice(pool)
        out.append(Variant(entry.entry_id, kind, _EDITS[kind](rng, entry.name), entry.name))
    return out
