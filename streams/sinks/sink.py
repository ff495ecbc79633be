"""The ClickHouse sink: reads qr.alerts, qr.scores, qr.quarantine and the crypto inventory
changelog in its own consumer group and writes them to ClickHouse in batches.

Delivery is at least once, and the tables make it effectively once: a batch's offsets are
committed only after every insert of the batch succeeded, and a re-delivered record collapses
into the row it repeats (deploy/clickhouse/02-tables.sql).

Flow control: one batch is inserted at a time, on a writer thread, while the next one fills.
When the next one is full before the insert finished, fetching is paused (we keep polling, so
the consumer stays in its group) until it has. Memory is bounded by two batches plus
librdkafka's prefetch queue however slow ClickHouse is. An unavailable ClickHouse is retried
with backoff until QR_SINK_RETRY_BUDGET_S is spent; then the sink stops with an error, and
whatever it had not written is still uncommitted in Kafka.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import orjson
from confluent_kafka import (
    OFFSET_BEGINNING,
    TIMESTAMP_NOT_AVAILABLE,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)

from streams.kafka_config import librdkafka_config
from streams.settings import Settings
from streams.sinks import metrics
from streams.sinks.batch import Batch, Insert
from streams.sinks.clickhouse import connect
from streams.sinks.client import ClickHouseClient
from streams.sinks.errors import SinkError
from streams.sinks.retry import RetryPolicy, retrying
from streams.sinks.rows import Headers, SinkTopic, sink_topics

__all__ = ["ClickHouseSink", "SinkConfig", "SinkStats", "consumer_config", "run_sink", "sink_group"]

logger = logging.getLogger(__name__)

# How long one poll waits for records; also how soon a finished insert is noticed.
POLL_S = 0.1
# Records taken from the consumer per poll at most, so flush deadlines are checked often.
MAX_POLL_RECORDS = 5000


@dataclass(frozen=True)
class SinkConfig:
    flush_records: int
    flush_interval_s: float
    retry: RetryPolicy
    from_beginning: bool = False
    """Read every retained record on first assignment instead of continuing from the group's
    committed offsets."""


@dataclass
class SinkStats:
    records: int = 0
    """Records read, written (or skipped) and committed."""
    rows: int = 0
    batches: int = 0


def sink_group(app_id: str) -> str:
    return f"{app_id}-clickhouse-sink"


def _log_kafka_error(err: KafkaError) -> None:
    logger.warning("Kafka: %s", err.str())


def consumer_config(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.bootstrap_servers,
        "group.id": sink_group(settings.app_id),
        "client.id": "qrstream-sink",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        # librdkafka's prefetch queue, the one buffer outside our two batches: 16 MiB holds a
        # few full batches ahead (the default is 64 MiB).
        "queued.max.messages.kbytes": 16_384,
        # The changelog topic appears when the first worker starts, maybe after the sink.
        "topic.metadata.refresh.interval.ms": 30_000,
        "statistics.interval.ms": 5_000,
        "stats_cb": metrics.record_lag,
        "error_cb": _log_kafka_error,
        "logger": logging.getLogger("streams.sinks.kafka"),
        **librdkafka_config(settings),
    }


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:500]


class ClickHouseSink:
    def __init__(
        self,
        consumer: Consumer,
        client: ClickHouseClient,
        topics: Sequence[SinkTopic],
        config: SinkConfig,
        stop: threading.Event,
        abort: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`stop` ends reading (what was read is still written and committed); `abort` also
        ends waiting for an unavailable ClickHouse."""
        self._consumer = consumer
        self._client = client
        self._topics = {t.name: t for t in topics}
        self._tables = {t.name: t.table for t in topics}
        self._config = config
        self._stop = stop
        self._abort = abort
        self._clock = clock
        self._open = Batch()
        self._pending: Future[int] | None = None
        self._pending_batch: Batch | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="clickhouse-insert")
        self._paused = False
        self._rewound: set[tuple[str, int]] = set()
        self._missing_topics: set[str] = set()
        # Raised by the main loop: an exception inside a librdkafka callback would be lost.
        self._failure: BaseException | None = None
        self.stats = SinkStats()

    def run(self) -> SinkStats:
        self._consumer.subscribe(
            list(self._topics),
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_lost,
        )
        try:
            while not self._stop.is_set():
                self._step()
            self._reap(wait=True)
            if self._open.records:
                self._submit()
                self._reap(wait=True)
        except KafkaException as err:
            raise SinkError(f"Kafka: {err.args[0].str()}") from err
        finally:
            self._abort.set()  # a failed run must not sit out a retry wait
            self._writer.shutdown(wait=True)
            self._consumer.close()
        return self.stats

    def _step(self) -> None:
        self._reap(wait=False)
        config = self._config
        if self._pending is None and self._open.due(
            self._clock(), config.flush_records, config.flush_interval_s
        ):
            self._submit()
        room = config.flush_records - self._open.records
        self._set_paused(room <= 0)
        messages = self._consumer.consume(
            num_messages=max(1, min(room, MAX_POLL_RECORDS)), timeout=POLL_S
        )
        if self._failure is not None:
            raise self._failure
        self._add(messages)

    def _add(self, messages: list[Message]) -> None:
        now = self._clock()
        read: Counter[str] = Counter()
        for message in messages:
            err = message.error()
            if err is not None:
                self._kafka_error(err)
                continue
            topic, partition, offset = message.topic(), message.partition(), message.offset()
            if topic is None or partition is None or offset is None:  # only error events
                continue
            read[topic] += 1
            self._open.add(topic, partition, offset, self._row(message, topic), now)
        for topic, count in read.items():
            metrics.RECORDS_IN.labels(topic).inc(count)

    def _row(self, message: Message, topic: str) -> bytes | None:
        value = message.value()
        if value is None:
            metrics.RECORDS_SKIPPED.labels(topic, "tombstone").inc()
            return None
        kind, ms = message.timestamp()
        timestamp_us = 0 if kind == TIMESTAMP_NOT_AVAILABLE else ms * 1000
        try:
            # Consumed headers are (name, bytes or None) pairs, never the producer's dict form.
            headers = cast(Headers, message.headers())
            row = self._topics[topic].mapper(value, headers, timestamp_us)
        except (ValueError, KeyError, TypeError) as err:
            metrics.RECORDS_SKIPPED.labels(topic, "invalid").inc()
            where = {"topic": topic, "partition": message.partition(), "offset": message.offset()}
            logger.warning(
                "%s[%d]@%d gives no row: %s",
                topic,
                where["partition"],
                where["offset"],
                _one_line(err),
                extra=where,
            )
            return None
        return orjson.dumps(row)

    def _kafka_error(self, err: KafkaError) -> None:
        if err.fatal():
            raise SinkError(f"Kafka: {err.str()}")
        if err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
            # The changelog until a worker creates it: say so once, not every poll.
            if err.str() not in self._missing_topics:
                self._missing_topics.add(err.str())
                logger.warning("Kafka: %s (read once it exists)", err.str())
            return
        logger.warning("Kafka: %s", err.str())

    def _submit(self) -> None:
        batch, self._open = self._open, Batch()
        metrics.BATCH_RECORDS.observe(batch.records)
        self._pending = self._writer.submit(self._write, batch.inserts(self._tables))
        self._pending_batch = batch

    def _write(self, inserts: list[Insert]) -> int:
        """On the writer thread: every insert of one batch; returns the rows written."""
        rows = 0
        for insert in inserts:
            started = time.perf_counter()
            retrying(
                partial(self._client.insert_json, insert.table, insert.data),
                self._config.retry,
                self._abort,
                f"insert into {insert.table}",
            )
            elapsed = time.perf_counter() - started
            metrics.INSERT_SECONDS.labels(insert.table).observe(elapsed)
            metrics.ROWS_INSERTED.labels(insert.table).inc(insert.rows)
            logger.debug(
                "%s: %d rows in %.1f ms",
                insert.table,
                insert.rows,
                elapsed * 1000,
                extra={"table": insert.table, "rows": insert.rows, "seconds": elapsed},
            )
            rows += insert.rows
        return rows

    def _reap(self, wait: bool) -> None:
        """Commits the pending batch once its inserts succeeded; raises if they failed."""
        pending, batch = self._pending, self._pending_batch
        if pending is None or batch is None or (not wait and not pending.done()):
            return
        self._pending = self._pending_batch = None
        rows = pending.result()
        offsets = [TopicPartition(t, p, o) for t, p, o in batch.next_offsets()]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as err:
            # Lost partitions in a rebalance: the new owner re-reads those records, and their
            # rows collapse into the ones just written.
            logger.warning("commit failed, records will be read again: %s", err.args[0].str())
        self.stats.records += batch.records
        self.stats.rows += rows
        self.stats.batches += 1

    def _set_paused(self, paused: bool) -> None:
        if paused == self._paused:
            return
        assignment = self._consumer.assignment()
        if paused:
            self._consumer.pause(assignment)
        else:
            self._consumer.resume(assignment)
        self._paused = paused
        metrics.PAUSED.set(int(paused))

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if self._config.from_beginning:
            for tp in partitions:
                if (tp.topic, tp.partition) not in self._rewound:
                    self._rewound.add((tp.topic, tp.partition))
                    tp.offset = OFFSET_BEGINNING
        consumer.assign(partitions)
        if self._paused:
            consumer.pause(partitions)
        logger.info("assigned %d partitions", len(partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Commit what was written while the partitions are still ours; drop the rest.
        try:
            self._reap(wait=True)
        except Exception as err:  # raised by the main loop after the callback
            self._failure = err
        self._on_lost(consumer, partitions)

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        dropped = self._open.drop((tp.topic, tp.partition) for tp in partitions)
        if dropped:
            logger.info("%d records of revoked partitions will be read by their new owner", dropped)


def run_sink(
    settings: Settings,
    stop: threading.Event,
    abort: threading.Event,
    from_beginning: bool = False,
) -> SinkStats:
    """Opens ClickHouse (retrying a server that is not up yet), then runs the sink until
    `stop` is set."""
    retry = RetryPolicy(settings.sink_retry_budget_s)
    # Nothing is read yet: a stop request need not wait for ClickHouse.
    client = retrying(lambda: connect(settings), retry, stop, "connect to ClickHouse")
    try:
        topics = sink_topics(settings.app_id)
        config = consumer_config(settings)
        try:
            consumer = Consumer(config)
        except KafkaException as err:
            raise SinkError(f"Kafka consumer: {err.args[0].str()}") from err
        logger.info(
            "sink: %s -> %s (group %s)",
            ", ".join(t.name for t in topics),
            client.description,
            config["group.id"],
            extra={"topics": [t.name for t in topics], "group": config["group.id"]},
        )
        sink = ClickHouseSink(
            consumer,
            client,
            topics,
            SinkConfig(
                settings.sink_flush_rows,
                settings.sink_flush_interval_s,
                retry,
                from_beginning,
            ),
            stop,
            abort,
        )
        return sink.run()
    finally:
        client.close()
