"""The sink's consume/insert/commit loop against a fake consumer and fake ClickHouse clients:
offsets are committed only after their rows were inserted, a slow ClickHouse pauses fetching
instead of filling memory, and an unavailable one stops the sink with nothing committed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from streams.sinks.client import ClickHouseClient
from streams.sinks.errors import ClickHouseUnavailable, SinkError
from streams.sinks.retry import RetryPolicy
from streams.sinks.rows import sink_topics
from streams.sinks.sink import ClickHouseSink, SinkConfig, SinkStats
from tests.sink_records import score
from tests.utils import Timeout

SCORES = "qr.scores"


@dataclass
class FakeMessage:
    _topic: str
    _partition: int
    _offset: int
    _value: bytes | None

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def value(self) -> bytes | None:
        return self._value

    def headers(self) -> None:
        return None

    def timestamp(self) -> tuple[int, int]:
        return (1, 1_767_225_600_000)


class FakeConsumer:
    """Partitions as lists of values; serves unpaused partitions from their position, records
    pauses and commits, and calls `drained` once every record was handed out."""

    def __init__(
        self, log: dict[tuple[str, int], list[bytes | None]], drained: Callable[[], None]
    ) -> None:
        self.log = log
        self.drained = drained
        self.position = dict.fromkeys(log, 0)
        self.assigned: list[tuple[str, int]] = []
        self.paused: set[tuple[str, int]] = set()
        self.pauses = 0
        self.commits: list[dict[tuple[str, int], int]] = []
        self.events: list[str] = []
        self.closed = False

    def subscribe(self, topics: list[str], on_assign: Any, on_revoke: Any, on_lost: Any) -> None:
        self.on_revoke = on_revoke
        on_assign(self, [TopicPartition(t, p) for (t, p) in self.log if t in topics])

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.assigned = [(tp.topic, tp.partition) for tp in partitions]
        for tp in partitions:
            if tp.offset == OFFSET_BEGINNING:
                self.position[(tp.topic, tp.partition)] = 0

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(t, p) for t, p in self.assigned]

    def pause(self, partitions: list[TopicPartition]) -> None:
        self.paused |= {(tp.topic, tp.partition) for tp in partitions}
        self.pauses += 1

    def resume(self, partitions: list[TopicPartition]) -> None:
        self.paused -= {(tp.topic, tp.partition) for tp in partitions}

    def consume(self, num_messages: int, timeout: float) -> list[FakeMessage]:
        out: list[FakeMessage] = []
        for tp in self.assigned:
            if tp in self.paused:
                continue
            values = self.log[tp]
            while self.position[tp] < len(values) and len(out) < num_messages:
                offset = self.position[tp]
                out.append(FakeMessage(tp[0], tp[1], offset, values[offset]))
                self.position[tp] += 1
        if all(self.position[tp] == len(v) for tp, v in self.log.items()):
            self.drained()
        if not out:
            time.sleep(min(timeout, 0.005))
        return out

    def commit(self, offsets: list[TopicPartition], asynchronous: bool) -> None:
        assert not asynchronous
        self.commits.append({(tp.topic, tp.partition): tp.offset for tp in offsets})
        self.events.append("commit")

    def close(self) -> None:
        self.on_revoke(self, self.assignment())
        self.closed = True

    def committed(self) -> dict[tuple[str, int], int]:
        merged: dict[tuple[str, int], int] = {}
        for commit in self.commits:
            merged |= commit
        return merged


class FakeClickHouse(ClickHouseClient):
    description = "fake ClickHouse"

    def __init__(self, events: list[str], fail: Callable[[], None] = lambda: None) -> None:
        self.events = events
        self.fail = fail
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def command(self, sql: str) -> None:
        raise NotImplementedError

    def query_json(self, sql: str, params: Mapping[str, Any] | None = None) -> bytes:
        raise NotImplementedError

    def _insert(self, table: str, data: bytes, token: str) -> None:
        self.fail()
        self.rows.setdefault(table, []).extend(orjson.loads(line) for line in data.split(b"\n"))
        self.events.append(f"insert {table}")

    def close(self) -> None:
        pass


def scores(first: int, count: int) -> list[bytes | None]:
    return [score(i).model_dump_json().encode() for i in range(first, first + count)]


def run(
    sink_for: Callable[[threading.Event, threading.Event], ClickHouseSink],
) -> tuple[SinkStats | None, BaseException | None]:
    stop, abort = threading.Event(), threading.Event()
    sink = sink_for(stop, abort)
    result: list[SinkStats] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(sink.run())
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    return (result[0] if result else None), (errors[0] if errors else None)


def config(flush_records: int = 10, budget_s: float = 5.0, **kw: Any) -> SinkConfig:
    return SinkConfig(
        flush_records=flush_records,
        flush_interval_s=0.05,
        retry=RetryPolicy(budget_s, first_delay_s=0.01, max_delay_s=0.05),
        **kw,
    )


def test_every_record_is_written_then_committed() -> None:
    events: list[str] = []
    log = {(SCORES, 0): scores(0, 25), (SCORES, 1): scores(25, 7)}
    consumers: list[FakeConsumer] = []
    client = FakeClickHouse(events)

    def sink_for(stop: threading.Event, abort: threading.Event) -> ClickHouseSink:
        consumer = FakeConsumer(log, stop.set)
        consumer.events = events
        consumers.append(consumer)
        return ClickHouseSink(consumer, client, sink_topics("qrstream"), config(), stop, abort)  # type: ignore[arg-type]

    stats, error = run(sink_for)
    assert error is None and stats is not None
    [consumer] = consumers
    assert consumer.committed() == {(SCORES, 0): 25, (SCORES, 1): 7}
    assert (stats.records, stats.rows) == (32, 32)
    assert sorted(r["event_id"] for r in client.rows["qrstream.scores"]) == sorted(
        score(i).event_id for i in range(32)
    )
    # Each commit follows the inserts of its batch.
    assert events[0].startswith("insert") and events[-1] == "commit"
    assert consumer.closed


def test_unreadable_records_and_tombstones_are_skipped_and_committed() -> None:
    log = {(SCORES, 0): [b"not json", None, *scores(0, 2)]}
    consumers: list[FakeConsumer] = []
    client = FakeClickHouse([])

    def sink_for(stop: threading.Event, abort: threading.Event) -> ClickHouseSink:
        consumers.append(FakeConsumer(log, stop.set))
        return ClickHouseSink(consumers[0], client, sink_topics("q"), config(), stop, abort)  # type: ignore[arg-type]

    stats, error = run(sink_for)
    assert error is None and stats is not None
    assert (stats.records, stats.rows) == (4, 2)
    assert consumers[0].committed() == {(SCORES, 0): 4}


def test_a_slow_clickhouse_pauses_fetching_instead_of_buffering() -> None:
    release = threading.Event()
    client = FakeClickHouse([], fail=lambda: release.wait(10) or None)
    log = {(SCORES, 0): scores(0, 100)}
    stop, abort = threading.Event(), threading.Event()
    consumer = FakeConsumer(log, stop.set)
    sink = ClickHouseSink(consumer, client, sink_topics("q"), config(10), stop, abort)  # type: ignore[arg-type]
    thread = threading.Thread(target=sink.run)
    thread.start()
    try:
        timeout = Timeout(10, "fetching paused while the first insert hangs")
        while timeout and not consumer.pauses:
            time.sleep(0.01)
        time.sleep(0.2)
        # One batch in the insert, one full batch waiting: nothing more was fetched.
        assert consumer.position[(SCORES, 0)] == 20
        assert sink._open.records == 10
        assert consumer.commits == []
    finally:
        release.set()
        thread.join(30)
    assert consumer.committed() == {(SCORES, 0): 100}
    assert len(client.rows["qrstream.scores"]) == 100
    assert consumer.paused == set()


def test_an_unavailable_clickhouse_stops_the_sink_with_nothing_committed() -> None:
    def unavailable() -> None:
        raise ClickHouseUnavailable("ClickHouse at http://ch:8123: connection refused")

    consumers: list[FakeConsumer] = []

    def sink_for(stop: threading.Event, abort: threading.Event) -> ClickHouseSink:
        consumers.append(FakeConsumer({(SCORES, 0): scores(0, 30)}, lambda: None))
        client = FakeClickHouse([], fail=unavailable)
        return ClickHouseSink(
            consumers[0],  # type: ignore[arg-type]
            client,
            sink_topics("q"),
            config(10, budget_s=0.2),
            stop,
            abort,
        )

    stats, error = run(sink_for)
    assert stats is None
    assert isinstance(error, SinkError)
    assert "\n" not in str(error)
    assert "connection refused" in str(error)
    assert consumers[0].commits == []
    assert consumers[0].closed


@pytest.mark.parametrize("from_beginning", [False, True])
def test_from_beginning_rewinds_each_partition_once(from_beginning: bool) -> None:
    log = {(SCORES, 0): scores(0, 5)}
    consumers: list[FakeConsumer] = []

    def sink_for(stop: threading.Event, abort: threading.Event) -> ClickHouseSink:
        consumer = FakeConsumer(log, stop.set)
        consumer.position[(SCORES, 0)] = 3  # as if committed before
        consumers.append(consumer)
        cfg = config(from_beginning=from_beginning)
        return ClickHouseSink(consumer, FakeClickHouse([]), sink_topics("q"), cfg, stop, abort)  # type: ignore[arg-type]

    stats, error = run(sink_for)
    assert error is None and stats is not None
    assert stats.records == (5 if from_beginning else 2)
