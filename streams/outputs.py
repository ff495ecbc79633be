"""What a worker produces per record (score records, repartitioned legs, quarantine records,
alerts and table changelog entries) goes through one librdkafka producer instead of Faust's
aiokafka one: producing a record from Python then costs microseconds instead of a pass through
aiokafka's pure-Python batching, compression and send loop, the largest cost of a worker.

Delivery stays at least once: each agent flushes the producer when it finishes a batch, before
Faust acknowledges the batch's input records, so no offset is committed for an input whose
outputs may still be lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from confluent_kafka import KafkaError, Message, Producer

from streams.errors import StreamsError

__all__ = ["DeliveryFailed", "OutputTopic", "Outputs", "TopicSender"]

logger = logging.getLogger(__name__)

Headers = Sequence[tuple[str, bytes | None]]
# Called on the flushing thread with (topic, partition, offset) of each delivered record.
Delivered = Callable[[str, int, int], None]

FLUSH_TIMEOUT_S = 60.0


class DeliveryFailed(StreamsError):
    """Kafka did not take some records of a batch: the batch must not be acknowledged."""


class Outputs:
    def __init__(self, bootstrap_servers: str, client_id: str, **config: Any) -> None:
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap_servers,
                "client.id": client_id,
                "enable.idempotence": True,
                "compression.type": "lz4",
                "linger.ms": 2,
                "batch.size": 1 << 20,
                # Java's partitioner (what Faust's tables and repartition topics assume).
                "partitioner": "murmur2_random",
                **config,
            }
        )
        self._errors: list[str] = []
        self._after_flush: list[Callable[[], None]] = []
        self._flushing = asyncio.Lock()  # agents flush concurrently; librdkafka wants one caller

    def after_flush(self, hook: Callable[[], None]) -> None:
        """Runs `hook` on the caller's thread after each successful flush."""
        self._after_flush.append(hook)

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        headers: Headers | None = None,
        on_delivered: Delivered | None = None,
    ) -> None:
        def report(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                self._errors.append(f"{msg.topic()}: {err.str()}")
            elif on_delivered is not None:
                on_delivered(msg.topic() or topic, msg.partition() or 0, msg.offset() or 0)

        kwargs: dict[str, Any] = {"on_delivery": report}
        if partition is not None:
            kwargs["partition"] = partition
        if headers:
            kwargs["headers"] = list(headers)
        while True:
            try:
                self._producer.produce(topic, value, key, **kwargs)
                return
            except BufferError:  # the local queue is full: let librdkafka drain it
                self._producer.poll(0.05)

    @property
    def pending(self) -> int:
        return len(self._producer)

    async def flush(self) -> None:
        """Waits until Kafka acknowledged everything sent so far (off the event loop)."""
        async with self._flushing:
            if len(self._producer):
                left = await asyncio.to_thread(self._producer.flush, FLUSH_TIMEOUT_S)
                if left:
                    raise DeliveryFailed(f"{left} records not delivered in {FLUSH_TIMEOUT_S:.0f} s")
            else:
                self._producer.poll(0)
            if self._errors:
                errors, self._errors = self._errors, []
                raise DeliveryFailed(f"{len(errors)} records not delivered, first: {errors[0]}")
            for hook in self._after_flush:
                hook()

    def close(self) -> None:
        left = self._producer.flush(FLUSH_TIMEOUT_S)
        if left:
            logger.error("%d output records were not delivered before shutdown", left)


class TopicSender(Protocol):
    async def send(
        self, *, key: bytes | None, value: bytes | None, headers: Headers | None = None
    ) -> None: ...


class OutputTopic:
    """One topic of `Outputs`, sent to like a Faust topic (`await topic.send(key=, value=)`)."""

    def __init__(self, outputs: Outputs, name: str) -> None:
        self.outputs = outputs
        self.name = name

    async def send(
        self, *, key: bytes | None, value: bytes | None, headers: Headers | None = None
    ) -> None:
        self.outputs.send(self.name, key, value, headers=headers)
