"""Events to a Kafka topic (keyed by entity) on the cluster the forwarder reads from; a batch
counts as delivered once every record of it is acknowledged by all in-sync replicas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from streams.siem.alert import Event
from streams.siem.errors import DestinationUnavailable
from streams.siem.transports.base import Transport

__all__ = ["KafkaTransport"]


class KafkaTransport(Transport):
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        timeout_s: float,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self.description = f"kafka://{topic}"
        self.topic = topic
        self.timeout_s = timeout_s
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "acks": "all",
                "enable.idempotence": True,
                "compression.type": "lz4",
                "message.timeout.ms": max(1000, int(timeout_s * 1000)),
                **(config or {}),
            }
        )

    def send(self, events: Sequence[Event]) -> None:
        failures: list[str] = []

        def delivered(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                failures.append(err.str())

        try:
            for event in events:
                self._producer.produce(self.topic, event.body, event.key, on_delivery=delivered)
                # Serves delivery reports, so a long batch never fills the local queue.
                self._producer.poll(0)
        except (KafkaException, BufferError) as err:
            self._producer.flush(self.timeout_s)
            raise DestinationUnavailable(f"produce to {self.topic}: {err}") from None
        remaining = self._producer.flush(self.timeout_s)
        if failures:
            raise DestinationUnavailable(f"{self.topic}: {len(failures)} failed: {failures[0]}")
        if remaining:
            raise DestinationUnavailable(
                f"{self.topic}: {remaining} records not acknowledged within {self.timeout_s:g} s"
            )

    def close(self) -> None:
        self._producer.flush(self.timeout_s)
