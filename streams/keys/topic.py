"""The registry topic through confluent-kafka: `load_registry` reads it once from the beginning
to the end offsets seen at the start, `publish_records` produces root-signed entries and waits
for their delivery. Workers read the same topic as a Faust global table instead, feeding
`KeyRegistry.apply`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from streams.errors import KeyRegistryError
from streams.keys.entry import SignedRecord
from streams.keys.pem import PublicKey
from streams.keys.registry import KeyRegistry
from topics.specs import KEYS

__all__ = ["load_registry", "publish_records"]

CONSUME_BATCH = 500
POLL_S = 0.2
METADATA_SETTLE_S = 5.0
METADATA_RETRY_S = 0.2


def _topic_partitions(client: Consumer | Producer, topic: str, timeout: float) -> list[int]:
    """The partitions of `topic` once each has a leader. Metadata of a topic created a moment
    ago may still say unknown or leaderless, so those answers are retried for a few seconds."""
    deadline = time.monotonic() + min(timeout, METADATA_SETTLE_S)
    while True:
        try:
            metadata = client.list_topics(topic, timeout=timeout)
        except KafkaException as err:
            raise KeyRegistryError(f"cannot read metadata of {topic}: {err.args[0]}") from None
        found = metadata.topics.get(topic)
        if (
            found is not None
            and found.error is None
            and found.partitions
            and all(p.leader >= 0 for p in found.partitions.values())
        ):
            return sorted(found.partitions)
        if time.monotonic() >= deadline:
            raise KeyRegistryError(
                f"key registry topic {topic} does not exist or has no leader; "
                "create it with `qrstream topics create`"
            )
        time.sleep(METADATA_RETRY_S)


@dataclass(frozen=True, slots=True)
class _Consumed:
    """A consumed record as `KeyRegistry.apply` reads it (a `RegistryRecord`)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]


def _consumed(msg: Message) -> _Consumed:
    raw = msg.headers() or []
    # Consumed messages carry a list (names may repeat); the stubs also allow a dict.
    pairs = list(raw.items()) if isinstance(raw, dict) else raw
    return _Consumed(
        topic=msg.topic() or "",
        partition=msg.partition() or 0,
        offset=msg.offset() or 0,
        key=msg.key(),
        value=msg.value(),
        headers=[
            (name, value.encode() if isinstance(value, str) else value) for name, value in pairs
        ],
    )


def load_registry(
    bootstrap: str,
    root_public_key: PublicKey,
    timeout: float = 30.0,
    *,
    topic: str = KEYS,
    root_kid: str = "root",
    config: Mapping[str, Any] | None = None,
) -> KeyRegistry:
    """The registry as of now: every record of `topic` up to the end offsets at the start,
    applied in order. Uses no consumer group (nothing is committed); raises `KeyRegistryError`
    when the topic is missing or cannot be read to its end within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    registry = KeyRegistry(root_public_key, root_kid)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            # librdkafka wants a group id, but partitions are assigned and nothing is committed.
            "group.id": f"qrstream-keys-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "allow.auto.create.topics": False,
            **(config or {}),
        }
    )
    try:
        ends: dict[int, int] = {}
        for partition in _topic_partitions(consumer, topic, timeout):
            low, high = consumer.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=max(0.1, deadline - time.monotonic())
            )
            if high > low:
                ends[partition] = high
        if not ends:
            return registry
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        while ends:
            if time.monotonic() > deadline:
                raise KeyRegistryError(f"{topic} not read to its end within {timeout:g} s")
            messages = consumer.consume(CONSUME_BATCH, timeout=POLL_S)
            batch = []
            for msg in messages:
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise KeyRegistryError(f"cannot read {topic}: {err.str()}")
                batch.append(_consumed(msg))
            registry.apply(batch)
            # Positions rather than the last offset seen: compaction and transaction markers
            # leave offsets that are never delivered.
            for tp in consumer.position([TopicPartition(topic, p) for p in ends]):
                if tp.offset >= ends[tp.partition]:
                    del ends[tp.partition]
        return registry
    except KafkaException as err:
        raise KeyRegistryError(f"cannot read {topic}: {err.args[0]}") from None
    finally:
        consumer.close()


def publish_records(
    bootstrap: str,
    records: Sequence[SignedRecord],
    timeout: float = 30.0,
    *,
    config: Mapping[str, Any] | None = None,
) -> None:
    """Produces `records` (acks from all in-sync replicas) and waits until every one is
    delivered; raises `KeyRegistryError` naming the first failure otherwise."""
    if not records:
        return
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            # The registry topic is zstd (topics/specs.py); the same codec spares a recompression.
            "compression.type": "zstd",
            "allow.auto.create.topics": False,
            "message.timeout.ms": max(1000, int(timeout * 1000)),
            **(config or {}),
        }
    )
    for topic in {r.topic for r in records}:
        _topic_partitions(producer, topic, timeout)
    failures: list[str] = []

    def delivered(err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            failures.append(f"{(msg.key() or b'').decode(errors='replace')!r}: {err.str()}")

    try:
        for record in records:
            headers: list[tuple[str, str | bytes | None]] = [*record.headers]
            producer.produce(
                record.topic, record.value, record.key, headers=headers, on_delivery=delivered
            )
    except (KafkaException, BufferError) as err:
        raise KeyRegistryError(f"cannot produce to {records[0].topic}: {err}") from None
    remaining = producer.flush(timeout)
    if failures:
        raise KeyRegistryError(f"registry entry {failures[0]} not delivered")
    if remaining:
        raise KeyRegistryError(f"{remaining} registry entries not delivered within {timeout:g} s")
