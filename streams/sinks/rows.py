"""Row mapping: each topic the sink reads feeds one ClickHouse table (deploy/clickhouse), and
each record becomes at most one row, validated by the message model that wrote it.

A mapper raises ValueError (pydantic's ValidationError and orjson's decode error are ones),
KeyError or TypeError for a record it cannot read; the sink counts and skips those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from models.quantum.inventory import HostInventory
from streams.envelope import HeaderError, parse_headers
from streams.signing import MLDSA_ALGORITHMS
from topics.messages.alert import Alert
from topics.messages.quarantine import QuarantineRecord
from topics.messages.score import ScoreRecord
from topics.specs import ALERTS, QUARANTINE, SCORES

__all__ = [
    "ALERTS_TABLE",
    "INVENTORY_TABLE",
    "QUARANTINE_TABLE",
    "SCORES_TABLE",
    "Headers",
    "Mapper",
    "SinkTopic",
    "alert_row",
    "ch_time",
    "inventory_changelog",
    "inventory_row",
    "quarantine_row",
    "score_row",
    "sink_topics",
]

ALERTS_TABLE = "qrstream.alerts"
SCORES_TABLE = "qrstream.scores"
QUARANTINE_TABLE = "qrstream.quarantine"
INVENTORY_TABLE = "qrstream.crypto_inventory"

Headers = Sequence[tuple[str, bytes | None]] | None
# value, headers, the Kafka record timestamp (µs) -> row
Mapper = Callable[[bytes, Headers, int], dict[str, Any]]


def ch_time(us: int) -> str:
    """Microseconds since the epoch as DateTime64(6) input: ClickHouse reads a JSON number as
    seconds, so '1767225600.123456' keeps every microsecond where a float might not."""
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def _ch_time_or_none(us: int | None) -> str | None:
    return None if us is None else ch_time(us)


def inventory_changelog(app_id: str) -> str:
    """The changelog topic of the workers' `crypto-inventory` table (streams/app.py), named as
    Faust names every table's changelog."""
    return f"{app_id}-crypto-inventory-changelog"


def alert_row(value: bytes, headers: Headers, timestamp_us: int) -> dict[str, Any]:
    alert = Alert.model_validate_json(value)
    try:
        envelope = parse_headers(headers, MLDSA_ALGORITHMS)
        signer, emitted_us = envelope.kid, envelope.ts_us
    except HeaderError:
        # The processor signs every alert; anything else on the topic keeps its Kafka time.
        signer, emitted_us = "", timestamp_us
    return {
        "alert_id": alert.alert_id,
        "count": alert.count,
        "kind": alert.kind,
        "typology": alert.typology,
        "severity": alert.severity,
        "score": alert.score,
        "entity": alert.entity,
        "event_ids": alert.event_ids,
        "reason_names": [r.name for r in alert.reasons],
        "reasons": orjson.dumps([r.model_dump(mode="json") for r in alert.reasons]).decode(),
        "model_version": alert.model_version,
        "signer_kid": signer,
        "producer_ts": ch_time(alert.producer_ts_us),
        "detected_ts": ch_time(alert.detected_ts_us),
        "emitted_ts": ch_time(emitted_us),
    }


def score_row(value: bytes, headers: Headers, timestamp_us: int) -> dict[str, Any]:
    score = ScoreRecord.model_validate_json(value)
    return {
        "event_id": score.event_id,
        "kind": score.kind,
        "entity": score.entity,
        "score": score.score,
        "model_version": score.model_version,
        "alerted": score.alerted,
        "producer_ts": ch_time(score.producer_ts_us),
        "ingest_ts": ch_time(score.ingest_ts_us),
        "verified_ts": ch_time(score.verified_ts_us),
        "scored_ts": ch_time(score.scored_ts_us),
        "emitted_ts": ch_time(score.emitted_ts_us),
    }


def quarantine_row(value: bytes, headers: Headers, timestamp_us: int) -> dict[str, Any]:
    record = QuarantineRecord.model_validate_json(value)
    return {
        "source_topic": record.topic,
        "source_partition": record.partition,
        "source_offset": record.offset,
        "reason": str(record.reason),
        "detail": record.detail,
        "kid": record.kid,
        "record_ts": _ch_time_or_none(record.record_ts_us),
        "key_b64": record.key_b64,
        "value_b64": record.value_b64,
        "headers": [h.model_dump() for h in record.headers],
        "detected_ts": ch_time(record.detected_ts_us),
    }


def inventory_row(value: bytes, headers: Headers, timestamp_us: int) -> dict[str, Any]:
    row = HostInventory.from_dict(orjson.loads(value)).row()
    for name in ("first_seen", "last_seen", "last_pq", "last_classical"):
        row[name] = _ch_time_or_none(row.pop(f"{name}_us"))
    return row


@dataclass(frozen=True)
class SinkTopic:
    name: str
    table: str
    mapper: Mapper


def sink_topics(app_id: str) -> tuple[SinkTopic, ...]:
    """The topics the sink reads, each with its table and mapper."""
    return (
        SinkTopic(ALERTS, ALERTS_TABLE, alert_row),
        SinkTopic(SCORES, SCORES_TABLE, score_row),
        SinkTopic(QUARANTINE, QUARANTINE_TABLE, quarantine_row),
        SinkTopic(inventory_changelog(app_id), INVENTORY_TABLE, inventory_row),
    )
