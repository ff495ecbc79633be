"""A blocking index: the few listed names worth scoring against a query, found without
scoring the whole list.

Each distinct token of the listed names is indexed under itself and under every string one
deletion away from it (the symmetric-delete scheme of SymSpell), so a query token finds the
listed tokens at most one substitution, insertion, deletion or adjacent transposition away
with a handful of dict lookups. A listed name is a candidate when it contains enough of the
query's tokens (one in a one- or two-token query, all but one in a longer one). Tokens whose
neighbourhood occurs in many listed names (`al`, `mohammed`, `trading`) say little about which
name is meant and would flood the candidates, so they only block when a query has nothing
else, and then a candidate must contain all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

__all__ = ["BlockingIndex"]

# Shorter tokens are only looked up exactly: their deletions (2 letters) match everything.
MIN_FUZZY_LEN = 4


def _deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


class BlockingIndex:
    """Listed names by their tokens, within one edit.

    Parameters
    ----------
    names
        The token lists of the listed names; candidates are positions in this sequence.
    max_postings
        Query tokens whose neighbourhood is in more listed names than this are common (see
        the module docstring).
    cache_size
        Query tokens whose index lookups are remembered: names repeat their first and last
        names, and the lookups are most of the blocking cost.

    Examples
    --------
    >>> index = BlockingIndex([["viktor", "bout"], ["hesa"], ["viktor", "petrov"]])
    >>> sorted(index.candidates(["victor", "bout"]))
    [0, 2]
    >>> index.candidates(["hasa"])
    [1]
    """

    def __init__(
        self,
        names: Sequence[Sequence[str]],
        max_postings: int = 200,
        cache_size: int = 1 << 16,
    ) -> None:
        self.names = names
        self.max_postings = max_postings
        self.cache_size = cache_size
        vocabulary: dict[str, int] = {}
        postings: list[set[int]] = []
        for i, tokens in enumerate(names):
            for token in tokens:
                t = vocabulary.setdefault(token, len(vocabulary))
                if t == len(postings):
                    postings.append(set())
                postings[t].add(i)
        self._postings = [frozenset(p) for p in postings]
        neighbours: dict[str, list[int]] = {}
        for token, t in vocabulary.items():
            neighbours.setdefault(token, []).append(t)
            if len(token) >= MIN_FUZZY_LEN:
                for d in _deletions(token):
                    neighbours.setdefault(d, []).append(t)
        self._neighbours = {k: tuple(v) for k, v in neighbours.items()}
        self._lookup = lru_cache(maxsize=cache_size)(self._token_postings)

    def _token_postings(self, token: str) -> tuple[frozenset[int], bool]:
        """The listed names containing a token within one edit of `token`, and whether they
        are too many to be selective."""
        keys = {token} | _deletions(token) if len(token) >= MIN_FUZZY_LEN else {token}
        found = {t for k in keys for t in self._neighbours.get(k, ())}
        ids = frozenset().union(*(self._postings[t] for t in found))
        return ids, len(ids) > self.max_postings

    def candidates(self, tokens: Iterable[str]) -> list[int]:
        """Positions of the listed names worth scoring against a query's tokens."""
        rare: list[frozenset[int]] = []
        common: list[frozenset[int]] = []
        for token in set(tokens):
            ids, is_common = self._lookup(token)
            if ids:
                (common if is_common else rare).append(ids)
        if not rare:
            return list(frozenset.intersection(*common)) if common else []
        if len(rare) <= 2:
            return list(rare[0].union(*rare[1:]))
        need = len(rare) - 1
        counts: Counter[int] = Counter()
        for ids in rare:
            counts.update(ids)
        return [i for i, n in counts.items() if n >= need]
