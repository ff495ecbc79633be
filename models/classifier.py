"""Online logistic regression trained from analyst feedback labels (river inside)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from river import linear_model, optim

from models.base import Features, OnlineClassifier
from models.explain import Contribution, top_weights
from models.scaling import FeatureScaler

__all__ = ["LogisticClassifier"]

# Standardised inputs are clipped to this many running standard deviations, so that one freak
# value cannot throw the weights with a single gradient step.
_Z_CLIP = 10.0


class LogisticClassifier(OnlineClassifier):
    """The probability that an event is a true positive, learnt from `qr.feedback` labels.

    Labels come late: the caller keeps the features of each scored event for a while and calls
    ``learn_one(x, y)`` with those features when the analyst's label arrives (`True` = confirmed
    suspicious). Features are scaled as in `models.hst.HalfSpaceTrees` (signed ``log1p`` for
    `log_features`, then a running z-score, clipped to +-10) and fed to river's
    `linear_model.LogisticRegression` with plain SGD and an L2 penalty. The running statistics
    come from the labelled events only, the same population the weights are fitted on.

    Until it has `min_labels` labels, at least one of each class, the model is not `warmed_up`
    and `score_one` returns `prior` (learning goes on meanwhile): a fit on a handful of labels,
    or on one class only, would score with confidence it has not earned. Set `prior` to what the
    combiner should read as "no opinion", e.g. the expected share of true positives.

    SGD from zero weights has no randomness, so two models with the same parameters fed the same
    labels give the same scores; there is no seed.

    Parameters
    ----------
    l2
        L2 penalty on the weights (not on the intercept).
    lr
        SGD learning rate of the weights and the intercept.
    prior
        The score while not `warmed_up`, in [0, 1].
    min_labels
        Labels to learn before the model is `warmed_up`.
    features
        The feature names to use, in any order; empty means the keys of the first labelled
        observation. Missing features count as at their mean; extra keys are ignored.
    log_features
        Feature names to log-transform before standardising (heavy-tailed, e.g. amounts).

    Examples
    --------
    >>> import random
    >>> from models.classifier import LogisticClassifier

    >>> rng = random.Random(3)
    >>> model = LogisticClassifier(min_labels=20, log_features=("amount",))
    >>> model.score_one({"amount": 9000.0, "fan_in": 12.0})  # no labels yet: the prior
    0.5
    >>> for _ in range(400):
    ...     y = rng.random() < 0.3
    ...     amount = rng.lognormvariate(8.5 if y else 5.0, 1.0)
    ...     model.learn_one({"amount": amount, "fan_in": rng.gauss(10 if y else 3, 2)}, y)
    >>> model.labels_seen, model.warmed_up
    (400, True)
    >>> print(f"{model.score_one({'amount': 9000.0, 'fan_in': 12.0}):.3f}")
    0.987
    >>> print(f"{model.score_one({'amount': 150.0, 'fan_in': 2.0}):.3f}")
    0.025
    >>> for c in model.explain_one({"amount": 9000.0, "fan_in": 12.0}):
    ...     print(c.text)
    fan_in=12 is 1.9 sd above its running mean; adds +3.24 to the log-odds
    amount=9000 is 1.6 sd above its running mean (log scale); adds +2.55 to the log-odds
    """

    def __init__(
        self,
        l2: float = 1e-4,
        lr: float = 0.05,
        prior: float = 0.5,
        min_labels: int = 50,
        features: tuple[str, ...] = (),
        log_features: tuple[str, ...] = (),
    ) -> None:
        if not 0.0 <= prior <= 1.0:
            raise ValueError("prior must be in [0, 1]")
        if l2 < 0.0 or lr <= 0.0 or min_labels < 0:
            raise ValueError("l2 and min_labels must not be negative, lr must be positive")
        self.l2 = l2
        self.lr = lr
        self.prior = prior
        self.min_labels = min_labels
        self.features = features
        self.log_features = log_features

        self._scaler = FeatureScaler(features, log_features)
        self._lr = linear_model.LogisticRegression(optimizer=optim.SGD(lr), l2=l2, intercept_lr=lr)
        self._labels_seen = 0
        self._positives_seen = 0

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}
        yield {
            "l2": 0.01,
            "lr": 0.1,
            "prior": 0.02,
            "min_labels": 10,
            "features": ("a", "b", "c"),
            "log_features": ("a",),
        }

    @property
    def labels_seen(self) -> int:
        """Labelled observations learnt."""
        return self._labels_seen

    @property
    def positives_seen(self) -> int:
        """Labelled observations learnt with ``y=True``."""
        return self._positives_seen

    @property
    def warmed_up(self) -> bool:
        return self._labels_seen >= self.min_labels and 0 < self._positives_seen < self._labels_seen

    def learn_one(self, x: Features, y: bool) -> None:
        self._scaler.fix_names(x)
        logged, _ = self._scaler.standardise(x)
        # Scaler first, as in a river pipeline, so the step uses the statistics it will be
        # scored with.
        self._scaler.learn_one(logged)
        self._lr.learn_one(self._inputs(x), bool(y))
        self._labels_seen += 1
        self._positives_seen += bool(y)

    def score_one(self, x: Features) -> float:
        if not self.warmed_up:
            return self.prior
        p = self._lr.predict_proba_one(self._inputs(x))[True]
        return min(1.0, max(0.0, float(p)))

    def explain_one(self, x: Features, top: int = 3) -> list[Contribution]:
        """The features by their term in the log-odds: weight times clipped z-score.

        Positive terms push towards the positive class. A model that is not `warmed_up`
        explains nothing (its score is the prior whatever the features).
        """
        if not self.warmed_up:
            return []
        weights = self._lr.weights
        z = self._inputs(x)
        terms = {name: float(weights.get(name, 0.0)) * zi for name, zi in z.items()}
        contributions = []
        for name, term in top_weights(terms, top):
            where = self._scaler.describe(name, x[name], z[name])
            text = f"{where}; adds {term:+.2f} to the log-odds"
            contributions.append(Contribution(name, float(x[name]), term, text))
        return contributions

    def _inputs(self, x: Features) -> dict[str, float]:
        _, z = self._scaler.standardise(x)
        return {name: max(-_Z_CLIP, min(_Z_CLIP, zi)) for name, zi in z.items()}
