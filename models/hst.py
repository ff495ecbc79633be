"""Half-Space Trees anomaly detector over numeric feature dicts (river inside)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from river import anomaly

from models.base import Features, OnlineModel
from models.explain import Contribution, top_weights
from models.scaling import FeatureScaler

__all__ = ["HalfSpaceTrees"]

# The width of the squash, in running standard deviations: a feature at its running mean maps to
# 0.5, one at +3 sd to about 0.73 and one at +10 sd to about 0.97. A narrower squash saturates
# the tails where the anomalies are, a wider one leaves the bulk in a sliver that the trees' splits
# (drawn uniformly from the middle 70 % of each cell) rarely cut.
_SQUASH_SD = 3.0


class HalfSpaceTrees(OnlineModel):
    """Half-Space Trees (river's `anomaly.HalfSpaceTrees`) behind a robust [0, 1] scaling.

    River's trees split the unit cube, so every feature is mapped to [0, 1] first:

    1. the features named in `log_features` (money amounts, byte counts: heavy-tailed) go through
       ``sign(v) * log1p(|v|)``;
    2. each feature is standardised with its running mean and variance over the whole stream
       (`models.scaling.FeatureScaler`), giving ``z``;
    3. ``z`` is squashed with ``0.5 + 0.5 * tanh(z / 6)`` (a logistic of ``z / 3``).

    River's `preprocessing.MinMaxScaler` is not used: a single freak value sets the maximum for
    good and squeezes every later value into a sliver near 0, where the trees no longer separate
    anything, whereas it only moves a running variance by O(1/n). The log step keeps heavy tails
    from dominating that variance. The z-scores also explain the score (`explain_one`). On a
    seeded synthetic stream (12 features, 1 % injected outliers, two 10,000x freak values on the
    feature that carries the outliers; mean of 3 seeds) ROC AUC was, MinMax against this scaling:
    0.81 / 0.84 at 15 trees of height 6, 0.83 / 0.89 at 25 trees of height 8, but 0.82 / 0.80
    at 10 trees of height 6; without the log step this scaling lost 0.02-0.05.

    Cost, 12 features, one AMD EPYC core: about 28 us per `score_one` and 23 us per `learn_one`
    at the defaults (15 trees of height 6); 50 us and 11 us at 25 trees of height 8 with
    `learn_every=4`. Scoring is river's pure-Python tree walk and grows with trees x height.

    The score is river's: 1 minus the tree mass along the observation's path, normalised by the
    largest possible mass. It is relative, not a probability: on that synthetic stream typical
    observations scored about 0.5 and outliers 0.65-0.8, so thresholds belong in config.

    While fewer than `warm_up` observations (and at least one full `window_size` of learnt ones)
    have been seen, `score_one` returns 0.0 and `warmed_up` is False: the scaler's statistics and
    the trees' reference window are still forming, and a cold model must not alert.

    Non-finite values count as missing. A missing feature is scored (and learnt) at its running
    mean, 0.5, so missing never looks anomalous; river's own handling (follow the child with more
    mass in the *current* window) sends it down an empty branch right after each window pivot. The
    features are fixed once: `features` if given (extra keys are ignored), else the keys of the
    first observation learnt.

    Parameters
    ----------
    n_trees
        Number of trees. Scoring and learning cost grow linearly with it.
    height
        Height of each tree (``2 ** (height + 1) - 1`` nodes): time grows linearly with it,
        memory and checkpoint size exponentially (65 KiB pickled at the defaults, 250 KiB at
        height 8).
    window_size
        Observations per reference window: the trees score against the mass of the previous
        full window of learnt observations.
    warm_up
        Observations to see before `score_one` may return anything but 0.0.
    features
        The feature names to use, in any order; empty means the keys of the first observation.
    log_features
        Feature names to log-transform before standardising (heavy-tailed, e.g. amounts).
    learn_every
        Learn from every `learn_every`-th observation only and just count the others, which
        cuts the cost of `learn_one` by that factor when the stream is dense enough; 1 learns
        from all. `warm_up` counts observations seen, a window counts the learnt ones (so it
        spans ``window_size * learn_every`` observations).
    seed
        Seed of the random splits; None for a random seed (then not reproducible).

    Examples
    --------
    >>> import random
    >>> from models.hst import HalfSpaceTrees

    >>> rng = random.Random(7)
    >>> model = HalfSpaceTrees(window_size=50, warm_up=100, log_features=("amount",), seed=42)
    >>> model.score_one({"amount": 20.0, "hour": 12.0})  # cold: never alerts
    0.0
    >>> for _ in range(300):
    ...     model.learn_one({"amount": rng.lognormvariate(3.0, 0.5), "hour": rng.gauss(12, 2)})
    >>> model.warmed_up
    True
    >>> print(f"{model.score_one({'amount': 20.0, 'hour': 12.0}):.3f}")
    0.398
    >>> print(f"{model.score_one({'amount': 5000.0, 'hour': 3.0}):.3f}")
    0.970
    >>> print(f"{model.score_one({'amount': 20.0}):.3f}")  # missing hour: scored at its mean
    0.398
    >>> for c in model.explain_one({"amount": 5000.0, "hour": 3.0}, top=2):
    ...     print(c.text)
    amount=5000 is 11.9 sd above its running mean (log scale)
    hour=3 is 4.6 sd below its running mean
    """

    def __init__(
        self,
        n_trees: int = 15,
        height: int = 6,
        window_size: int = 250,
        warm_up: int = 500,
        features: tuple[str, ...] = (),
        log_features: tuple[str, ...] = (),
        learn_every: int = 1,
        seed: int | None = 42,
    ) -> None:
        if n_trees < 1 or height < 1 or window_size < 1 or learn_every < 1:
            raise ValueError("n_trees, height, window_size and learn_every must be at least 1")
        if warm_up < 0:
            raise ValueError("warm_up must not be negative")
        self.n_trees = n_trees
        self.height = height
        self.window_size = window_size
        self.warm_up = warm_up
        self.features = features
        self.log_features = log_features
        self.learn_every = learn_every
        self.seed = seed

        self._scaler = FeatureScaler(features, log_features)
        self._hst = anomaly.HalfSpaceTrees(
            n_trees=n_trees, height=height, window_size=window_size, seed=seed
        )
        self._n_seen = 0
        self._n_learnt = 0

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        yield {
            "n_trees": 5,
            "height": 4,
            "window_size": 30,
            "warm_up": 60,
            "features": ("a", "b", "c"),
            "log_features": ("a",),
            "learn_every": 2,
            "seed": 7,
        }

    @property
    def warmed_up(self) -> bool:
        return self._n_seen >= self.warm_up and self._n_learnt >= self.window_size

    def learn_one(self, x: Features) -> None:
        self._n_seen += 1
        if (self._n_seen - 1) % self.learn_every:
            return
        self._scaler.fix_names(x)
        if not self._scaler.names:
            return  # nothing to split on yet: river lays its trees out from the first learnt keys
        logged, z = self._scaler.standardise(x)
        # Only after standardising, so score_one(x) then learn_one(x) see the same scaling.
        self._scaler.learn_one(logged)
        self._hst.learn_one(self._squash(z))
        self._n_learnt += 1

    def score_one(self, x: Features) -> float:
        if not self.warmed_up:
            return 0.0
        _, z = self._scaler.standardise(x)
        return min(1.0, max(0.0, float(self._hst.score_one(self._squash(z)))))

    def explain_one(self, x: Features, top: int = 3) -> list[Contribution]:
        """The features furthest from their running mean, in running standard deviations.

        Half-space trees isolate an observation by cutting it off from the bulk along a few
        features; the features that sit furthest out are the ones such cuts find. The weight is
        the signed ``z`` (on the log scale for `log_features`); features at their mean (weight
        0) and missing ones are left out, and a model that is not `warmed_up` explains nothing
        (its score is 0.0 whatever the features).
        """
        if not self.warmed_up:
            return []
        _, z = self._scaler.standardise(x)
        return [
            Contribution(name, float(x[name]), zi, self._scaler.describe(name, x[name], zi))
            for name, zi in top_weights(z, top)
        ]

    def _squash(self, z: dict[str, float]) -> dict[str, float]:
        """Every feature in [0, 1], the missing ones at the centre."""
        return {
            name: 0.5 + 0.5 * math.tanh(z[name] / (2.0 * _SQUASH_SD)) if name in z else 0.5
            for name in self._scaler.names
        }
