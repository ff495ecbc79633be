"""The local Kafka broker of `qrstream dev`: records go through it, and its lifecycle and errors
behave as the CLI promises."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest
from confluent_kafka import Consumer, Message, Producer

from streams.devbroker import LocalBroker, pid_alive, read_pid
from streams.errors import BrokerError
from tests.utils import KAFKA_TEST_HEAP, Timeout, TopicFactory, free_port_pair

pytestmark = pytest.mark.integration


def run_qrstream(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
        timeout=120,
    )


def test_a_record_goes_through_the_broker_and_a_consumer_group(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    topic = topic_factory()
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "enable.idempotence": True})
    producer.produce(topic, key=b"acct-1", value=b'{"amount": 10}', headers=[("qr-v", b"1")])
    assert producer.flush(15) == 0

    # A consumer group, not assign(): joining and committing need the internal offsets topic,
    # which a wrong replication factor on a single node would break.
    consumer = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": f"test-{uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    try:
        message: Message | None = None
        timeout = Timeout(30, "the produced record is consumed")
        while timeout and message is None:
            message = consumer.poll(0.5)
        assert message is not None
        assert message.error() is None
        consumer.commit(message=message, asynchronous=False)
    finally:
        consumer.close()
    assert (message.key(), message.value()) == (b"acct-1", b'{"amount": 10}')
    assert message.headers() == [("qr-v", b"1")]


def test_up_twice_is_one_broker_and_down_stops_it(tmp_path: Path, jar_cache_dir: Path) -> None:
    port = free_port_pair()
    env = {"QR_VAR_DIR": str(tmp_path), "QR_CACHE_DIR": str(jar_cache_dir)}
    up = ["dev", "up", "--port", str(port), "--heap", KAFKA_TEST_HEAP, "--timeout", "90"]
    pid_path = tmp_path / "kafka" / "broker.pid"
    try:
        first = run_qrstream(*up, env=env)
        assert first.returncode == 0, first.stderr
        pid = read_pid(pid_path)
        assert pid is not None
        assert pid_alive(pid)
        assert f"pid {pid}, bootstrap 127.0.0.1:{port}" in first.stdout
        assert "ready in" in first.stderr

        second = run_qrstream(*up, env=env)
        assert second.returncode == 0, second.stderr
        assert f"already running: pid {pid}" in second.stdout
        assert read_pid(pid_path) == pid

        status = run_qrstream("dev", "status", env=env)
        assert status.returncode == 0
        assert f"pid {pid}, bootstrap 127.0.0.1:{port}, topics 0" in status.stdout

        down = run_qrstream("dev", "down", env=env)
        assert down.returncode == 0, down.stderr
        assert f"stopped (pid {pid})" in down.stdout
        assert not pid_alive(pid)
        assert not pid_path.exists()
        assert run_qrstream("dev", "status", env=env).returncode == 3
    finally:
        LocalBroker(tmp_path, jar_cache_dir).stop(timeout=5)


def test_a_taken_port_is_a_one_line_error(tmp_path: Path, jar_cache_dir: Path) -> None:
    port = free_port_pair()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        broker = LocalBroker(tmp_path, jar_cache_dir, port=port)
        with pytest.raises(BrokerError, match=f"127.0.0.1:{port} is already in use") as err:
            broker.start()
    assert "\n" not in str(err.value)
    assert not broker.pid_path.exists()


def test_missing_java_is_a_one_line_error(tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {"PATH": str(empty_bin), "QR_VAR_DIR": str(tmp_path / "var")}
    result = run_qrstream("dev", "up", "--port", str(free_port_pair()), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: `java` not found on PATH; install a Java 17+")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_jvm_that_exits_during_startup_reports_the_cause(
    tmp_path: Path, jar_cache_dir: Path
) -> None:
    broker = LocalBroker(tmp_path, jar_cache_dir, port=free_port_pair(), heap=KAFKA_TEST_HEAP)
    broker.resolve_jars()
    broker.write_config()
    broker.format_storage()
    # Storage that belongs to another node: Kafka refuses to start on it.
    meta = broker.data_dir / "meta.properties"
    meta.write_text(meta.read_text().replace("node.id=1", "node.id=7"))
    try:
        with pytest.raises(BrokerError, match="exited during startup with status 1") as err:
            broker.start(timeout=60)
    finally:
        broker.stop(timeout=5)
    message = str(err.value)
    assert "Stored node id 7 doesn't match" in message
    assert str(broker.log_path) in message
    assert "\n" not in message
    assert not broker.pid_path.exists()
