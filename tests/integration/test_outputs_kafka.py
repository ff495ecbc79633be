"""`Outputs` and `OutputTopic` on the real broker: records land where they were sent, explicit
partitions are kept, and delivered offsets reach the caller after the flush."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from confluent_kafka import Consumer

from streams.outputs import Outputs, OutputTopic
from tests.utils import Timeout, TopicFactory

pytestmark = pytest.mark.integration


def test_records_are_delivered_with_their_partitions_and_offsets(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    topic = topic_factory(partitions=3)
    outputs = Outputs(kafka_bootstrap, "test")
    delivered: list[tuple[str, int, int]] = []
    for i in range(6):
        outputs.send(
            topic,
            f"k{i}".encode(),
            f"v{i}".encode(),
            partition=i % 3,
            headers=[("h", b"x")],
            on_delivered=lambda t, p, o: delivered.append((t, p, o)),
        )
    asyncio.run(OutputTopic(outputs, topic).send(key=b"free", value=b"chosen by murmur2"))
    asyncio.run(outputs.flush())
    assert outputs.pending == 0
    assert sorted(delivered) == [(topic, p, o) for p in range(3) for o in range(2)]

    consumer = Consumer(
        {"bootstrap.servers": kafka_bootstrap, "group.id": f"t-{uuid.uuid4()}",
         "auto.offset.reset": "earliest"}
    )  # fmt: skip
    consumer.subscribe([topic])
    got: dict[bytes, tuple[int, bytes, list[tuple[str, bytes]] | None]] = {}
    timeout = Timeout(30, "7 records")
    while len(got) < 7 and timeout:
        for m in consumer.consume(10, timeout=0.5):
            if m.error() is None:
                got[m.key()] = (m.partition(), m.value(), m.headers())
    consumer.close()
    assert {k: p for k, (p, _, _) in got.items() if k != b"free"} == {
        f"k{i}".encode(): i % 3 for i in range(6)
    }
    assert got[b"k4"][1:] == (b"v4", [("h", b"x")])
    assert got[b"free"][1] == b"chosen by murmur2"
