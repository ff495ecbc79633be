"""Running standardisation of feature dicts, with a log step for heavy-tailed features.

Shared by the River wrappers (models/hst.py, models/classifier.py) so that they scale, treat
missing values and word their explanations the same way.
"""

from __future__ import annotations

import math

from models.base import Features

__all__ = ["FeatureScaler"]


def _signed_log1p(v: float) -> float:
    return math.log1p(v) if v >= 0.0 else -math.log1p(-v)


class FeatureScaler:
    """Running z-scores of a fixed set of features: Welford's running mean and (population)
    variance over the whole stream, as river's `preprocessing.StandardScaler` keeps them, in a
    plain dict that costs half as much per update and never grows on lookups.

    The features named in `log_features` go through ``sign(v) * log1p(|v|)`` first, so that a
    heavy tail (amounts, byte counts) does not dominate the running variance. Non-finite values
    count as missing: one NaN learnt would poison the running mean for good. The feature names
    are `features` if given, else the keys of the first observation passed to `fix_names`; other
    keys are ignored, so the scaler's state cannot grow with stray keys.

    Examples
    --------
    >>> scaler = FeatureScaler(log_features=("amount",))
    >>> for v in (10.0, 100.0, 1000.0):
    ...     x = {"amount": v, "n": v / 10}
    ...     scaler.fix_names(x)
    ...     scaler.learn_one(scaler.standardise(x)[0])
    >>> logged, z = scaler.standardise({"amount": 5000.0, "n": float("nan"), "extra": 1.0})
    >>> {name: round(v, 3) for name, v in z.items()}  # NaN is missing, extra keys ignored
    {'amount': 2.105}
    >>> scaler.describe("amount", 5000.0, z["amount"])
    'amount=5000 is 2.1 sd above its running mean (log scale)'
    """

    def __init__(self, features: tuple[str, ...] = (), log_features: tuple[str, ...] = ()) -> None:
        if features and not set(log_features) <= set(features):
            raise ValueError("log_features must be a subset of features")
        self.names: tuple[str, ...] = tuple(sorted(features))
        self._log = frozenset(log_features)
        # name -> [count, mean, sum of squared deviations]
        self._stats: dict[str, list[float]] = {}

    def fix_names(self, x: Features) -> None:
        """Take the keys of `x` as the feature names, unless they are already fixed."""
        if not self.names:
            self.names = tuple(sorted(x))

    def standardise(self, x: Features) -> tuple[dict[str, float], dict[str, float]]:
        """The (log-transformed) values of the known, finite features of `x`, to pass to
        `learn_one`, and their z-scores against the statistics learnt so far (0.0 while a
        feature has no variance yet)."""
        stats = self._stats
        logged: dict[str, float] = {}
        z: dict[str, float] = {}
        for name in self.names:
            v = x.get(name)
            if v is None or not math.isfinite(v):
                continue
            lv = _signed_log1p(v) if name in self._log else float(v)
            logged[name] = lv
            s = stats.get(name)
            z[name] = (lv - s[1]) / math.sqrt(s[2] / s[0]) if s is not None and s[2] > 0.0 else 0.0
        return logged, z

    def learn_one(self, logged: dict[str, float]) -> None:
        """Update the running statistics with the first result of `standardise`."""
        stats = self._stats
        for name, v in logged.items():
            s = stats.get(name)
            if s is None:
                stats[name] = [1.0, v, 0.0]
                continue
            s[0] += 1.0
            delta = v - s[1]
            s[1] += delta / s[0]
            s[2] += delta * (v - s[1])

    def describe(self, name: str, value: float, z: float) -> str:
        """One line on how far `value` sits from the feature's running mean."""
        side = "above" if z >= 0.0 else "below"
        scale = " (log scale)" if name in self._log else ""
        return f"{name}={value:.4g} is {abs(z):.1f} sd {side} its running mean{scale}"
