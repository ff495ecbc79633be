"""New consumer groups that start at the end of their topics: a demo run processes its own
records, not everything earlier runs left on the broker."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from streams.demo.children import ChildFailed

__all__ = ["start_at_end"]

TIMEOUT_S = 30.0


def start_at_end(
    bootstrap: str,
    group: str,
    topics: Iterable[str],
    client_config: Mapping[str, str] | None = None,
) -> int:
    """Commits the current end offset of every partition of `topics` for `group` (which must
    not be consuming yet); returns how many partitions were set."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0, **(client_config or {})})
    try:
        metadata = admin.list_topics(timeout=TIMEOUT_S)
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            if topic in metadata.topics
            for p in metadata.topics[topic].partitions
        ]
        if not partitions:
            return 0
        latest = OffsetSpec.latest()  # type: ignore[no-untyped-call]
        ends = admin.list_offsets({tp: latest for tp in partitions})
        committed = [
            TopicPartition(tp.topic, tp.partition, future.result(TIMEOUT_S).offset)
            for tp, future in ends.items()
        ]
        futures = admin.alter_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(group, committed)]
        )
        for future in futures.values():
            future.result(TIMEOUT_S)
    except KafkaException as err:
        raise ChildFailed(f"cannot set the start offsets of group {group}: {err}") from err
    return len(committed)
