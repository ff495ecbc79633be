"""Bulk encrypted exfiltration: per-host volume and rate features, scored by an online anomaly
model (HalfSpaceTrees behind `models.base.OnlineModel`).

The host is the client (`orig_h`): it is the one sending data out. Its rolling state is a ring
of fixed time buckets (flows, bytes out, bytes in) plus a running mean of its per-flow upload,
so its size is fixed whatever the traffic rate, and it round-trips through a JSON-able dict for
a Faust table keyed by host.

The model sees the features in natural units; byte and flow counts are heavy-tailed, so
`exfil_model` builds the HalfSpaceTrees wrapper with them as `log_features`.

Examples
--------
>>> state = HostVolume()
>>> state.add(60_000_000, 5_000, 20_000)
>>> state.add(65_000_000, 7_000, 1_000)
>>> state.window(65_000_000)
(2, 12000, 21000)
>>> HostVolume.from_dict(state.to_dict()).window(65_000_000)
(2, 12000, 21000)
>>> x = features(state, 7_000, 1_000, 65_000_000)
>>> x["flows_per_min"], x["bytes_out_per_min"], round(x["out_share"], 3)
(2.0, 12000.0, 0.875)
"""

from __future__ import annotations

import math
from typing import Any

from models.base import OnlineModel
from models.hst import HalfSpaceTrees
from models.quantum.rules import QuantumRulesConfig
from models.rules import Evidence, RuleHit
from topics.messages.telemetry import TelemetryEvent

__all__ = [
    "FEATURES",
    "LOG_FEATURES",
    "HostVolume",
    "bulk_exfiltration",
    "exfil_model",
    "features",
    "host_volume",
]

_US = 1_000_000
# The running mean follows roughly the host's last 1/_ALPHA flows.
_ALPHA = 0.05
FEATURES = (
    "bytes_out",
    "bytes_in",
    "out_share",
    "flows_per_min",
    "bytes_out_per_min",
    "bytes_in_per_min",
    "out_vs_host_mean",
)
LOG_FEATURES = ("bytes_out", "bytes_in", "flows_per_min", "bytes_out_per_min", "bytes_in_per_min")


class HostVolume:
    """Rolling volume of one host: `buckets` slots of `bucket_s` seconds, and the running mean
    of log(1 + bytes out) per flow."""

    __slots__ = ("bucket_s", "buckets", "flows", "inn", "mean_log_out", "n", "out", "slot")

    def __init__(self, buckets: int = 6, bucket_s: int = 10) -> None:
        self.buckets = buckets
        self.bucket_s = bucket_s
        self.slot = [-1] * buckets  # absolute bucket number each slot holds
        self.flows = [0] * buckets
        self.out = [0] * buckets
        self.inn = [0] * buckets
        self.n = 0
        self.mean_log_out = 0.0

    def add(self, ts_us: int, bytes_out: int, bytes_in: int) -> None:
        b = ts_us // (self.bucket_s * _US)
        i = b % self.buckets
        if self.slot[i] != b:
            if self.slot[i] > b:
                return  # older than the window: too late to count in a rate
            self.slot[i] = b
            self.flows[i] = self.out[i] = self.inn[i] = 0
        self.flows[i] += 1
        self.out[i] += bytes_out
        self.inn[i] += bytes_in

    def window(self, ts_us: int) -> tuple[int, int, int]:
        """Flows, bytes out and bytes in of the window ending in the bucket of `ts_us`."""
        b = ts_us // (self.bucket_s * _US)
        flows = out = inn = 0
        for i, s in enumerate(self.slot):
            if b - self.buckets < s <= b:
                flows += self.flows[i]
                out += self.out[i]
                inn += self.inn[i]
        return flows, out, inn

    def learn_mean(self, bytes_out: int) -> None:
        self.n += 1
        # A plain mean for the first flows, then exponential forgetting.
        self.mean_log_out += (math.log1p(bytes_out) - self.mean_log_out) / min(self.n, 1 / _ALPHA)

    def to_dict(self) -> dict[str, Any]:
        slots = zip(self.slot, self.flows, self.out, self.inn, strict=True)
        live = [[s, f, o, i] for s, f, o, i in slots if s >= 0]
        return {
            "bs": self.bucket_s,
            "nb": self.buckets,
            "b": live,
            "n": self.n,
            "m": self.mean_log_out,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], buckets: int = 6, bucket_s: int = 10) -> HostVolume:
        """Restore a state; buckets are dropped if the window settings changed since."""
        state = cls(buckets, bucket_s)
        state.n = int(d.get("n", 0))
        state.mean_log_out = float(d.get("m", 0.0))
        if d.get("bs") == bucket_s and d.get("nb") == buckets:
            for s, f, o, i in d.get("b", ()):
                j = s % buckets
                state.slot[j], state.flows[j], state.out[j], state.inn[j] = s, f, o, i
        return state


def host_volume(cfg: QuantumRulesConfig, d: dict[str, Any] | None = None) -> HostVolume:
    """A host's state with `cfg`'s window: new, or restored from its table value `d`."""
    if d is None:
        return HostVolume(cfg.exfil_buckets, cfg.exfil_bucket_s)
    return HostVolume.from_dict(d, cfg.exfil_buckets, cfg.exfil_bucket_s)


def features(state: HostVolume, bytes_out: int, bytes_in: int, ts_us: int) -> dict[str, float]:
    """Features of one flow, after `state.add` has counted it: its bytes out and in, the share
    sent by the host, the host's flows and bytes per minute over the window, and how far (in
    natural-log units) this upload sits from the host's usual one."""
    flows, out, inn = state.window(ts_us)
    per_min = 60.0 / (state.buckets * state.bucket_s)
    total = bytes_out + bytes_in
    deviation = math.log1p(bytes_out) - state.mean_log_out if state.n else 0.0
    return {
        "bytes_out": float(bytes_out),
        "bytes_in": float(bytes_in),
        "out_share": bytes_out / total if total else 0.5,
        "flows_per_min": flows * per_min,
        "bytes_out_per_min": out * per_min,
        "bytes_in_per_min": inn * per_min,
        "out_vs_host_mean": deviation,
    }


def exfil_model(cfg: QuantumRulesConfig) -> HalfSpaceTrees:
    """The anomaly model of bulk_exfiltration, with the settings of `cfg`."""
    return HalfSpaceTrees(
        n_trees=cfg.exfil_trees,
        height=cfg.exfil_height,
        window_size=cfg.exfil_window,
        warm_up=cfg.exfil_warm_up,
        features=FEATURES,
        log_features=LOG_FEATURES,
        seed=cfg.exfil_seed,
    )


def _feature_text(name: str, value: float) -> str:
    if name == "out_share":
        return f"{value:.0%} of the flow's bytes were sent by the host"
    if name == "out_vs_host_mean":
        return f"upload is e^{value:.1f} times the host's usual one"
    return f"{name}={value:,.0f}"


def bulk_exfiltration(
    state: HostVolume, event: TelemetryEvent, model: OnlineModel, cfg: QuantumRulesConfig
) -> RuleHit | None:
    """Count the flow in its host's state, score it, and fire when the (warmed-up) model finds
    it anomalous and the host sent at least `exfil_min_bytes_out` in the window.

    The model learns every flow except those that fire, so a sustained exfiltration does not
    teach it that exfiltration is normal. Flows without byte counts are skipped.
    """
    if event.orig_bytes is None and event.resp_bytes is None:
        return None
    out, inn, ts = event.orig_bytes or 0, event.resp_bytes or 0, event.ts_us
    state.add(ts, out, inn)
    x = features(state, out, inn, ts)
    score = model.score_one(x)
    state.learn_mean(out)
    window_out = state.window(ts)[1]
    fires = model.warmed_up and score >= cfg.exfil_threshold
    if not fires or window_out < cfg.exfil_min_bytes_out:
        model.learn_one(x)
        return None
    text = f"volume anomaly score {score:.2f} of host {event.orig_h}"
    reasons = [Evidence("exfil_score", round(score, 6), cfg.exfil_threshold, text)]
    contributions = model.explain_one(x, cfg.exfil_top_reasons)
    if contributions:
        reasons.extend(Evidence(c.name, c.value, None, c.text, "feature") for c in contributions)
    else:
        reasons.extend(
            Evidence(name, x[name], None, _feature_text(name, x[name]), "feature")
            for name in FEATURES
        )
    return RuleHit("bulk_exfiltration", "bulk_exfiltration", min(1.0, score), tuple(reasons))
