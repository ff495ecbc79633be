"""The message schemas of qrstream: the one source of truth for every topic's record value.

Pydantic models, validated on the hot path straight from the record bytes with
`Model.model_validate_json(value)` (in Rust, without building a dict first) and written with
`model.model_dump_json()` or `orjson.dumps(model.model_dump(mode="json"))`. The JSON Schema
files in `topics/json/` are generated from them (`qrstream topics schemas`) for producers in
other languages, and a test keeps the two from drifting.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from topics.messages import (
    PUBLIC_KEY_BYTES,
    Alert,
    AlertReason,
    Certificate,
    Channel,
    FeedbackLabel,
    KeyEntry,
    Message,
    Protocol,
    QuarantineHeader,
    QuarantineRecord,
    ScoreRecord,
    Severity,
    TelemetryEvent,
    Transaction,
)
from topics.specs import ALERTS, FEEDBACK, KEYS, QUARANTINE, SCORES, TELEMETRY, TRANSACTIONS

__all__ = [
    "MESSAGE_MODELS",
    "PUBLIC_KEY_BYTES",
    "TOPIC_SCHEMAS",
    "Alert",
    "AlertReason",
    "Certificate",
    "Channel",
    "FeedbackLabel",
    "KeyEntry",
    "Message",
    "Protocol",
    "QuarantineHeader",
    "QuarantineRecord",
    "ScoreRecord",
    "Severity",
    "TelemetryEvent",
    "Transaction",
    "model_for_topic",
]

# Schema name (also the JSON Schema file name, `<name>.schema.json`) -> model.
MESSAGE_MODELS: Mapping[str, type[Message]] = MappingProxyType(
    {
        "transaction": Transaction,
        "telemetry": TelemetryEvent,
        "key": KeyEntry,
        "quarantine": QuarantineRecord,
        "alert": Alert,
        "score": ScoreRecord,
        "feedback": FeedbackLabel,
    }
)

# Topic name (without a test prefix) -> schema name of its record values.
TOPIC_SCHEMAS: Mapping[str, str] = MappingProxyType(
    {
        TRANSACTIONS: "transaction",
        TELEMETRY: "telemetry",
        KEYS: "key",
        QUARANTINE: "quarantine",
        ALERTS: "alert",
        SCORES: "score",
        FEEDBACK: "feedback",
    }
)


def model_for_topic(topic: str) -> type[Message]:
    """The model of a topic's record values, by its unprefixed name (`qr.transactions`)."""
    try:
        return MESSAGE_MODELS[TOPIC_SCHEMAS[topic]]
    except KeyError:
        raise KeyError(f"no schema for topic {topic!r}") from None
