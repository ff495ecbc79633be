"""The base classes of the online models: learn from one feature dict, score one.

Two kinds share one `Estimator` base:

- `OnlineModel`: unsupervised (anomaly detectors), `learn_one(x)`; while not `warmed_up` its
  `score_one` returns 0.0, so it cannot alert on a cold model.
- `OnlineClassifier`: supervised from late labels (analyst feedback), `learn_one(x, y)`; while not
  `warmed_up` its `score_one` returns its `prior`. It is a separate class rather than an
  `OnlineModel` because its `learn_one` needs the label, so it cannot stand in for one.

Every `__init__` argument is stored unchanged under its own name, so `clone()` (a fresh,
untrained copy) and `repr()` work from the signature alone, as in River. Arguments are plain
values (numbers, strings, tuples), so models pickle (models/checkpoint.py).
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Iterator, Mapping
from typing import Any, Self

from models.explain import Contribution

__all__ = ["Estimator", "Features", "OnlineClassifier", "OnlineModel"]

Features = Mapping[str, float]


class Estimator(abc.ABC):
    """What every online model has: parameters, clone, repr, warm-up state, explanations."""

    @abc.abstractmethod
    def score_one(self, x: Features) -> float:
        """A score in [0, 1]: higher is more suspicious."""

    @classmethod
    @abc.abstractmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        """Constructor arguments the contract tests (tests/unit/test_model_contract.py) use."""

    @property
    def warmed_up(self) -> bool:
        """Whether the model has learnt enough for its scores to be trusted (and alert)."""
        return True

    def explain_one(self, x: Features, top: int = 3) -> list[Contribution]:
        """The `top` feature contributions to `score_one(x)`, largest first.

        Models without a feature-level explanation return no contributions.
        """
        return []

    def _get_params(self) -> dict[str, Any]:
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def clone(self) -> Self:
        """An untrained model with the same parameters."""
        return type(self)(**self._get_params())

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._get_params().items())
        return f"{type(self).__name__}({params})"


class OnlineModel(Estimator):
    """An unsupervised model; `score_one` is 0.0 while not `warmed_up`."""

    @abc.abstractmethod
    def learn_one(self, x: Features) -> None:
        """Update the model with one observation."""


class OnlineClassifier(Estimator):
    """A supervised binary model; `score_one` is `prior` while not `warmed_up`."""

    prior: float
    """The score before the model is warmed up: the assumed probability of the positive class."""

    @abc.abstractmethod
    def learn_one(self, x: Features, y: bool) -> None:
        """Update the model with one labelled observation (`True` = the positive class)."""

    @abc.abstractmethod
    def score_one(self, x: Features) -> float:
        """The probability of the positive class, in [0, 1]."""
