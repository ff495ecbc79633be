"""An explained detection on `qr.alerts`, keyed by entity and signed by the processor."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from topics.messages.base import EntityId, EventId, Kind, Message, Score, TimestampUs, Token

__all__ = ["Alert", "AlertReason", "Severity"]

Severity = Literal["info", "low", "medium", "high", "critical"]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class AlertReason(Message):
    """One piece of evidence: a rule that fired or a feature that drove a model's score."""

    source: Literal["rule", "feature"]
    name: Token
    """Rule id or feature name (structuring_below_threshold, amount_zscore, group, ...)."""
    value: float | Annotated[str, StringConstraints(max_length=256)] | None = None
    """Observed value: a number, or text such as the negotiated group."""
    threshold: float | None = None
    """The value beyond which the rule fires, or the feature counts as anomalous."""
    text: Text
    """The reason in words, for an analyst."""


class Alert(Message):
    """A detection with its explanation, published on qr.alerts with the entity as Kafka record
    key and signed by the processor's own key (envelope v1 headers)."""

    schema_version: Literal[1] = 1
    alert_id: EventId
    """Unique id of this alert (UUID, lower case); sinks deduplicate on it."""
    kind: Kind
    """aml for transactions, quantum for crypto posture, integrity for rejected or forged
    records and keys."""
    typology: Token
    """What was detected (structuring, rapid_movement, sanctions_hit, pq_downgrade, replay,
    ...)."""
    severity: Severity
    score: Score
    """Confidence in [0, 1]."""
    entity: EntityId
    """Account, host or key id the alert is about; the record key."""
    event_ids: Annotated[list[EventId], Field(max_length=1000)]
    """Events that triggered the alert; empty for integrity alerts about records whose payload
    could not be read (the quarantine topic has them)."""
    reasons: Annotated[list[AlertReason], Field(min_length=1, max_length=64)]
    """Why, most important first."""
    model_version: Token
    """Version of the rules and models that scored the events."""
    producer_ts_us: TimestampUs
    """Producer timestamp (`qr-ts`) of the latest triggering event."""
    detected_ts_us: TimestampUs
    """When the processor raised the alert."""
    count: Annotated[int, Field(ge=1)] = 1
    """How many duplicate detections this alert stands for, after merging."""
