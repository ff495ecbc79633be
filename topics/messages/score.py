"""One compact record per scored event on `qr.scores`, for ClickHouse: the score and the time
each stage of the pipeline reached the event, from which latency is measured."""

from __future__ import annotations

from typing import Literal

from topics.messages.base import EntityId, EventId, Message, Score, TimestampUs, Token

__all__ = ["ScoreRecord"]


class ScoreRecord(Message):
    """The score of one event and its stage timestamps, published on qr.scores with the entity
    as Kafka record key. All stage times are microseconds since the Unix epoch."""

    schema_version: Literal[1] = 1
    event_id: EventId
    """The scored transaction or telemetry event."""
    kind: Literal["aml", "quantum"]
    """Which scorer: aml for transactions, quantum for telemetry."""
    entity: EntityId
    """Account or host the event belongs to."""
    score: Score
    """Highest typology score of the event, in [0, 1]."""
    model_version: Token
    alerted: bool = False
    """An alert was raised for this event."""
    producer_ts_us: TimestampUs
    """Producer timestamp (`qr-ts` header)."""
    ingest_ts_us: TimestampUs
    """When a worker took the record from Kafka."""
    verified_ts_us: TimestampUs
    """When its signature check finished."""
    scored_ts_us: TimestampUs
    """When scoring finished."""
    emitted_ts_us: TimestampUs
    """When this record (and any alert) was handed to the producer."""
