"""A rejected record on `qr.quarantine`: the original bytes and headers, exactly as consumed,
plus why the verifier rejected it (DESIGN.md section 4).

Nothing in the original record is trusted here, so its fields are base64 or free text: a
quarantine record must never itself fail validation because of what an attacker sent.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from topics.messages.base import Base64, Message, TimestampUs
from topics.reasons import Reason

__all__ = ["QuarantineHeader", "QuarantineRecord"]

TopicName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,249}$")]


class QuarantineHeader(Message):
    """One Kafka header of the original record (names may repeat; order is kept)."""

    name: Annotated[str, StringConstraints(max_length=1024)]
    value_b64: Base64 | None
    """The header value in standard base64; null if the header had no value."""


class QuarantineRecord(Message):
    """A record the verifier rejected, published on qr.quarantine with the original record key."""

    schema_version: Literal[1] = 1
    # Lax so Python callers may pass the code as a string; JSON input is a string either way.
    reason: Annotated[Reason, Field(strict=False)]
    """Reason code of DESIGN.md section 4."""
    detail: Annotated[str, StringConstraints(max_length=4096)] = ""
    """What exactly was wrong, for a person."""
    topic: TopicName
    """Topic the record was consumed from."""
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]
    record_ts_us: TimestampUs | None = None
    """The Kafka record timestamp, in microseconds since the Unix epoch."""
    key_b64: Base64 | None
    """The original record key in standard base64; null if it had none."""
    value_b64: Base64 | None
    """The original record value in standard base64; null for a tombstone."""
    headers: Annotated[list[QuarantineHeader], Field(max_length=1024, default_factory=list)]
    """All headers of the original record, in order."""
    kid: Annotated[str, StringConstraints(max_length=1024)] | None = None
    """The producer key id (`qr-kid`) as found, if the record had one."""
    detected_ts_us: TimestampUs
    """When the verifier rejected the record."""
