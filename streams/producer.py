"""`SignedProducer`: the producer SDK. Records are signed in batches on a background thread
(the native signer releases the GIL, so the caller's thread keeps running), sent with the
envelope headers through confluent-kafka with lz4 or zstd compression, and reported through
delivery callbacks. `flush()` and `close()` wait until every record produced so far is sent.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from confluent_kafka import KafkaError, KafkaException, Message, Producer

from streams import signing
from streams.envelope import build_headers, signed_message
from streams.sequence import SequenceFile

__all__ = ["DeliveryReport", "ProducerStats", "SignedProducer"]

logger = logging.getLogger(__name__)

BATCH_MAX = 512
LINGER_S = 0.005
DeliveryReport = Callable[[KafkaError | None, Message], None]


@dataclass(slots=True)
class ProducerStats:
    queued: int = 0
    signed: int = 0
    delivered: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Pending:
    topic: str
    key: bytes
    value: bytes


_STOP = object()


class SignedProducer:
    """Signs every record with one key (`key_id`, one per producer process) and produces it.

    `sequence` persists the `qr-seq` counter, so a restarted producer never reuses a number.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        key_id: str,
        keypair: signing.KeyPair,
        sequence: SequenceFile,
        compression: Literal["lz4", "zstd"] = "lz4",
        on_delivery: DeliveryReport | None = None,
        batch_max: int = BATCH_MAX,
        linger_s: float = LINGER_S,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self.key_id = key_id
        self.keypair = keypair
        self.sequence = sequence
        self.stats = ProducerStats()
        self._on_delivery = on_delivery
        self._batch_max = batch_max
        self._linger_s = linger_s
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap_servers,
                "compression.type": compression,
                "linger.ms": 5,
                "enable.idempotence": True,
                # Kafka's Java default: keyed state of the pipeline (Faust tables and its
                # repartition topics) is co-partitioned with the inputs only under murmur2.
                "partitioner": "murmur2_random",
                **(config or {}),
            }
        )
        self._queue: queue.Queue[_Pending | object] = queue.Queue(maxsize=batch_max * 64)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"signer-{key_id}", daemon=True)
        self._thread.start()

    def produce(self, topic: str, key: str | bytes, value: bytes | Mapping[str, Any]) -> None:
        """Queues one record; a mapping value is serialised as JSON. Blocks when the signer is
        a full queue behind, which is the back-pressure a caller should feel."""
        if self._error is not None:
            raise RuntimeError("the signing thread failed") from self._error
        if not self._thread.is_alive():
            raise RuntimeError("producer is closed")
        key_b = key.encode() if isinstance(key, str) else bytes(key)
        value_b = value if isinstance(value, bytes) else orjson.dumps(value)
        self._queue.put(_Pending(topic, key_b, value_b))
        self.stats.queued += 1

    def flush(self, timeout: float = 30.0) -> int:
        """Waits until every queued record is signed and delivered (or failed); returns the
        number still in flight when `timeout` ran out."""
        deadline = time.monotonic() + timeout
        self._queue.join()
        return int(self._producer.flush(max(0.0, deadline - time.monotonic())))

    def close(self, timeout: float = 30.0) -> int:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        return int(self._producer.flush(timeout))

    def __enter__(self) -> SignedProducer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_batch(self) -> tuple[list[_Pending], bool]:
        first = self._queue.get()
        if first is _STOP:
            self._queue.task_done()
            return [], True
        batch = [first]
        deadline = time.monotonic() + self._linger_s
        while len(batch) < self._batch_max:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.task_done()
                return [b for b in batch if isinstance(b, _Pending)], True
            batch.append(item)
        return [b for b in batch if isinstance(b, _Pending)], False

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._next_batch()
            try:
                if batch:
                    self._send(batch)
            except BaseException as err:  # reported to the caller's next produce()
                logger.exception("signing thread failed")
                self._error = err
                stop = True
            finally:
                for _ in batch:
                    self._queue.task_done()
            self._producer.poll(0)
        self._drain_after_failure()

    def _drain_after_failure(self) -> None:
        """Counts records that can no longer be sent, so `flush()` never waits forever."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                self.stats.failed += 1
            self._queue.task_done()

    def _send(self, batch: list[_Pending]) -> None:
        ts_us = time.time_ns() // 1000
        seqs = self.sequence.take(len(batch))
        alg = self.keypair.algorithm
        messages = [
            signed_message(p.topic, p.key, ts_us, seq, self.key_id, p.value)
            for p, seq in zip(batch, seqs, strict=True)
        ]
        signatures = signing.sign_many(alg, self.keypair.private_key, messages)
        self.stats.signed += len(batch)
        for p, seq, sig in zip(batch, seqs, signatures, strict=True):
            headers: list[tuple[str, str | bytes | None]] = [
                *build_headers(alg, self.key_id, ts_us, seq, sig)
            ]
            while True:
                try:
                    self._producer.produce(
                        p.topic, p.value, p.key, headers=headers, on_delivery=self._delivered
                    )
                    break
                except BufferError:  # librdkafka's queue is full: let it drain
                    self._producer.poll(0.05)
                except KafkaException as err:
                    self.stats.failed += 1
                    logger.warning("produce to %s failed: %s", p.topic, err)
                    break

    def _delivered(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.stats.delivered += 1
        else:
            self.stats.failed += 1
            logger.warning("delivery to %s failed: %s", msg.topic(), err)
        if self._on_delivery is not None:
            self._on_delivery(err, msg)
