"""An analyst's label on `qr.feedback`: the ground truth that supervised models learn from."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, StringConstraints, model_validator
from pydantic.config import JsonDict

from topics.messages.base import EntityId, EventId, Kind, Message, Name, TimestampUs, Token

__all__ = ["FeedbackLabel"]

# The same rule as `_names_a_subject`, for validators of the JSON Schema file.
_NAMES_A_SUBJECT: JsonDict = {
    "anyOf": [
        {"required": [field], "properties": {field: {"type": "string"}}}
        for field in ("event_id", "entity")
    ]
}


class FeedbackLabel(Message):
    """An analyst's verdict on an event or an entity, published on qr.feedback with the entity
    (or else the event id) as Kafka record key. At least one of event_id and entity is set."""

    model_config = ConfigDict(json_schema_extra=_NAMES_A_SUBJECT)

    schema_version: Literal[1] = 1
    label_id: EventId
    """Unique id of this label (UUID, lower case); a later label on the same subject wins."""
    event_id: EventId | None = None
    """The labelled transaction or telemetry event."""
    entity: EntityId | None = None
    """The labelled account or host (all its recent events)."""
    alert_id: EventId | None = None
    """The alert the analyst reviewed, if any."""
    kind: Kind
    typology: Token | None = None
    """The typology confirmed or refuted; null for the entity or event as a whole."""
    label: Literal["positive", "negative"]
    """positive: the behaviour is real (a true alert, or a missed case); negative: benign (a
    false alert)."""
    analyst: Name
    ts_us: TimestampUs
    """When the analyst gave the label, in microseconds since the Unix epoch."""
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _names_a_subject(self) -> FeedbackLabel:
        if self.event_id is None and self.entity is None:
            raise ValueError("a label needs an event_id or an entity")
        return self
