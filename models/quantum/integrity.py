"""Integrity bursts: many `bad_signature`, `replay` or `unknown_key` rejections for one producer
key id in a short window, from the verify step's quarantine decisions.

Each code is its own typology (`integrity_bad_signature`, `integrity_replay`,
`integrity_unknown_key`): they mean different things (forgery or tampering; captured records
sent again; an unregistered producer or a key rollout lagging behind) and call for different
responses, and alert deduplication works per entity and typology, so a storm of one cannot
hide a concurrent burst of another.

The state of one key id keeps, per code, at most `integrity_threshold` recent rejection times
(enough to tell whether that many fell in the window) and the time of its last alert, so it is
bounded by the threshold and round-trips through a JSON-able dict for a Faust table keyed by
key id. Times are the verifier's detection times, which only move forward.

Examples
--------
>>> cfg = QuantumRulesConfig(integrity_threshold=3, integrity_window_s=60)
>>> state = KeyBursts()
>>> [integrity_burst(state, "p1", "replay", t * 1_000_000, cfg) is not None for t in (0, 1, 2)]
[False, False, True]
>>> KeyBursts.from_dict(state.to_dict()).fired
{'replay': 2000000}
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from typing import Any

from models.quantum.rules import QuantumRulesConfig
from models.rules import Evidence, RuleHit
from topics.reasons import Reason

__all__ = ["UNKNOWN_KEYS_ENTITY", "KeyBursts", "integrity_burst", "integrity_entity"]

UNKNOWN_KEYS_ENTITY = "unknown-keys"
_US = 1_000_000
_ENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+#=-]{0,127}$")
_MEANING = {
    Reason.BAD_SIGNATURE: "signatures that do not verify (forgery or tampering)",
    Reason.REPLAY: "replayed sequence numbers",
    Reason.UNKNOWN_KEY: "an unknown key id",
}


def integrity_entity(kid: str | None, code: str, cfg: QuantumRulesConfig) -> str:
    """The entity (Faust table key, alert entity) a rejection counts under: the key id, made
    safe as an entity id (anything an attacker sent may be in it)."""
    if code == Reason.UNKNOWN_KEY and cfg.integrity_aggregate_unknown_keys:
        return UNKNOWN_KEYS_ENTITY
    if kid is None:
        return "no-kid"
    if _ENTITY.match(kid):
        return kid
    return "kid-" + hashlib.sha256(kid.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class KeyBursts:
    """Recent rejection times per code of one key id, and when each code last alerted."""

    __slots__ = ("fired", "suppressed", "times")

    def __init__(self) -> None:
        self.times: dict[str, deque[int]] = {}
        self.fired: dict[str, int] = {}
        self.suppressed: dict[str, int] = {}
        """Rejections of a code that came during its cool-down, reported with the next alert."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": {code: list(times) for code, times in self.times.items() if times},
            "f": dict(self.fired),
            "s": dict(self.suppressed),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], threshold: int = 5) -> KeyBursts:
        state = cls()
        for code, times in d.get("t", {}).items():
            state.times[code] = deque((int(t) for t in times), maxlen=threshold)
        state.fired = {code: int(t) for code, t in d.get("f", {}).items()}
        state.suppressed = {code: int(n) for code, n in d.get("s", {}).items()}
        return state


def integrity_burst(
    state: KeyBursts, entity: str, code: str, ts_us: int, cfg: QuantumRulesConfig
) -> RuleHit | None:
    """Count one rejection; fire when `integrity_threshold` rejections of this code fell within
    `integrity_window_s`, unless this code alerted less than `integrity_cooldown_s` ago."""
    if code not in cfg.integrity_codes:
        return None
    threshold = cfg.integrity_threshold
    times = state.times.get(code)
    if times is None or times.maxlen != threshold:
        times = state.times[code] = deque(times or (), maxlen=threshold)
    times.append(ts_us)
    window_us = int(cfg.integrity_window_s * _US)
    while times and times[0] <= ts_us - window_us:
        times.popleft()
    if len(times) < threshold:
        return None
    last = state.fired.get(code)
    if last is not None and ts_us - last < cfg.integrity_cooldown_s * _US:
        state.suppressed[code] = state.suppressed.get(code, 0) + 1
        return None
    span_s = (times[-1] - times[0]) / _US
    times.clear()
    state.fired[code] = ts_us
    suppressed = state.suppressed.pop(code, 0)
    meaning = _MEANING.get(Reason(code), code)
    reasons = [
        Evidence(
            code,
            float(threshold),
            float(threshold),
            f"{threshold} records of {entity} rejected for {meaning} within {span_s:.1f} s "
            f"(window {cfg.integrity_window_s:g} s)",
        )
    ]
    if suppressed:
        text = f"{suppressed} more {code} rejections during the previous alert's cool-down"
        reasons.append(Evidence("suppressed", float(suppressed), None, text))
    score = cfg.integrity_scores.get(Reason(code), 0.8)
    return RuleHit("integrity_burst", f"integrity_{code}", score, tuple(reasons))
