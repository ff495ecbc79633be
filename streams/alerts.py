"""Alerts: raised by the scorers, merged when they repeat, signed by the processor's own key.

A detection of the same typology for the same entity inside the cool-down does not raise a new
alert: it is counted, and when the cool-down ends the alert is emitted again under the same
`alert_id` with the final `count` (sinks keep the latest version per alert id). Every alert is
signed with envelope v1 by the worker's key, so a SIEM can verify it came from us.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from streams import signing
from streams.envelope import build_headers, signed_message
from streams.sequence import SequenceFile
from topics.messages.alert import Alert, AlertReason, Severity
from topics.messages.base import Kind

__all__ = ["AlertDeduper", "AlertSigner", "Detection", "SignedAlert"]


@dataclass(frozen=True, slots=True)
class Detection:
    """What a scorer raises; becomes an `Alert` unless it repeats one inside the cool-down."""

    kind: Kind
    typology: str
    severity: Severity
    score: float
    entity: str
    event_ids: tuple[str, ...]
    reasons: tuple[AlertReason, ...]
    producer_ts_us: int
    model_version: str


# Alert.event_ids holds at most this many ids.
MAX_EVENT_IDS = 1000


@dataclass(slots=True)
class _Open:
    alert: Alert
    expires_us: int
    count: int = 1
    score: float = 0.0
    producer_ts_us: int = 0
    event_ids: dict[str, None] = field(default_factory=dict)  # ordered set


class AlertDeduper:
    def __init__(self, cooldown_s: float) -> None:
        self.cooldown_us = int(cooldown_s * 1_000_000)
        self._open: dict[tuple[str, str], _Open] = {}

    def offer(self, detection: Detection, now_us: int) -> Alert | None:
        """The alert to emit now, or None when it merges into an open one."""
        key = (detection.entity, detection.typology)
        current = self._open.get(key)
        if current is not None and now_us < current.expires_us:
            current.count += 1
            current.score = max(current.score, detection.score)
            current.producer_ts_us = max(current.producer_ts_us, detection.producer_ts_us)
            if len(current.event_ids) < MAX_EVENT_IDS:
                current.event_ids.update(dict.fromkeys(detection.event_ids))
            return None
        alert = Alert(
            alert_id=str(uuid.uuid4()),
            kind=detection.kind,
            typology=detection.typology,
            severity=detection.severity,
            score=detection.score,
            entity=detection.entity,
            event_ids=list(detection.event_ids),
            reasons=list(detection.reasons),
            model_version=detection.model_version,
            producer_ts_us=detection.producer_ts_us,
            detected_ts_us=now_us,
        )
        self._open[key] = _Open(
            alert,
            now_us + self.cooldown_us,
            score=alert.score,
            producer_ts_us=alert.producer_ts_us,
            event_ids=dict.fromkeys(alert.event_ids),
        )
        return alert

    def expire(self, now_us: int) -> list[Alert]:
        """Closes the cool-downs that ended; merged alerts come back with their final count."""
        merged: list[Alert] = []
        for key in [k for k, o in self._open.items() if now_us >= o.expires_us]:
            closed = self._open.pop(key)
            if closed.count > 1:
                merged.append(
                    closed.alert.model_copy(
                        update={
                            "count": closed.count,
                            "score": closed.score,
                            "event_ids": list(closed.event_ids)[:MAX_EVENT_IDS],
                            "producer_ts_us": closed.producer_ts_us,
                        }
                    )
                )
        return merged


@dataclass(frozen=True, slots=True)
class SignedAlert:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class AlertSigner:
    """Signs alerts for `topic` with the worker's key in one native batch call."""

    def __init__(
        self, topic: str, key_id: str, keypair: signing.KeyPair, sequence: SequenceFile
    ) -> None:
        self.topic = topic
        self.key_id = key_id
        self.keypair = keypair
        self.sequence = sequence

    def sign(self, alerts: list[Alert], ts_us: int) -> list[SignedAlert]:
        if not alerts:
            return []
        values = [a.model_dump_json().encode() for a in alerts]
        keys = [a.entity.encode() for a in alerts]
        seqs = self.sequence.take(len(alerts))
        messages = [
            signed_message(self.topic, k, ts_us, seq, self.key_id, v)
            for k, v, seq in zip(keys, values, seqs, strict=True)
        ]
        sigs = signing.sign_many(self.keypair.algorithm, self.keypair.private_key, messages)
        return [
            SignedAlert(k, v, build_headers(self.keypair.algorithm, self.key_id, ts_us, seq, s))
            for k, v, seq, s in zip(keys, values, seqs, sigs, strict=True)
        ]
