"""The contract every online model in models/ keeps, checked as `model x check` (as river's
`checks` do): clone, pickle round trip, seeded determinism, scores in [0, 1], missing and extra
features, warm-up, explanations, and a sanity check of what each kind of model learns.

Models are discovered: every concrete `Estimator` subclass defined in a `models.*` module,
instantiated with each of its `_unit_test_params()`. A new model is covered as soon as it defines
them. Records use the model's `features` parameter if it has one, else the names `a`..`d`.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pickle
import pkgutil
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import models
from models.base import Estimator, OnlineClassifier, OnlineModel
from models.classifier import LogisticClassifier
from models.explain import Contribution
from models.hst import HalfSpaceTrees

DEFAULT_NAMES = ("a", "b", "c", "d")
# Every model must be warmed up after this many (labelled) records of the synthetic stream.
WARM_WITHIN = 1000


def _discover() -> list[type[Estimator]]:
    for info in pkgutil.walk_packages(models.__path__, "models."):
        importlib.import_module(info.name)
    found: dict[str, type[Estimator]] = {}
    stack: list[type[Estimator]] = [Estimator]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("models.") and not inspect.isabstract(sub):
                found[f"{sub.__module__}.{sub.__qualname__}"] = sub
    return [found[k] for k in sorted(found)]


MODEL_CLASSES = _discover()


def _instances() -> Iterator[Any]:
    for cls in MODEL_CLASSES:
        for i, params in enumerate(cls._unit_test_params()):
            yield pytest.param(cls, params, id=f"{cls.__name__}[{i}]")


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - seeded test data, not crypto


def _names(model: Estimator) -> tuple[str, ...]:
    features = getattr(model, "features", ())
    if isinstance(features, tuple) and features and all(isinstance(f, str) for f in features):
        return features
    return DEFAULT_NAMES


def _record(names: tuple[str, ...], rng: random.Random, scale: float = 1.0) -> dict[str, float]:
    """Even-numbered features are amount-like (log-normal), odd ones Gaussian."""
    return {
        name: rng.lognormvariate(3.0, 0.5) * scale if i % 2 == 0 else rng.gauss(0.0, 1.0) * scale
        for i, name in enumerate(names)
    }


def _stream(model: Estimator, n: int, seed: int = 0) -> list[tuple[dict[str, float], bool]]:
    """Seeded records with labels (for classifiers): positive when the first feature is high."""
    names = _names(model)
    rng = _rng(seed)
    out = []
    for _ in range(n):
        x = _record(names, rng)
        out.append((x, x[names[0]] > math.exp(3.0)))
    return out


def _learn(model: Estimator, x: dict[str, float], y: bool) -> object:
    if isinstance(model, OnlineClassifier):
        return model.learn_one(x, y)
    assert isinstance(model, OnlineModel)
    return model.learn_one(x)


def _scores(model: Estimator, stream: list[tuple[dict[str, float], bool]]) -> list[float]:
    """Progressive validation: score each record, then learn it."""
    scores = []
    for x, y in stream:
        scores.append(model.score_one(x))
        _learn(model, x, y)
    return scores


def _cold_score(model: Estimator) -> float:
    return model.prior if isinstance(model, OnlineClassifier) else 0.0


def _warm(model: Estimator, seed: int = 0) -> list[tuple[dict[str, float], bool]]:
    """Learn the synthetic stream until the model is warmed up; the records learnt."""
    learnt = []
    for x, y in _stream(model, WARM_WITHIN, seed):
        _learn(model, x, y)
        learnt.append((x, y))
        if model.warmed_up:
            return learnt
    pytest.fail(f"{model!r} not warmed up after {WARM_WITHIN} records")


def check_clone(model: Estimator) -> None:
    _warm(model)
    clone = model.clone()
    assert clone is not model
    assert type(clone) is type(model)
    assert clone._get_params() == model._get_params()
    assert repr(clone) == repr(model)
    # Untrained: it behaves exactly like a brand-new instance.
    fresh = type(model)(**model._get_params())
    stream = _stream(model, 300, seed=1)
    assert _scores(clone, stream) == _scores(fresh, stream)


def check_pickle(model: Estimator) -> None:
    _warm(model)
    copy = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes
    assert repr(copy) == repr(model)
    assert copy.warmed_up == model.warmed_up
    stream = _stream(model, 300, seed=2)
    # Equal scores, and equal state after learning on (random generators included).
    assert _scores(copy, stream) == _scores(model, stream)


def check_deterministic(model: Estimator) -> None:
    twin = model.clone()
    stream = _stream(model, 700, seed=3)
    assert _scores(model, stream) == _scores(twin, stream)


def check_scores_in_unit_interval(model: Estimator) -> None:
    for x, y in _stream(model, 700, seed=4):
        score = model.score_one(x)
        assert type(score) is float
        assert 0.0 <= score <= 1.0
        assert _learn(model, x, y) is None


def check_missing_and_extra_features(model: Estimator) -> None:
    fresh = model.clone()
    _learn(fresh, {}, True)
    assert fresh.score_one({}) == _cold_score(fresh)
    learnt = _warm(model)
    x, y = learnt[-1]
    first, *_ = x
    odd = [
        {k: v for k, v in x.items() if k != first},
        {**x, "not_a_feature": 123.0},
        {**x, first: math.nan},
        {},
    ]
    for z in odd:
        score = model.score_one(z)
        assert type(score) is float
        assert 0.0 <= score <= 1.0
        model.explain_one(z)
        _learn(model, z, y)
    assert model.warmed_up


def check_warm_up(model: Estimator) -> None:
    cold = _cold_score(model)
    assert not model.warmed_up
    assert model.explain_one(_stream(model, 1)[0][0]) == []
    for x, y in _stream(model, WARM_WITHIN, seed=5):
        if model.warmed_up:
            return
        assert model.score_one(x) == cold
        _learn(model, x, y)
    pytest.fail(f"{model!r} not warmed up after {WARM_WITHIN} records")


def check_explain(model: Estimator) -> None:
    _warm(model)
    x = _record(_names(model), _rng(6), scale=3.0)
    contributions = model.explain_one(x, top=2)
    assert len(contributions) <= 2
    assert all(isinstance(c, Contribution) for c in contributions)
    assert all(c.name in x and math.isfinite(c.weight) and c.text for c in contributions)
    weights = [abs(c.weight) for c in contributions]
    assert weights == sorted(weights, reverse=True)
    assert model.explain_one(x, top=0) == []


def check_learns_signal(model: Estimator) -> None:
    """Anomaly detectors rank a far outlier above typical records; classifiers rank a clear
    positive above a clear negative."""
    _warm(model)
    for x, y in _stream(model, 400, seed=7):
        _learn(model, x, y)
    names = _names(model)
    if isinstance(model, OnlineClassifier):
        base = dict.fromkeys(names, 0.0) | {n: math.exp(3.0) for n in names[::2]}
        positive = base | {names[0]: math.exp(3.0) * 5}
        negative = base | {names[0]: math.exp(3.0) / 5}
        assert model.score_one(positive) > model.score_one(negative)
        return
    typical = sorted(model.score_one(x) for x, _ in _stream(model, 100, seed=8))
    outlier = _record(names, _rng(9), scale=50.0)
    assert model.score_one(outlier) > typical[90]


CHECKS: list[Callable[[Any], None]] = [
    check_clone,
    check_pickle,
    check_deterministic,
    check_scores_in_unit_interval,
    check_missing_and_extra_features,
    check_warm_up,
    check_explain,
    check_learns_signal,
]


@pytest.mark.parametrize("check", [pytest.param(c, id=c.__name__) for c in CHECKS])
@pytest.mark.parametrize(("cls", "params"), list(_instances()))
def test_contract(cls: type[Estimator], params: dict[str, Any], check: Callable[..., None]) -> None:
    check(cls(**params))


def test_discovery_finds_the_wrappers() -> None:
    assert {HalfSpaceTrees, LogisticClassifier} <= set(MODEL_CLASSES)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_unit_test_params_are_plain_values(cls: type[Estimator]) -> None:
    """Constructor arguments must pickle and compare by value, so clone and repr work."""
    plain = (bool, int, float, str, type(None))

    def is_plain(v: object) -> bool:
        return isinstance(v, plain) or (isinstance(v, tuple) and all(map(is_plain, v)))

    for params in cls._unit_test_params():
        model = cls(**params)
        assert all(is_plain(v) for v in model._get_params().values()), repr(model)
        assert model._get_params() == {**model._get_params(), **params}


def test_hst_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HalfSpaceTrees(n_trees=0)
    with pytest.raises(ValueError, match="warm_up"):
        HalfSpaceTrees(warm_up=-1)
    with pytest.raises(ValueError, match="subset"):
        HalfSpaceTrees(features=("a",), log_features=("b",))


def test_classifier_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="prior"):
        LogisticClassifier(prior=1.5)
    with pytest.raises(ValueError, match="lr"):
        LogisticClassifier(lr=0.0)


def test_hst_learn_every_counts_windows_in_learnt_records() -> None:
    model = HalfSpaceTrees(window_size=10, warm_up=0, learn_every=3)
    for i in range(27):
        model.learn_one({"a": float(i)})
    assert not model.warmed_up  # 9 of 27 records learnt (0, 3, ..., 24): one window short
    model.learn_one({"a": 27.0})
    assert model.warmed_up


def test_classifier_needs_both_classes() -> None:
    model = LogisticClassifier(min_labels=5, prior=0.1)
    for i in range(20):
        model.learn_one({"a": float(i)}, False)
    assert model.labels_seen == 20
    assert not model.warmed_up
    assert model.score_one({"a": 3.0}) == 0.1
    model.learn_one({"a": 100.0}, True)
    assert model.positives_seen == 1
    assert model.warmed_up
