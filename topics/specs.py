"""The Kafka topics of qrstream (DESIGN.md section 6) as data: one `TopicSpec` per topic, which
`qrstream topics create` applies and every producer and agent reads its topic name from.

Compression: the broker recompresses every batch whose codec differs from the topic's
`compression.type`, so a topic's codec is also what its producers must use. The processor writes
quarantine, alerts and scores through one producer (one codec), so those and the inputs, which
are on the latency path, use lz4; the rarely written registry and label topics use zstd.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "ALERTS",
    "ALL_TOPICS",
    "DEFAULT_PARTITIONS",
    "DEFAULT_REPLICATION_FACTOR",
    "FEEDBACK",
    "KEYS",
    "QUARANTINE",
    "SCORES",
    "TELEMETRY",
    "TRANSACTIONS",
    "CleanupPolicy",
    "Compression",
    "TopicSpec",
    "topic_specs",
]

TRANSACTIONS = "qr.transactions"
TELEMETRY = "qr.telemetry"
KEYS = "qr.keys"
QUARANTINE = "qr.quarantine"
ALERTS = "qr.alerts"
SCORES = "qr.scores"
FEEDBACK = "qr.feedback"
ALL_TOPICS = (TRANSACTIONS, TELEMETRY, KEYS, QUARANTINE, ALERTS, SCORES, FEEDBACK)

DEFAULT_PARTITIONS = 6
DEFAULT_REPLICATION_FACTOR = 1

CleanupPolicy = Literal["delete", "compact"]
Compression = Literal["lz4", "zstd"]

_DAY_MS = 24 * 60 * 60 * 1000
# Kafka's own rule for topic names.
_TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
# A quarantine record carries the original key, value and headers in base64 (4/3 the size)
# plus metadata, so it must fit a record that was as large as the input topics allow (Kafka's
# default max.message.bytes, about 1 MiB). The processor's producer needs a matching
# max.request.size.
_QUARANTINE_MAX_MESSAGE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    """What one topic should look like on the broker.

    `retention_ms` None leaves the broker's default, which for a compacted topic means records
    are kept until a newer record with the same key replaces them. `config` holds any further
    topic configs and wins over the ones derived from the other fields.
    """

    name: str
    partitions: int = DEFAULT_PARTITIONS
    replication_factor: int = DEFAULT_REPLICATION_FACTOR
    retention_ms: int | None = None
    cleanup_policy: CleanupPolicy = "delete"
    compression: Compression = "lz4"
    # Excluded from the hash because a mapping has none; equality still compares it.
    config: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not _TOPIC_NAME.fullmatch(self.name) or self.name in (".", ".."):
            raise ValueError(f"not a valid Kafka topic name: {self.name!r}")
        if self.partitions < 1:
            raise ValueError(f"{self.name}: partitions must be at least 1")
        if self.replication_factor < 1:
            raise ValueError(f"{self.name}: replication factor must be at least 1")
        if self.cleanup_policy not in get_args(CleanupPolicy):
            raise ValueError(f"{self.name}: cleanup_policy is one of {get_args(CleanupPolicy)}")
        if self.compression not in get_args(Compression):
            raise ValueError(f"{self.name}: compression is one of {get_args(Compression)}")
        if self.retention_ms is not None and self.retention_ms < 1 and self.retention_ms != -1:
            raise ValueError(f"{self.name}: retention_ms is positive, -1 (forever) or None")
        object.__setattr__(self, "config", MappingProxyType(dict(self.config)))

    def kafka_config(self) -> dict[str, str]:
        """The topic configs to create the topic with, as the Admin API takes them."""
        config: dict[str, str] = {
            "cleanup.policy": self.cleanup_policy,
            "compression.type": self.compression,
        }
        if self.retention_ms is not None:
            config["retention.ms"] = str(self.retention_ms)
        if self.replication_factor > 1:
            # Producers use acks=all: with 3 or more replicas one broker may be down without
            # stopping writes while every acknowledged record is still on two brokers.
            config["min.insync.replicas"] = str(min(2, self.replication_factor - 1))
        config.update(self.config)
        return config


def topic_specs(
    partitions: int = DEFAULT_PARTITIONS,
    replication_factor: int = DEFAULT_REPLICATION_FACTOR,
    prefix: str = "",
) -> tuple[TopicSpec, ...]:
    """The specs of all seven topics, in `ALL_TOPICS` order.

    `partitions` applies to every topic except `qr.keys`; `prefix` is prepended to every name
    so that tests can create a private set of topics on a shared broker.
    """

    def spec(
        name: str,
        retention_ms: int | None = None,
        cleanup_policy: CleanupPolicy = "delete",
        compression: Compression = "lz4",
        config: Mapping[str, str] | None = None,
        fixed_partitions: int | None = None,
    ) -> TopicSpec:
        return TopicSpec(
            prefix + name,
            partitions=fixed_partitions or partitions,
            replication_factor=replication_factor,
            retention_ms=retention_ms,
            cleanup_policy=cleanup_policy,
            compression=compression,
            config=config or {},
        )

    return (
        # Inputs are kept a week so a new model version can be replayed over recent traffic.
        spec(TRANSACTIONS, retention_ms=7 * _DAY_MS),
        spec(TELEMETRY, retention_ms=7 * _DAY_MS),
        # Every worker reads the whole registry as a global table: one partition keeps one
        # total order of rotations and revocations; compaction keeps each key id's latest entry
        # forever.
        spec(KEYS, cleanup_policy="compact", compression="zstd", fixed_partitions=1),
        # Forensic evidence of attacks and broken producers: kept a month.
        spec(
            QUARANTINE,
            retention_ms=30 * _DAY_MS,
            config={"max.message.bytes": str(_QUARANTINE_MAX_MESSAGE_BYTES)},
        ),
        spec(ALERTS, retention_ms=30 * _DAY_MS),
        # Only a transport to ClickHouse, where scores are stored; three days bridge a sink
        # outage over a weekend.
        spec(SCORES, retention_ms=3 * _DAY_MS),
        # Analyst labels are rare and the only ground truth for supervised models: kept a year
        # so a model can be retrained from scratch. As many partitions as the inputs, so a
        # label keyed by entity lands with that entity's state.
        spec(FEEDBACK, retention_ms=365 * _DAY_MS, compression="zstd"),
    )
