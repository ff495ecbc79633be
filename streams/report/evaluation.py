"""Detection quality at the entity level: an injected scenario is found when an alert of its
typology names its entity; an alert is right when its entity carries a label of its typology.

Entities without a label are clean, so every alert on them is a false positive.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CLEAN", "MISSED", "Confusion", "TypologyScore", "confusion", "evaluate"]

CLEAN = "clean"  # the truth of an entity without a label
MISSED = "none"  # what a labelled entity got when no alert named it

Pair = tuple[str, str]  # (entity, typology)


@dataclass(frozen=True)
class TypologyScore:
    typology: str
    labelled: int  # entities injected with this typology
    alerted: int  # entities alerted with this typology
    found: int  # entities in both

    @property
    def recall(self) -> float | None:
        return self.found / self.labelled if self.labelled else None

    @property
    def precision(self) -> float | None:
        return self.found / self.alerted if self.alerted else None


def evaluate(truth: Iterable[Pair], alerts: Iterable[Pair]) -> list[TypologyScore]:
    """One score per typology that was injected or alerted, sorted by name."""
    labelled: dict[str, set[str]] = defaultdict(set)
    alerted: dict[str, set[str]] = defaultdict(set)
    for entity, typology in truth:
        labelled[typology].add(entity)
    for entity, typology in alerts:
        alerted[typology].add(entity)
    return [
        TypologyScore(
            typology,
            len(labelled[typology]),
            len(alerted[typology]),
            len(labelled[typology] & alerted[typology]),
        )
        for typology in sorted(labelled.keys() | alerted.keys())
    ]


# confusion[true typology][alerted typology] = entities; CLEAN and MISSED as above.
Confusion = dict[str, Counter[str]]


def confusion(truth: Iterable[Pair], alerts: Iterable[Pair]) -> Confusion:
    """Entities by true typology (rows) and alerted typology (columns). An entity with several
    labels or alerts counts once per (label, alert) pair; a labelled entity whose label is
    among its alerts counts only on the diagonal for that label."""
    labels: dict[str, set[str]] = defaultdict(set)
    got: dict[str, set[str]] = defaultdict(set)
    for entity, typology in truth:
        labels[entity].add(typology)
    for entity, typology in alerts:
        got[entity].add(typology)
    table: Confusion = defaultdict(Counter)
    for entity in labels.keys() | got.keys():
        alerted = got.get(entity, set())
        for label in labels.get(entity) or {CLEAN}:
            if label in alerted:
                table[label][label] += 1
            elif alerted:
                for typology in alerted:
                    table[label][typology] += 1
            else:
                table[label][MISSED] += 1
    return dict(table)
