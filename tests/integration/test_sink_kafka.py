"""`qrstream sink` over the real broker into chDB: alert, score, quarantine and crypto inventory
records all arrive, one row each; a second run that reads every topic again from the beginning
adds the new records and not one duplicate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from streams.settings import Settings
from streams.sinks import connect
from streams.sinks.rows import inventory_changelog
from streams.sinks.sink import sink_group
from tests.integration.pipeline import PipelineEnv, free_port, scrape
from tests.sink_records import (
    T0,
    alert,
    inventory,
    inventory_value,
    quarantine,
    score,
    signed_alerts,
)
from tests.utils import Timeout
from topics.specs import ALERTS, QUARANTINE, SCORES

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
SCORES_N, ALERTS_N, QUARANTINE_N, HOSTS_N = 600, 20, 30, 5


@pytest.fixture
def pipeline(
    kafka_bootstrap: str, kafka_admin: AdminClient, tmp_path: Path
) -> Iterator[PipelineEnv]:
    app_id = f"qrstream-sink-{uuid.uuid4().hex[:12]}"
    env = PipelineEnv(
        tmp_path,
        {
            "QR_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "QR_VAR_DIR": str(tmp_path / "var"),
            "QR_TOPIC_PARTITIONS": "3",
            "QR_APP_ID": app_id,
            # Several batches per run, and quick ones.
            "QR_SINK_FLUSH_ROWS": "100",
            "QR_SINK_FLUSH_INTERVAL_S": "0.2",
        },
    )
    env.qrstream("topics", "create")
    changelog = inventory_changelog(app_id)
    topic = NewTopic(changelog, 3, 1, config={"cleanup.policy": "compact"})
    kafka_admin.create_topics([topic])[changelog].result(timeout=15)
    yield env
    kafka_admin.delete_topics([changelog])[changelog].result(timeout=15)


class SinkProcess:
    def __init__(self, pipeline: PipelineEnv, *args: str) -> None:
        self.metrics_port = free_port()
        self.log_path = pipeline.root / f"sink-{uuid.uuid4().hex[:6]}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streams",
                "sink",
                "--metrics-port",
                str(self.metrics_port),
                *args,
            ],
            cwd=REPO_ROOT,
            env={**os.environ, **pipeline.env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"sink exited: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
            self._log.close()
        return self.process.returncode


def partitions(consumer: Consumer, topics: list[str]) -> list[TopicPartition]:
    metadata = consumer.list_topics(timeout=10)
    return [TopicPartition(t, p) for t in topics for p in metadata.topics[t].partitions]


def committed_to_the_end(bootstrap: str, group: str, topics: list[str]) -> bool:
    """Whether the sink's group has committed every record now on `topics`."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        for tp in consumer.committed(partitions(consumer, topics), timeout=10):
            _, high = consumer.get_watermark_offsets(tp, timeout=10)
            if high > 0 and tp.offset < high:
                return False
        return True
    except KafkaException:  # the group's coordinator is still being elected
        return False
    finally:
        consumer.close()


def wait_until_committed(sink: SinkProcess, bootstrap: str, group: str, topics: list[str]) -> None:
    timeout = Timeout(90, f"the sink commits every record (log: {sink.log_path})")
    while timeout:
        sink.check_alive()
        if committed_to_the_end(bootstrap, group, topics):
            return
        time.sleep(0.5)


def counts(settings: Settings, run: str, entity: str, source_topic: str) -> dict[str, object]:
    """What ClickHouse holds of this test's records (other tests share the qr.* topics)."""
    with connect(settings) as ch:

        def one(sql: str) -> object:
            [(value,)] = ch.query(sql, {"entity": entity, "source": source_topic, "run": run}).rows
            return value

        return {
            "scores": one(
                "SELECT count() FROM qrstream.scores FINAL WHERE entity = {entity:String}"
            ),
            "score_ids": one(
                "SELECT uniqExact(event_id) FROM qrstream.scores WHERE entity = {entity:String}"
            ),
            "latencies": one(
                "SELECT count() FROM qrstream.stage_latency WHERE stage != 'alert' AND id IN "
                "(SELECT event_id FROM qrstream.scores WHERE entity = {entity:String})"
            ),
            "alert_emissions": one(
                "SELECT count() FROM qrstream.alerts FINAL WHERE entity = {entity:String}"
            ),
            "alerts": one(
                "SELECT count() FROM qrstream.alerts_latest WHERE entity = {entity:String}"
            ),
            "merged_count": one(
                "SELECT max(count) FROM qrstream.alerts_latest WHERE entity = {entity:String}"
            ),
            "quarantine": one(
                "SELECT count() FROM qrstream.quarantine FINAL WHERE source_topic = {source:String}"
            ),
            "hosts": one(
                "SELECT count() FROM qrstream.crypto_inventory FINAL "
                "WHERE startsWith(host, {run:String})"
            ),
            "handshakes": one(
                "SELECT sum(handshakes) FROM qrstream.crypto_inventory FINAL "
                "WHERE startsWith(host, {run:String})"
            ),
        }


@pytest.mark.native
def test_sink_writes_every_record_once_and_a_rerun_adds_no_duplicate(
    pipeline: PipelineEnv, kafka_bootstrap: str, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:10]
    entity, source_topic = f"sink-{run}", f"test-{run}"
    changelog = inventory_changelog(pipeline.env["QR_APP_ID"])
    topics = [ALERTS, SCORES, QUARANTINE, changelog]
    producer = Producer({"bootstrap.servers": kafka_bootstrap})

    def produce(topic: str, key: bytes, value: bytes | None, **kw: object) -> None:
        producer.produce(topic, key=key, value=value, **kw)  # type: ignore[arg-type]

    for i in range(SCORES_N):
        produce(
            SCORES, entity.encode(), score(i, entity=entity, run=run).model_dump_json().encode()
        )
    merged = alert(0, count=3, entity=entity, run=run)
    alerts = [alert(i, entity=entity, run=run) for i in range(ALERTS_N)] + [merged]
    for record in signed_alerts(alerts, T0 + 50_000, tmp_path):
        produce(ALERTS, record.key, record.value, headers=record.headers)
    for i in range(QUARANTINE_N):
        produce(QUARANTINE, b"k", quarantine(i, topic=source_topic).model_dump_json().encode())
    for i in range(HOSTS_N):
        host = f"{run}-h{i}.example"
        for handshakes in (1, 2):  # two updates: the newer one wins
            produce(changelog, host.encode(), inventory_value(inventory(host, handshakes)))
    produce(changelog, b"gone.example", None)  # a deletion gives no row
    produce(changelog, b"bad.example", b"not an inventory")
    producer.flush(30)

    settings = Settings(var_dir=Path(pipeline.env["QR_VAR_DIR"]))
    group = sink_group(pipeline.env["QR_APP_ID"])
    sink = SinkProcess(pipeline)
    try:
        wait_until_committed(sink, kafka_bootstrap, group, topics)
        metrics = scrape(sink.metrics_port)
    finally:
        assert sink.stop() == 0, sink.log_path.read_text()[-3000:]
    assert "sink stopped" in sink.log_path.read_text()
    skipped = "qrstream_sink_records_skipped_total"
    assert metrics[f'{skipped}{{reason="tombstone",topic="{changelog}"}}'] == 1
    assert metrics[f'{skipped}{{reason="invalid",topic="{changelog}"}}'] == 1
    assert metrics['qrstream_sink_rows_inserted_total{table="qrstream.scores"}'] >= SCORES_N

    first = counts(settings, run, entity, source_topic)
    assert first == {
        "scores": SCORES_N,
        "score_ids": SCORES_N,
        "latencies": 4 * SCORES_N,
        "alert_emissions": ALERTS_N + 1,
        "alerts": ALERTS_N,
        "merged_count": 3,
        "quarantine": QUARANTINE_N,
        "hosts": HOSTS_N,
        "handshakes": 2 * HOSTS_N,
    }

    # One new record on every partition, so that "committed to the end" below means every
    # partition was read again from its beginning.
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"t-{run}"})
    try:
        every = partitions(consumer, topics)
    finally:
        consumer.close()
    for n, tp in enumerate(every):
        if tp.topic == SCORES:
            value = score(SCORES_N + n, entity=entity, run=run).model_dump_json().encode()
        elif tp.topic == ALERTS:
            value = alert(ALERTS_N + n, entity=entity, run=run).model_dump_json().encode()
        elif tp.topic == QUARANTINE:
            value = quarantine(QUARANTINE_N + n, topic=source_topic).model_dump_json().encode()
        else:
            host = f"{run}-new{n}.example"
            value = inventory_value(inventory(host, 1))
        produce(tp.topic, entity.encode(), value, partition=tp.partition)
    producer.flush(30)
    added = {t: sum(tp.topic == t for tp in every) for t in topics}

    again = SinkProcess(pipeline, "--from-beginning")
    try:
        wait_until_committed(again, kafka_bootstrap, group, topics)
    finally:
        assert again.stop() == 0, again.log_path.read_text()[-3000:]
    second = counts(settings, run, entity, source_topic)
    assert second == {
        "scores": SCORES_N + added[SCORES],
        "score_ids": SCORES_N + added[SCORES],
        "latencies": 4 * (SCORES_N + added[SCORES]),
        "alert_emissions": ALERTS_N + 1 + added[ALERTS],
        "alerts": ALERTS_N + added[ALERTS],
        "merged_count": 3,
        "quarantine": QUARANTINE_N + added[QUARANTINE],
        "hosts": HOSTS_N + added[changelog],
        "handshakes": 2 * HOSTS_N + added[changelog],
    }
