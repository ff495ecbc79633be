"""Topic specs and message schemas of qrstream (DESIGN.md section 6).

`topics.specs` holds the Kafka topics as data and `topics.schemas` the pydantic models of every
record value, from which the JSON Schema files in `topics/json/` are generated.
"""

from __future__ import annotations

from topics.reasons import Reason
from topics.schemas import (
    MESSAGE_MODELS,
    TOPIC_SCHEMAS,
    Alert,
    AlertReason,
    Certificate,
    FeedbackLabel,
    KeyEntry,
    Message,
    QuarantineHeader,
    QuarantineRecord,
    ScoreRecord,
    TelemetryEvent,
    Transaction,
    model_for_topic,
)
from topics.specs import (
    ALERTS,
    ALL_TOPICS,
    DEFAULT_PARTITIONS,
    DEFAULT_REPLICATION_FACTOR,
    FEEDBACK,
    KEYS,
    QUARANTINE,
    SCORES,
    TELEMETRY,
    TRANSACTIONS,
    TopicSpec,
    topic_specs,
)

__all__ = [
    "ALERTS",
    "ALL_TOPICS",
    "DEFAULT_PARTITIONS",
    "DEFAULT_REPLICATION_FACTOR",
    "FEEDBACK",
    "KEYS",
    "MESSAGE_MODELS",
    "QUARANTINE",
    "SCORES",
    "TELEMETRY",
    "TOPIC_SCHEMAS",
    "TRANSACTIONS",
    "Alert",
    "AlertReason",
    "Certificate",
    "FeedbackLabel",
    "KeyEntry",
    "Message",
    "QuarantineHeader",
    "QuarantineRecord",
    "Reason",
    "ScoreRecord",
    "TelemetryEvent",
    "TopicSpec",
    "Transaction",
    "model_for_topic",
    "topic_specs",
]
