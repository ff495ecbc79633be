"""The SIEM forwarder: reads signed alerts in its own consumer group, verifies every one
against the key registry, converts the genuine ones to the destination's format and delivers
them.

Delivery is at least once: a batch's offsets (and the replay state of its alerts) are committed
only after the destination accepted the whole batch. A destination that is down gets the same
batch again with backoff until the retry budget is spent; then the forwarder stops with an
error and nothing it had not delivered is committed, so a restart resumes exactly there. A
record that fails verification (forged, unknown key, replayed, not an alert) is dropped, counted
by reason and logged, never forwarded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from streams.errors import KeyRegistryError
from streams.keys.model import KeyResolver
from streams.siem import metrics
from streams.siem.alert import Event, VerifiedAlert
from streams.siem.errors import ForwarderError
from streams.siem.formats import to_event
from streams.siem.retry import RetryPolicy, deliver_with_retries
from streams.siem.transports import Transport
from streams.verifier import InboundRecord, Verdict, Verifier
from topics.reasons import Reason

__all__ = ["Forwarder", "ForwarderConfig", "ForwarderStats"]

logger = logging.getLogger(__name__)

POLL_S = 0.2
# A record signed by a key the registry does not know may be from a processor whose key was
# published after the last read: read the registry again first, at most this often.
UNKNOWN_KEY_REFRESH_S = 1.0


@dataclass(frozen=True)
class ForwarderConfig:
    topic: str
    format: str
    batch_max: int
    retry: RetryPolicy
    registry_refresh_s: float


@dataclass
class ForwarderStats:
    read: int = 0
    forwarded: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    batches: int = 0


def _inbound(message: Message) -> InboundRecord:
    raw = message.headers() or []
    # Consumed messages carry a list (names may repeat); the stubs also allow a dict.
    pairs = list(raw.items()) if isinstance(raw, dict) else raw
    return InboundRecord(
        topic=message.topic() or "",
        partition=message.partition() or 0,
        offset=message.offset() or 0,
        key=message.key(),
        value=message.value(),
        headers=[(n, v.encode() if isinstance(v, str) else v) for n, v in pairs],
    )


class Forwarder:
    def __init__(
        self,
        consumer: Consumer,
        transport: Transport,
        verifier: Verifier,
        load_keys: Callable[[], KeyResolver],
        config: ForwarderConfig,
        stop: threading.Event,
        abort: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`stop` ends reading once the current batch is delivered; `abort` also ends waiting
        for a destination that is down. `load_keys` reads the key registry anew."""
        self._consumer = consumer
        self._transport = transport
        self._verifier = verifier
        self._load_keys = load_keys
        self._config = config
        self._stop = stop
        self._abort = abort
        self._clock = clock
        self._keys_loaded = clock()
        self.stats = ForwarderStats()

    def run(self) -> ForwarderStats:
        self._consumer.subscribe([self._config.topic])
        try:
            while not self._stop.is_set():
                messages = self._consumer.consume(self._config.batch_max, timeout=POLL_S)
                self.process(messages)
        except KafkaException as err:
            raise ForwarderError(f"Kafka: {err.args[0].str()}") from err
        finally:
            self._consumer.close()
        return self.stats

    def process(self, messages: Sequence[Message]) -> None:
        """One batch: verify, convert, deliver, then commit."""
        records: list[InboundRecord] = []
        next_offsets: dict[tuple[str, int], int] = {}
        for message in messages:
            err = message.error()
            if err is not None:
                self._kafka_error(err)
                continue
            record = _inbound(message)
            records.append(record)
            next_offsets[(record.topic, record.partition)] = record.offset + 1
        if not records:
            return
        metrics.ALERTS_IN.inc(len(records))
        events = [self._event(v) for v in self._verify(records) if self._keep(v)]
        if events:
            started = time.perf_counter()
            deliver_with_retries(
                partial(self._transport.send, events),
                self._config.retry,
                self._abort,
                f"deliver {len(events)} alerts to {self._transport.description}",
            )
            metrics.DELIVERY_SECONDS.observe(time.perf_counter() - started)
            metrics.ALERTS_FORWARDED.labels(self._config.format).inc(len(events))
        self._verifier.commit()
        self._commit(next_offsets)
        self.stats.read += len(records)
        self.stats.forwarded += len(events)
        self.stats.batches += 1

    def _verify(self, records: list[InboundRecord]) -> list[Verdict]:
        now = self._clock()
        if now - self._keys_loaded >= self._config.registry_refresh_s:
            self._refresh_keys(now)
        verdicts = self._verifier.check_signatures(records)
        unknown = any(v.reason is Reason.UNKNOWN_KEY for v in verdicts)
        if unknown and now - self._keys_loaded >= UNKNOWN_KEY_REFRESH_S:
            self._refresh_keys(now)
            verdicts = self._verifier.check_signatures(records)
        self._verifier.check_sequence(verdicts)
        return verdicts

    def _refresh_keys(self, now: float) -> None:
        try:
            self._verifier.keys = self._load_keys()
        except KeyRegistryError as err:
            logger.warning("key registry not re-read, keeping the last one: %s", err)
        self._keys_loaded = now

    def _keep(self, verdict: Verdict) -> bool:
        if verdict.accepted:
            return True
        reason = verdict.reason.value if verdict.reason else "unknown"
        record = verdict.record
        self.stats.dropped[reason] += 1
        metrics.ALERTS_DROPPED.labels(reason).inc()
        where: dict[str, Any] = {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "reason": reason,
            "kid": verdict.key_id,
        }
        logger.warning(
            "dropped %s[%d]@%d (not forwarded): %s: %s",
            record.topic,
            record.partition,
            record.offset,
            reason,
            verdict.detail,
            extra=where,
        )
        return False

    def _event(self, verdict: Verdict) -> Event:
        envelope = verdict.envelope
        if envelope is None:  # unreachable: accepted records passed the header checks
            raise ForwarderError("accepted record without an envelope")
        item = VerifiedAlert(verdict.payload, envelope.kid, envelope.algorithm)
        return to_event(item, self._config.format)

    def _commit(self, next_offsets: dict[tuple[str, int], int]) -> None:
        offsets = [TopicPartition(t, p, o) for (t, p), o in next_offsets.items()]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as err:
            # Partitions lost in a rebalance: their new owner delivers those alerts again.
            logger.warning("commit failed, alerts will be delivered again: %s", err.args[0].str())

    def _kafka_error(self, err: KafkaError) -> None:
        if err.fatal():
            raise ForwarderError(f"Kafka: {err.str()}")
        logger.warning("Kafka: %s", err.str())
