"""Feature contributions: why a model gave the score it gave, for alert reasons.

A model's `explain_one(x, top)` returns `Contribution`s, largest `|weight|` first. This is not the
alert schema: the caller converts each one to `topics.messages.alert.AlertReason` with
`source="feature"`, so models/ does not depend on topics/.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Contribution", "top_weights"]


@dataclass(frozen=True, slots=True)
class Contribution:
    """One feature's share in a score.

    Parameters
    ----------
    name
        The feature name, as in the feature dict.
    value
        The raw feature value the model saw.
    weight
        Signed size of the contribution, in the model's own unit (documented by each model's
        `explain_one`): positive pushes the score up. Only comparable within one model.
    text
        One human-readable line, e.g. for a SIEM analyst.

    Examples
    --------
    >>> c = Contribution("amount", 9500.0, 4.2, "amount=9500 is 4.2 sd above its running mean")
    >>> c.text
    'amount=9500 is 4.2 sd above its running mean'
    """

    name: str
    value: float
    weight: float
    text: str


def top_weights(weights: Mapping[str, float], top: int) -> list[tuple[str, float]]:
    """The `top` non-zero weights by absolute value, largest first; ties keep their input order.

    Models rank first and word only the winners, since formatting text costs more than ranking.

    Examples
    --------
    >>> top_weights({"a": 0.5, "b": -2.0, "c": 1.0, "d": 0.0}, 2)
    [('b', -2.0), ('c', 1.0)]
    """
    if top <= 0:
        return []
    nonzero = [(name, w) for name, w in weights.items() if w != 0.0]
    return heapq.nlargest(top, nonzero, key=lambda item: abs(item[1]))
