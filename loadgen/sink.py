"""Producing signed records: confluent-kafka configured as `SignedProducer` configures it, so
loadgen traffic partitions and compresses exactly like a real producer's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from loadgen.signer import KafkaRecord

__all__ = ["KafkaSink"]

_DRAIN_S = 0.05


class KafkaSink:
    def __init__(
        self, bootstrap_servers: str, client_config: Mapping[str, str] | None = None
    ) -> None:
        self.delivered = 0
        self.failed = 0
        self.first_error: str | None = None
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap_servers,
                "compression.type": "lz4",
                "linger.ms": 5,
                "enable.idempotence": True,
                # As SignedProducer: the pipeline's keyed state is co-partitioned with the
                # inputs only under Kafka's Java default partitioner.
                "partitioner": "murmur2_random",
                "allow.auto.create.topics": False,
                **(client_config or {}),
            }
        )

    def send(self, records: Sequence[KafkaRecord]) -> None:
        produce = self._producer.produce
        for topic, key, value, headers in records:
            while True:
                try:
                    # The stubs want a list of optional str-or-bytes values: bytes are that.
                    produce(
                        topic, value, key, headers=cast(Any, headers), on_delivery=self._delivered
                    )
                    break
                except BufferError:  # librdkafka's queue is full: let it drain
                    self._producer.poll(_DRAIN_S)
                except KafkaException as err:
                    self._fail(str(err))
                    break
        self._producer.poll(0)

    def flush(self, timeout: float) -> None:
        """Waits for every delivery report; records still unconfirmed count as failed."""
        left = self._producer.flush(timeout)
        if left:
            self._fail(f"{left} records not delivered within {timeout:g} s", left)

    def _fail(self, error: str, count: int = 1) -> None:
        self.failed += count
        if self.first_error is None:
            self.first_error = error

    def _delivered(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.delivered += 1
        else:
            self._fail(f"delivery to {msg.topic()} failed: {err.str()}")
