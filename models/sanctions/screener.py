"""Screening one name against sanctions lists: normalise it, block, score the candidates with
rapidfuzz, and report the best-scoring name of each listed party above the threshold.

Each candidate is scored twice and keeps the better score: with the configured scorer on the
sorted tokens (so the order of the names does not matter), and with plain ratio on the names
in their written order, OFAC's `LAST, First` also turned around. Sorting alone is not enough:
a typo in a token's first letter (`Lforez` for `Florez`) moves it elsewhere in the sorted
order, and the sorted strings then differ in far more than one letter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, Literal

from rapidfuzz import fuzz, process

from models.sanctions.entry import ListEntry, Match
from models.sanctions.index import BlockingIndex
from models.sanctions.normalize import tokens

__all__ = ["SCORERS", "SanctionsScreener", "Scorer"]

Scorer = Literal["token_sort_ratio", "token_set_ratio", "WRatio"]

# The index keeps every name with its tokens already sorted, so token_sort_ratio is plain
# ratio on the stored strings: the scorer does not re-split and re-sort every candidate.
SCORERS: Final[dict[str, Callable[..., float]]] = {
    "token_sort_ratio": fuzz.ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "WRatio": fuzz.WRatio,
}


def _written_orders(name: str, individual: bool) -> tuple[str, ...]:
    """The name's tokens as written, and for a person listed as `LAST, First` also as
    `First LAST` (in entity names a comma comes before a legal form: `SUEX OTC, S.R.O.`)."""
    words = tokens(name)
    last, comma, first = name.partition(",")
    if individual and comma and first.strip():
        turned = " ".join(tokens(first) + tokens(last))
        if turned != " ".join(words):
            return (" ".join(words), turned)
    return (" ".join(words),)


class SanctionsScreener:
    """Fuzzy screening of names against list entries, primary names and aliases alike.

    Parameters
    ----------
    entries
        The list entries (models.sanctions.ofac, models.sanctions.un).
    threshold
        Lowest similarity in [0, 100] reported as a match.
    scorer
        The rapidfuzz similarity of the normalised names: `token_sort_ratio` (default: order
        does not matter, every token counts), `token_set_ratio` (a name contained in another
        scores 100: more recall, less precision) or `WRatio`.
    max_postings
        See `BlockingIndex`.

    Examples
    --------
    >>> from models.sanctions.entry import ListEntry
    >>> screener = SanctionsScreener([ListEntry("306", "ofac_sdn", "individual",
    ...     "BOUT, Viktor Anatolijevitch", ("BUTT, Viktor", "BOUT, Victor"), ("SDGT",))])
    >>> [(m.entry_id, m.matched_name, m.alias, m.score) for m in screener.screen("Victor Bout")]
    [('306', 'BUTT, Viktor', True, 100.0)]
    >>> screener.screen("Виктор Бут")[0].matched_name  # read back as "Viktor But"
    'BUTT, Viktor'
    >>> screener.screen("Viktor Anatolyevich Bout")[0].matched_name
    'BOUT, Viktor Anatolijevitch'
    >>> screener.screen("Victoria Brown")
    []
    """

    def __init__(
        self,
        entries: Iterable[ListEntry],
        threshold: float = 88.0,
        scorer: Scorer = "token_sort_ratio",
        max_postings: int = 200,
    ) -> None:
        self.entries = tuple(entries)
        self.threshold = threshold
        self.scorer = scorer
        self.max_postings = max_postings
        self._score = SCORERS[scorer]
        names: list[list[str]] = []
        keys: list[str] = []
        # One indexed name per written form of a listed name (OFAC's `LAST, First` gives two):
        # its tokens in written order, and its entry position, published name, alias or not.
        written: list[str] = []
        owners: list[tuple[int, str, bool]] = []
        for e, entry in enumerate(self.entries):
            seen: set[str] = set()
            for n, name in enumerate((entry.name, *entry.aliases)):
                for form in _written_orders(name, entry.kind == "individual"):
                    if form and form not in seen:
                        seen.add(form)
                        toks = form.split()
                        names.append(toks)
                        keys.append(" ".join(sorted(toks)))
                        written.append(form)
                        owners.append((e, name, n > 0))
        self._keys = keys
        self._written = written
        self._owners = owners
        self._index = BlockingIndex(names, max_postings=max_postings)

    def __len__(self) -> int:
        """Names indexed: the distinct written forms of primary names and aliases."""
        return len(self._keys)

    def screen(self, name: str) -> list[Match]:
        """The listed parties whose primary name or an alias scores at least the threshold
        against `name`, best first, one match per party."""
        toks = tokens(name)
        if not toks:
            return []
        candidates = self._index.candidates(toks)
        if not candidates:
            return []
        keys, written = self._keys, self._written
        scores: dict[int, float] = {}
        for _, score, c in process.extract(
            " ".join(sorted(toks)),
            [keys[i] for i in candidates],
            scorer=self._score,
            score_cutoff=self.threshold,
            limit=None,
        ):
            scores[candidates[c]] = score
        for _, score, c in process.extract(
            " ".join(toks),
            [written[i] for i in candidates],
            scorer=fuzz.ratio,
            score_cutoff=self.threshold,
            limit=None,
        ):
            i = candidates[c]
            if score > scores.get(i, 0.0):
                scores[i] = score
        found = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        best: dict[int, Match] = {}
        for i, score in found:  # best first, so the first hit of a party is its best
            e, matched, alias = self._owners[i]
            if e not in best:
                entry = self.entries[e]
                best[e] = Match(
                    entry.entry_id,
                    entry.list_name,
                    matched,
                    alias,
                    score,
                    entry.programs,
                    entry.name,
                )
        return list(best.values())

    def __repr__(self) -> str:
        return (
            f"SanctionsScreener({len(self.entries)} entries, {len(self)} names, "
            f"threshold={self.threshold:g}, scorer={self.scorer!r})"
        )
