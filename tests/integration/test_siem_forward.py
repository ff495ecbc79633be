"""`qrstream siem forward` over the real broker: signed alerts plus a forged one go in, exactly
the genuine ones come out (CEF, LEEF and ECS through a real rsyslogd over TCP and UDP, read back
from its output file; HEC events at an endpoint that checks Splunk's contract), the forged one is
counted; a destination that goes down and comes back mid-stream loses nothing, and one that
stays down stops the forwarder with nothing committed, so a restart delivers everything."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sized
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition

from streams.alerts import AlertSigner
from streams.sequence import SequenceFile
from tests.hec_endpoint import HecEndpoint
from tests.integration.pipeline import (
    PipelineEnv,
    drain,
    free_port,
    key_store,
    make_pipeline_env,
    scrape,
)
from tests.siem_parsers import parse_cef, parse_leef, parse_rfc5424
from tests.sink_records import KafkaRecord, alert
from tests.utils import Timeout, TopicFactory
from topics.messages.alert import Alert

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
KID = "processor/siem-test"
TOKEN = "5eb3c2d1-0000-4000-8000-00000000f0rd"  # noqa: S105 - the test endpoint's token
RSYSLOGD = shutil.which("rsyslogd", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


@pytest.fixture(scope="module")
def pipeline(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> PipelineEnv:
    """A root key and the processor key that signs the test's alerts, published on qr.keys."""
    return make_pipeline_env(tmp_path_factory.mktemp("siem"), kafka_bootstrap, (KID,))


class Alerts:
    """Signs alerts for one test topic with the published processor key and produces them."""

    def __init__(self, pipeline: PipelineEnv, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.run = uuid.uuid4().hex[:10]
        seq = pipeline.root / f"{topic}.seq"
        self.signer = AlertSigner(topic, KID, key_store(pipeline).keypair(KID), SequenceFile(seq))
        self.producer = Producer({"bootstrap.servers": bootstrap})
        self.genuine: list[Alert] = []
        self._next = 0

    def _records(self, n: int) -> tuple[list[Alert], list[KafkaRecord]]:
        alerts = [
            alert(self._next + i, entity=f"acct-{(self._next + i) % 5}", run=self.run)
            for i in range(n)
        ]
        self._next += n
        signed = self.signer.sign(alerts, time.time_ns() // 1000)
        return alerts, [KafkaRecord(s.key, s.value, s.headers) for s in signed]

    def publish(self, n: int, forged: int = 0) -> None:
        alerts, records = self._records(n)
        _, extra = self._records(forged)
        for record in extra:  # a genuine signature over other bytes: a higher score
            value = orjson.loads(record.value)
            value["score"] = 0.01
            records.insert(len(records) // 2, replace(record, value=orjson.dumps(value)))
        for record in records:
            self.producer.produce(self.topic, record.value, record.key, headers=record.headers)
        assert self.producer.flush(15) == 0
        self.genuine += alerts

    @property
    def ids(self) -> set[str]:
        return {a.alert_id for a in self.genuine}


class ForwarderProcess:
    """`qrstream siem forward` in a subprocess, with its log and metrics."""

    def __init__(
        self, pipeline: PipelineEnv, topic: str, *args: str, group: str | None = None, **env: str
    ) -> None:
        self.metrics_port = free_port()
        self.group = group or f"siem-{uuid.uuid4().hex[:8]}"
        self.log_path = pipeline.root / f"forward-{uuid.uuid4().hex[:6]}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streams", "siem", "forward",
                "--topic", topic, "--group", self.group,
                "--metrics-port", str(self.metrics_port), "--batch-size", "16", *args,
            ],
            cwd=REPO_ROOT,
            env={**os.environ, **pipeline.env, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"forwarder exited: {self.log_path.read_text()[-3000:]}")

    def metric(self, name: str) -> float:
        return sum(v for k, v in scrape(self.metrics_port).items() if k.startswith(name))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
            self._log.close()
        return self.process.returncode

    @property
    def output(self) -> str:
        return self.log_path.read_text()


class Rsyslog:
    """rsyslogd of our own (never the system's) on free loopback ports, writing every raw
    message it receives, one per line, to a file."""

    def __init__(self, root: Path) -> None:
        assert RSYSLOGD, "rsyslogd missing: run scripts/install-system-packages.sh"
        self.output = root / "received.log"
        self.tcp_port, self.udp_port = free_port(), free_port()
        config = root / "rsyslog.conf"
        # Tabs kept as they are (LEEF's separator); messages up to 64 KiB.
        config.write_text(
            f"""
global(workDirectory="{root}" maxMessageSize="64k" parser.escapeControlCharacterTab="off")
module(load="imtcp")
module(load="imudp")
template(name="raw" type="string" string="%rawmsg%\\n")
input(type="imtcp" address="127.0.0.1" port="{self.tcp_port}")
input(type="imudp" address="127.0.0.1" port="{self.udp_port}")
action(type="omfile" file="{self.output}" template="raw")
"""
        )
        self.config, self.root = config, root
        self.start()

    def start(self) -> None:
        log_path = self.root / "rsyslogd.log"
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [RSYSLOGD, "-n", "-f", str(self.config), "-i", str(self.root / "rsyslogd.pid")],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        timeout = Timeout(20, f"rsyslogd listens on {self.tcp_port}")
        while timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"rsyslogd exited: {log_path.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.tcp_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)

    def lines(self) -> list[bytes]:
        return self.output.read_bytes().splitlines() if self.output.exists() else []

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
            self._log.close()


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[Rsyslog]:
    receiver = Rsyslog(tmp_path)
    yield receiver
    receiver.stop()


def wait_for(
    what: str, count: int, current: Callable[[], Sized], forwarder: ForwarderProcess
) -> None:
    timeout = Timeout(60, f"{what} (log: {forwarder.log_path})")
    while timeout:
        forwarder.check_alive()
        if len(current()) >= count:
            return
        time.sleep(0.2)


def wait_committed(bootstrap: str, forwarder: ForwarderProcess, topic: str, count: int) -> None:
    timeout = Timeout(30, f"{count} records committed (log: {forwarder.log_path})")
    while timeout and committed(bootstrap, forwarder.group, topic) < count:
        time.sleep(0.2)


def alert_id(fmt: str, msg: bytes) -> str:
    if fmt == "cef":
        header, ext = parse_cef(msg.decode())
        assert header[1:3] == ["QuantumResilient", "qrstream"]
        assert ext["cs4"] == KID and ext["cat"] == "aml"
        return ext["externalId"]
    if fmt == "leef":
        header, attrs = parse_leef(msg.decode())
        assert header[4] == "fan_in"
        assert attrs["signerKeyId"] == KID and attrs["sev"] == "8"
        return attrs["alertId"]
    doc = orjson.loads(msg)
    assert doc["event"]["kind"] == "alert"
    assert doc["qrstream"]["signer"]["key_id"] == KID
    return str(doc["event"]["id"])


def committed(bootstrap: str, group: str, topic: str) -> int:
    """Records of `topic` (one partition) that `group` committed."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        [tp] = consumer.committed([TopicPartition(topic, 0)], timeout=10)
        return max(tp.offset, 0)
    finally:
        consumer.close()


@pytest.mark.native
@pytest.mark.parametrize(
    ("fmt", "scheme"),
    [("cef", "syslog+tcp"), ("leef", "syslog+udp"), ("ecs", "syslog+tcp")],
)
def test_syslog_into_rsyslog_carries_exactly_the_genuine_alerts(
    fmt: str,
    scheme: str,
    pipeline: PipelineEnv,
    kafka_bootstrap: str,
    topic_factory: TopicFactory,
    rsyslog: Rsyslog,
) -> None:
    topic = topic_factory(partitions=3)
    alerts = Alerts(pipeline, kafka_bootstrap, topic)
    alerts.publish(40, forged=1)
    port = rsyslog.tcp_port if scheme == "syslog+tcp" else rsyslog.udp_port
    forwarder = ForwarderProcess(
        pipeline, topic, "--format", fmt, "--to", f"{scheme}://127.0.0.1:{port}"
    )
    try:
        wait_for("rsyslog writes 40 alerts", 40, rsyslog.lines, forwarder)
        timeout = Timeout(20, "the forged alert is counted")
        while timeout and forwarder.metric("qrstream_siem_alerts_dropped_total") < 1:
            time.sleep(0.2)
        time.sleep(1.0)  # anything extra would have arrived by now
        metrics = scrape(forwarder.metrics_port)
    finally:
        assert forwarder.stop() == 0, forwarder.output
    messages = [parse_rfc5424(line) for line in rsyslog.lines()]
    assert {m.app_name for m in messages} == {"qrstream"}
    assert {m.msgid for m in messages} == {fmt.upper()}
    assert all(m.pri == 16 * 8 + 3 for m in messages)
    ids = [alert_id(fmt, m.msg) for m in messages]
    assert sorted(ids) == sorted(alerts.ids)
    assert metrics['qrstream_siem_alerts_dropped_total{reason="bad_signature"}'] == 1
    assert metrics[f'qrstream_siem_alerts_forwarded_total{{format="{fmt}"}}'] == 40
    assert "40 alerts forwarded, 1 dropped (1 bad_signature)" in forwarder.output


@pytest.mark.native
def test_rsyslog_down_and_up_mid_stream_loses_nothing(
    pipeline: PipelineEnv,
    kafka_bootstrap: str,
    topic_factory: TopicFactory,
    rsyslog: Rsyslog,
) -> None:
    topic = topic_factory(partitions=1)
    alerts = Alerts(pipeline, kafka_bootstrap, topic)
    alerts.publish(10)
    url = f"syslog+tcp://127.0.0.1:{rsyslog.tcp_port}"
    forwarder = ForwarderProcess(pipeline, topic, "--format", "cef", "--to", url)
    try:
        wait_for("rsyslog writes the first 10 alerts", 10, rsyslog.lines, forwarder)
        wait_committed(kafka_bootstrap, forwarder, topic, 10)
        rsyslog.stop()  # closes the forwarder's connection
        alerts.publish(15)
        timeout = Timeout(30, "the forwarder retries the stopped receiver")
        while timeout and forwarder.metric("qrstream_siem_retries_total") < 2:
            forwarder.check_alive()
            time.sleep(0.2)
        assert committed(kafka_bootstrap, forwarder.group, topic) == 10
        rsyslog.start()
        wait_for("rsyslog writes all 25 alerts", 25, rsyslog.lines, forwarder)
        wait_committed(kafka_bootstrap, forwarder, topic, 25)
    finally:
        assert forwarder.stop() == 0, forwarder.output
    ids = [alert_id("cef", parse_rfc5424(line).msg) for line in rsyslog.lines()]
    assert sorted(ids) == sorted(alerts.ids)


@pytest.mark.native
def test_kafka_destination_gets_the_genuine_alerts_keyed_by_entity(
    pipeline: PipelineEnv, kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    source, destination = topic_factory(partitions=2), topic_factory(partitions=1)
    alerts = Alerts(pipeline, kafka_bootstrap, source)
    alerts.publish(12, forged=1)
    forwarder = ForwarderProcess(
        pipeline, source, "--format", "ecs", "--to", f"kafka://{destination}"
    )
    try:
        records: list[Message] = []
        timeout = Timeout(60, f"12 records on {destination} (log: {forwarder.log_path})")
        while timeout and len(records) < 12:
            forwarder.check_alive()
            records = drain(kafka_bootstrap, destination, quiet_s=0.5)
    finally:
        assert forwarder.stop() == 0, forwarder.output
    docs = [orjson.loads(r.value()) for r in records]
    assert {d["event"]["id"] for d in docs} == alerts.ids
    assert all(
        r.key() == d["qrstream"]["entity"].encode() for r, d in zip(records, docs, strict=True)
    )
    assert "1 dropped (1 bad_signature)" in forwarder.output


@pytest.mark.native
def test_hec_gets_every_genuine_alert_across_an_outage(
    pipeline: PipelineEnv, kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    topic = topic_factory(partitions=1)
    alerts = Alerts(pipeline, kafka_bootstrap, topic)
    hec = HecEndpoint(TOKEN)
    alerts.publish(30, forged=1)
    forwarder = ForwarderProcess(
        pipeline, topic, "--format", "ocsf", "--to", hec.url, QR_SIEM_HEC_TOKEN=TOKEN
    )
    try:
        wait_for("HEC receives the first 30 alerts", 30, lambda: hec.events, forwarder)
        wait_committed(kafka_bootstrap, forwarder, topic, 31)
        hec.stop()  # down mid-stream
        alerts.publish(25)
        timeout = Timeout(30, "the forwarder retries the unavailable endpoint")
        while timeout and forwarder.metric("qrstream_siem_retries_total") < 2:
            forwarder.check_alive()
            time.sleep(0.2)
        assert committed(kafka_bootstrap, forwarder.group, topic) == 31
        hec.start()  # up again, same port
        wait_for("HEC receives all 55 alerts", 55, lambda: hec.events, forwarder)
        wait_committed(kafka_bootstrap, forwarder, topic, 56)
    finally:
        assert forwarder.stop() == 0, forwarder.output
        hec.stop()
    uids = [e["event"]["finding_info"]["uid"] for e in hec.events]
    assert set(uids) == alerts.ids  # nothing lost, and no forged alert
    assert all(e["event"]["class_uid"] == 2004 for e in hec.events)
    assert all(r.gzipped and r.path == "/services/collector/event" for r in hec.requests)
    assert all(r.headers["Authorization"] == f"Splunk {TOKEN}" for r in hec.requests)
    assert len(hec.requests) < len(hec.events)  # batched: several events per request
    assert "1 dropped (1 bad_signature)" in forwarder.output


@pytest.mark.native
def test_destination_that_stays_down_stops_the_forwarder_and_a_restart_delivers_all(
    pipeline: PipelineEnv, kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topic = topic_factory(partitions=1)
    alerts = Alerts(pipeline, kafka_bootstrap, topic)
    alerts.publish(12)
    hec = HecEndpoint(TOKEN)
    url = hec.url
    hec.stop()
    down = ForwarderProcess(
        pipeline, topic, "--format", "cef", "--to", url,
        QR_SIEM_HEC_TOKEN=TOKEN, QR_SIEM_RETRY_BUDGET_S="2",
    )  # fmt: skip
    assert down.process.wait(60) == 1
    down.stop()
    errors = [line for line in down.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "gave up after" in errors[0] and url in errors[0], down.output
    assert committed(kafka_bootstrap, down.group, topic) == 0
    hec.start()
    try:
        again = ForwarderProcess(
            pipeline, topic, "--format", "cef", "--to", url,
            group=down.group, QR_SIEM_HEC_TOKEN=TOKEN,
        )  # fmt: skip
        try:
            wait_for("HEC receives the 12 alerts", 12, lambda: hec.events, again)
        finally:
            assert again.stop() == 0, again.output
    finally:
        hec.stop()
    ids = {parse_cef(e["event"])[1]["externalId"] for e in hec.events}
    assert ids == alerts.ids
