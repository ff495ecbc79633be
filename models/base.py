"""The one base class of the online models: learn from one feature dict, score one.

Every `__init__` argument is stored unchanged under its own name, so `clone()` (a fresh,
untrained copy) and `repr()` work from the signature alone, as in River.
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Iterator, Mapping
from typing import Any, Self

__all__ = ["Features", "OnlineModel"]

Features = Mapping[str, float]


class OnlineModel(abc.ABC):
    @abc.abstractmethod
    def learn_one(self, x: Features) -> None:
        """Update the model with one observation."""

    @abc.abstractmethod
    def score_one(self, x: Features) -> float:
        """A score in [0, 1]: higher is more suspicious."""

    @classmethod
    @abc.abstractmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        """Constructor arguments the contract tests (tests/unit/test_model_contract.py) use."""

    def _get_params(self) -> dict[str, Any]:
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def clone(self) -> Self:
        """An untrained model with the same parameters."""
        return type(self)(**self._get_params())

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._get_params().items())
        return f"{type(self).__name__}({params})"
