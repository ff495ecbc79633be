"""The message schemas of qrstream, one module per message; `topics.schemas` is the facade."""

from __future__ import annotations

from topics.messages.alert import Alert, AlertReason, Severity
from topics.messages.base import Message
from topics.messages.feedback import FeedbackLabel
from topics.messages.key import PUBLIC_KEY_BYTES, KeyEntry
from topics.messages.quarantine import QuarantineHeader, QuarantineRecord
from topics.messages.score import ScoreRecord
from topics.messages.telemetry import Certificate, Protocol, TelemetryEvent
from topics.messages.transaction import Channel, Transaction

__all__ = [
    "PUBLIC_KEY_BYTES",
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
]
