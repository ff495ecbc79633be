"""The quarantine record of a rejected input: its original bytes and headers, unchanged, and
why it was rejected (topics/messages/quarantine.py)."""

from __future__ import annotations

import base64

from streams.verifier import Verdict
from topics.messages.quarantine import QuarantineHeader, QuarantineRecord

__all__ = ["quarantine_record"]


def _b64(raw: bytes | None) -> str | None:
    return None if raw is None else base64.b64encode(raw).decode()


def quarantine_record(verdict: Verdict, detected_ts_us: int) -> bytes:
    """JSON bytes for `qr.quarantine`; only for rejected verdicts."""
    if verdict.reason is None:
        raise ValueError("an accepted record has no quarantine record")
    record = verdict.record
    kid = verdict.key_id
    if kid is None:
        raw_kid = dict(h for h in record.headers or () if h[0] == "qr-kid").get("qr-kid")
        kid = raw_kid.decode(errors="replace")[:1024] if raw_kid else None
    return (
        QuarantineRecord(
            reason=verdict.reason,
            detail=verdict.detail[:4096],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key_b64=_b64(record.key),
            value_b64=_b64(record.value),
            headers=[
                QuarantineHeader(name=name[:1024], value_b64=_b64(value))
                for name, value in (record.headers or ())[:1024]
            ],
            kid=kid,
            detected_ts_us=detected_ts_us,
        )
        .model_dump_json(exclude_none=False)
        .encode()
    )
