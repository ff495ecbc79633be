"""Ranking and decision metrics of a risk score against 0/1 labels, in numpy.

Ties are handled as scikit-learn does: every threshold is a distinct score, so events with
equal scores enter the curves together, and ROC-AUC equals the Mann-Whitney statistic with
ties counted half. Recall at top k takes the expectation over the orders of a tie at the cut.

>>> labels = [1, 0, 1, 0]
>>> scores = [0.9, 0.8, 0.8, 0.1]
>>> roc_auc(labels, scores), recall_at_k(labels, scores, 2)
(0.875, 0.75)
>>> round(average_precision(labels, scores) or 0, 4)  # 1/2 * 1 + 1/2 * 2/3
0.8333
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "Counts",
    "PrCurve",
    "average_precision",
    "counts",
    "pr_curve",
    "recall_at_k",
    "roc_auc",
]

Labels = Sequence[int] | npt.NDArray[np.int64]
Scores = Sequence[float] | npt.NDArray[np.float64]


@dataclass(frozen=True)
class PrCurve:
    """One point per distinct score, highest first: flagging every event scored at or above
    `thresholds[i]` gives `precision[i]` and `recall[i]`."""

    thresholds: npt.NDArray[np.float64]
    precision: npt.NDArray[np.float64]
    recall: npt.NDArray[np.float64]
    false_positive_rate: npt.NDArray[np.float64]


def _arrays(
    labels: Labels, scores: Scores
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"{y.size} labels against {s.size} scores")
    return y, s


def pr_curve(labels: Labels, scores: Scores) -> PrCurve:
    y, s = _arrays(labels, scores)
    order = np.argsort(-s, kind="stable")
    y, s = y[order], s[order]
    # The last index of each run of equal scores: a threshold takes in the whole tie.
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True]) if s.size else np.array([], np.int64)
    tp = np.cumsum(y)[last].astype(np.float64)
    fp = (last + 1) - tp
    positives, negatives = float(y.sum()), float(y.size - y.sum())
    return PrCurve(
        thresholds=s[last],
        precision=tp / (tp + fp),
        recall=tp / positives if positives else np.full(tp.shape, np.nan),
        false_positive_rate=fp / negatives if negatives else np.full(fp.shape, np.nan),
    )


def average_precision(labels: Labels, scores: Scores) -> float | None:
    """Sum over thresholds of precision times the recall gained there; None without
    positives."""
    curve = pr_curve(labels, scores)
    if not curve.recall.size or np.isnan(curve.recall).any():
        return None
    gained = np.diff(curve.recall, prepend=0.0)
    return float(np.sum(gained * curve.precision))


def roc_auc(labels: Labels, scores: Scores) -> float | None:
    """Area under the ROC curve (trapezoids, so a tie is a diagonal segment); None unless
    there are both positives and negatives."""
    curve = pr_curve(labels, scores)
    if not curve.recall.size or np.isnan(curve.recall).any():
        return None
    if np.isnan(curve.false_positive_rate).any():
        return None
    tpr = np.r_[0.0, curve.recall]
    fpr = np.r_[0.0, curve.false_positive_rate]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def recall_at_k(labels: Labels, scores: Scores, k: int) -> float | None:
    """Share of the positives among the k highest scores; None without positives. Events
    tied with the k-th score share its remaining places evenly."""
    y, s = _arrays(labels, scores)
    positives = int(y.sum())
    if not positives:
        return None
    k = min(k, y.size)
    if k <= 0:
        return 0.0
    cut = np.sort(s)[::-1][k - 1]
    above, tied = s > cut, s == cut
    found = y[above].sum() + (k - above.sum()) * y[tied].sum() / tied.sum()
    return float(found / positives)


@dataclass(frozen=True)
class Counts:
    """A yes/no decision against the labels."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        # 2PR / (P + R) rewritten in counts, which is defined whenever anything was
        # flagged or labelled.
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None


def counts(labels: Labels, flagged: Sequence[bool] | npt.NDArray[np.bool_]) -> Counts:
    y = np.asarray(labels, dtype=bool)
    f = np.asarray(flagged, dtype=bool)
    if y.shape != f.shape:
        raise ValueError(f"{y.size} labels against {f.size} decisions")
    return Counts(int((y & f).sum()), int((~y & f).sum()), int((y & ~f).sum()))
