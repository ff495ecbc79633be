"""The metrics of `qrstream eval` on hand-made labels and scores, with ties, against values
worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from streams.report.metrics import Counts, average_precision, counts, pr_curve, recall_at_k, roc_auc

# Score groups, highest first: 0.9 {+}, 0.7 {+,-}, 0.5 {+,-,-}, 0.2 {+}, 0.1 {-}.
LABELS = [1, 1, 0, 1, 0, 0, 1, 0]
SCORES = [0.9, 0.7, 0.7, 0.5, 0.5, 0.5, 0.2, 0.1]


def test_the_pr_curve_has_one_point_per_distinct_score() -> None:
    curve = pr_curve(LABELS, SCORES)
    assert curve.thresholds.tolist() == [0.9, 0.7, 0.5, 0.2, 0.1]
    # (tp, fp) at each cut: (1,0) (2,1) (3,3) (4,3) (4,4)
    assert curve.precision.tolist() == pytest.approx([1, 2 / 3, 1 / 2, 4 / 7, 1 / 2])
    assert curve.recall.tolist() == pytest.approx([0.25, 0.5, 0.75, 1, 1])
    assert curve.false_positive_rate.tolist() == pytest.approx([0, 0.25, 0.75, 0.75, 1])


def test_average_precision_weights_precision_by_recall_gained() -> None:
    # 1/4 * (1 + 2/3 + 1/2 + 4/7) + 0 * 1/2 = 115/168
    assert average_precision(LABELS, SCORES) == pytest.approx(115 / 168)


def test_roc_auc_counts_ties_half() -> None:
    # Positive against negative pairs won: 0.9 -> 4, 0.7 -> 3 + 1/2, 0.5 -> 1 + 2 * 1/2,
    # 0.2 -> 1; 10.5 of 16.
    assert roc_auc(LABELS, SCORES) == pytest.approx(10.5 / 16)


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (1, 1 / 4),
        (2, 1.5 / 4),  # 0.9, then one place for the two 0.7s (one positive): 1 + 1/2
        (3, 2 / 4),
        (5, (2 + 2 * 1 / 3) / 4),  # two places for the three 0.5s (one positive)
        (100, 1.0),
    ],
)
def test_recall_at_k_shares_a_tie_at_the_cut(k: int, expected: float) -> None:
    assert recall_at_k(LABELS, SCORES, k) == pytest.approx(expected)


def test_a_decision_at_a_threshold() -> None:
    decision = counts(LABELS, [s >= 0.5 for s in SCORES])
    assert decision == Counts(tp=3, fp=3, fn=1)
    assert (decision.precision, decision.recall) == (0.5, 0.75)
    assert decision.f1 == pytest.approx(2 * 0.5 * 0.75 / 1.25)


def test_degenerate_cases() -> None:
    assert roc_auc([1, 1], [0.2, 0.3]) is None  # no negatives
    assert average_precision([1, 1], [0.2, 0.3]) == 1.0
    assert average_precision([0, 0], [0.2, 0.3]) is None
    assert recall_at_k([0, 0], [0.2, 0.3], 1) is None
    assert roc_auc([1, 0, 1, 0], [0.5] * 4) == 0.5  # one big tie: the diagonal
    assert average_precision([1, 0, 1, 0], [0.5] * 4) == 0.5
    assert roc_auc([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.9]) == 1.0
    assert Counts(0, 0, 0).precision is None
    assert Counts(0, 2, 0).f1 == 0.0
    with pytest.raises(ValueError, match="3 labels against 2 scores"):
        pr_curve([1, 0, 1], [0.1, 0.2])
