"""The local broker's pure parts: its config, cluster id, heap flags, pid and port handling,
jar cache, and the `qrstream dev` commands that need no running broker."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from streams.cli import cli
from streams.devbroker import (
    DEPLOY_DIR,
    LocalBroker,
    heap_flags,
    last_relevant_line,
    new_cluster_id,
    pid_alive,
    port_free,
    read_pid,
    render_config,
    require_tool,
    tail_lines,
)
from streams.errors import BrokerError
from streams.settings import Settings
from tests.utils import Timeout


def parse_properties(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def rendered(port: int = 19092, data_dir: Path = Path("/srv/kafka/data")) -> dict[str, str]:
    template = (DEPLOY_DIR / "server.properties").read_text()
    return parse_properties(render_config(template, port, data_dir))


def test_config_is_a_single_node_kraft_broker_on_loopback() -> None:
    config = rendered(19092)
    assert config["process.roles"] == "broker,controller"
    assert config["node.id"] == "1"
    assert config["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert config["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert config["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert config["log.dirs"] == "/srv/kafka/data"


def test_config_suits_one_node_and_forbids_auto_created_topics() -> None:
    config = rendered()
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
    ):
        assert config[key] == "1", key
    assert config["group.initial.rebalance.delay.ms"] == "0"
    assert config["auto.create.topics.enable"] == "false"
    assert config["num.partitions"] == "6"


def test_config_leaves_no_placeholder_and_escapes_backslashes() -> None:
    text = render_config((DEPLOY_DIR / "server.properties").read_text(), 9092, Path("/a\\b"))
    assert "$" not in text
    assert "log.dirs=/a\\\\b" in text


def test_cluster_id_has_kafkas_format() -> None:
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for cluster_id in ids:
        assert len(cluster_id) == 22
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


@pytest.mark.parametrize(
    ("heap", "flags"),
    [
        ("1g", ["-Xms256m", "-Xmx1g"]),
        ("2G", ["-Xms256m", "-Xmx2G"]),
        ("256m", ["-Xms256m", "-Xmx256m"]),
        ("128m", ["-Xms128m", "-Xmx128m"]),
        ("65536k", ["-Xms65536k", "-Xmx65536k"]),
    ],
)
def test_heap_flags_never_start_above_the_maximum(heap: str, flags: list[str]) -> None:
    assert heap_flags(heap) == flags


def test_read_pid(tmp_path: Path) -> None:
    path = tmp_path / "broker.pid"
    assert read_pid(path) is None
    path.write_text("garbage\n")
    assert read_pid(path) is None
    path.write_text("4242\n")
    assert read_pid(path) == 4242


def test_pid_alive_checks_the_command_line() -> None:
    assert pid_alive(os.getpid(), marker=b"python")
    # Our own pid is alive but not Kafka: a stale pid file naming it must not count.
    assert not pid_alive(os.getpid())


def test_pid_alive_is_false_for_exited_and_unreaped_processes() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        timeout = Timeout(10, "the child becomes a zombie")
        while timeout and stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.01)
        assert not pid_alive(child.pid, marker=b"")
    finally:
        child.wait()
    assert not pid_alive(child.pid, marker=b"")


def test_port_free() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not port_free("127.0.0.1", port)
    assert port_free("127.0.0.1", port)


def test_require_tool_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrokerError, match=r"^`java` not found on PATH; install a JRE$"):
        require_tool("java", "install a JRE")


def test_missing_mvn_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    broker = LocalBroker(tmp_path / "var", tmp_path / "cache")
    with pytest.raises(BrokerError, match=r"`mvn` not found on PATH; install Apache Maven"):
        broker.resolve_jars()


def test_resolved_jars_are_reused_while_the_pom_is_unchanged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broker = LocalBroker(tmp_path / "var", tmp_path / "cache")
    broker.libs_dir.mkdir(parents=True)
    (broker.libs_dir / "kafka_2.13-4.9.9.jar").touch()
    digest = hashlib.sha256((DEPLOY_DIR / "pom.xml").read_bytes()).hexdigest()
    broker.libs_dir.with_name("libs.sha256").write_text(digest + "\n")
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn: resolving would fail
    assert broker.resolve_jars() == broker.libs_dir
    assert broker.kafka_version() == "4.9.9"


def test_last_relevant_line_prefers_errors() -> None:
    assert last_relevant_line([]) == "(no output)"
    assert last_relevant_line(["a", "b", "  "]) == "b"
    lines = [
        "Error: Could not find or load main class kafka.Kafka",
        "Caused by: java.lang.ClassNotFoundException: kafka.Kafka",
    ]
    assert last_relevant_line(lines) == lines[1]
    lines = ["[t] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)", "[t] INFO bye (x)"]
    assert last_relevant_line(lines) == lines[0]


def test_tail_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.out"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail_lines(log, 2) == ["line 98", "line 99"]
    assert tail_lines(log, 0) == []


def test_running_port_comes_from_the_last_config(tmp_path: Path) -> None:
    broker = LocalBroker(tmp_path, tmp_path / "cache", port=29092)
    assert broker.running_port() is None
    broker.write_config()
    assert LocalBroker(tmp_path, tmp_path / "cache").running_port() == 29092


def test_stop_ignores_a_stale_pid_file(tmp_path: Path) -> None:
    broker = LocalBroker(tmp_path, tmp_path / "cache")
    broker.home.mkdir(parents=True)
    # A live process that is not Kafka: it must be left alone, and the file removed.
    broker.pid_path.write_text(f"{os.getpid()}\n")
    assert broker.stop(timeout=1) is None
    assert not broker.pid_path.exists()


def test_kafka_bootstrap_setting_reads_both_variable_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QR_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka-1:9092")
    assert Settings().kafka_bootstrap == "kafka-1:9092"
    monkeypatch.setenv("QR_KAFKA_BOOTSTRAP", "kafka-2:9092")
    assert Settings().kafka_bootstrap == "kafka-2:9092"


@pytest.fixture
def var_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("QR_VAR_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("command", ["fetch", "up", "down", "status", "logs"])
def test_every_dev_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, ["dev", command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output


def test_status_and_down_without_a_broker(var_env: Path) -> None:
    status = CliRunner().invoke(cli, ["dev", "status"])
    assert (status.exit_code, status.output) == (3, "Kafka not running\n")
    down = CliRunner().invoke(cli, ["dev", "down"])
    assert (down.exit_code, down.output) == (0, "Kafka was not running\n")


def test_logs_prints_the_tail(var_env: Path) -> None:
    missing = CliRunner().invoke(cli, ["dev", "logs"])
    assert missing.exit_code == 1
    assert "no broker log at" in missing.output
    log = var_env / "kafka" / "logs" / "server.out"
    log.parent.mkdir(parents=True)
    log.write_text("one\ntwo\nthree\n")
    result = CliRunner().invoke(cli, ["dev", "logs", "-n", "2"])
    assert (result.exit_code, result.output) == (0, "two\nthree\n")


def test_up_rejects_a_bad_heap_before_starting_anything(var_env: Path) -> None:
    result = CliRunner().invoke(cli, ["dev", "up", "--heap", "1x"])
    assert result.exit_code == 2
    assert "Invalid value for --heap" in result.output
    assert not (var_env / "kafka").exists()
