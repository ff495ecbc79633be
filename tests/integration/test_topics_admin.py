"""`qrstream topics create|describe|delete` against the real broker of the session fixture, each
test on its own uuid-prefixed set of the seven topics."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from uuid import uuid4

import pytest
from click.testing import CliRunner, Result
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from streams.cli import cli
from streams.kafka_admin import TopicAdmin
from tests.utils import Timeout
from topics.specs import ALL_TOPICS, KEYS, topic_specs

pytestmark = pytest.mark.integration

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def prefix(kafka_bootstrap: str) -> Iterator[str]:
    """A fresh topic name prefix; its topics are deleted after the test."""
    value = f"test-{uuid4().hex[:12]}."
    yield value
    TopicAdmin(kafka_bootstrap).delete([value + name for name in ALL_TOPICS])


def qrstream(bootstrap: str, prefix: str, *args: str, stdin: str | None = None) -> Result:
    command, *rest = args
    result = CliRunner().invoke(
        cli,
        ["topics", command, "--bootstrap", bootstrap, "--prefix", prefix, *rest],
        input=stdin,
    )
    return result


def topic_configs(admin: AdminClient, name: str) -> dict[str, str]:
    resource = ConfigResource(ResourceType.TOPIC, name)
    entries = admin.describe_configs([resource])[resource].result(timeout=15)
    return {key: entry.value for key, entry in entries.items()}


def test_create_makes_every_topic_with_its_spec(
    kafka_bootstrap: str, kafka_admin: AdminClient, prefix: str
) -> None:
    result = qrstream(kafka_bootstrap, prefix, "create", "--partitions", "3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 7
    assert all(": created (" in line for line in lines), result.output

    topics = kafka_admin.list_topics(timeout=15).topics
    for spec in topic_specs(partitions=3, prefix=prefix):
        assert spec.name in topics
        assert len(topics[spec.name].partitions) == (1 if spec.name.endswith(KEYS) else 3)
        config = topic_configs(kafka_admin, spec.name)
        assert {key: config[key] for key in spec.kafka_config()} == spec.kafka_config()

    keys = topic_configs(kafka_admin, prefix + "qr.keys")
    assert (keys["cleanup.policy"], keys["compression.type"]) == ("compact", "zstd")
    transactions = topic_configs(kafka_admin, prefix + "qr.transactions")
    assert transactions["cleanup.policy"] == "delete"
    assert transactions["compression.type"] == "lz4"
    assert transactions["retention.ms"] == str(7 * DAY_MS)


def test_create_is_idempotent_and_grows_partitions(kafka_bootstrap: str, prefix: str) -> None:
    admin = TopicAdmin(kafka_bootstrap)
    first = admin.create(topic_specs(partitions=2, prefix=prefix))
    assert {r.status for r in first} == {"created"}

    again = qrstream(kafka_bootstrap, prefix, "create", "--partitions", "2")
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [f"{prefix}{name}: unchanged" for name in ALL_TOPICS]

    grown = {r.name: r for r in admin.create(topic_specs(partitions=4, prefix=prefix))}
    assert grown[prefix + KEYS].status == "unchanged"
    transactions = grown[prefix + "qr.transactions"]
    assert (transactions.status, transactions.changes) == ("updated", ("partitions 2 -> 4",))
    described = {info.name: info for info in admin.describe([prefix + n for n in ALL_TOPICS])}
    assert described[prefix + "qr.alerts"].partitions == 4

    # Kafka cannot take partitions away: fewer wanted is reported, not applied.
    fewer = {r.name: r for r in admin.create(topic_specs(partitions=1, prefix=prefix))}
    assert fewer[prefix + "qr.scores"].status == "differs"
    assert fewer[prefix + "qr.scores"].differences == ("partitions 4 (spec 1)",)


def test_config_drift_is_reported_then_fixed_on_request(kafka_bootstrap: str, prefix: str) -> None:
    admin = TopicAdmin(kafka_bootstrap)
    specs = topic_specs(partitions=1, prefix=prefix)
    admin.create(specs)
    drifted = [
        replace(spec, retention_ms=DAY_MS) if spec.name.endswith("qr.alerts") else spec
        for spec in specs
    ]
    admin.create(drifted, alter_config=True)  # now qr.alerts keeps records one day
    timeout = Timeout(30, "the altered retention to show in the topic's config")
    while timeout:  # a loaded broker applies config changes asynchronously
        if admin.describe([prefix + "qr.alerts"])[0].config["retention.ms"] == str(DAY_MS):
            break
        time.sleep(0.2)

    result = qrstream(kafka_bootstrap, prefix, "create", "--partitions", "1")
    assert result.exit_code == 0, result.output
    alerts = next(line for line in result.output.splitlines() if "qr.alerts" in line)
    assert alerts == (
        f"{prefix}qr.alerts: differs; differs from spec: retention.ms {DAY_MS} "
        f"(spec {30 * DAY_MS}) (--alter-config sets the configs)"
    )

    fixed = qrstream(kafka_bootstrap, prefix, "create", "--partitions", "1", "--alter-config")
    assert f"{prefix}qr.alerts: updated: retention.ms {DAY_MS} -> {30 * DAY_MS}" in fixed.output
    info = admin.describe([prefix + "qr.alerts"])[0]
    assert info.config["retention.ms"] == str(30 * DAY_MS)


def test_describe_shows_partitions_replication_and_configs(
    kafka_bootstrap: str, prefix: str
) -> None:
    assert qrstream(kafka_bootstrap, prefix, "create", "--partitions", "2").exit_code == 0
    result = qrstream(kafka_bootstrap, prefix, "describe", "--json")
    assert result.exit_code == 0, result.output
    infos = {info["name"]: info for info in json.loads(result.output)}
    assert list(infos) == [prefix + name for name in ALL_TOPICS]
    for spec in topic_specs(partitions=2, prefix=prefix):
        info = infos[spec.name]
        assert info["exists"] is True
        assert (info["partitions"], info["replication_factor"]) == (spec.partitions, 1)
        assert {key: info["config"][key] for key in spec.kafka_config()} == spec.kafka_config()

    text = qrstream(kafka_bootstrap, prefix, "describe")
    assert f"{prefix}qr.keys: 1 partitions, replication factor 1" in text.output
    assert "  cleanup.policy=compact" in text.output


def test_delete_removes_them_after_confirmation(kafka_bootstrap: str, prefix: str) -> None:
    assert qrstream(kafka_bootstrap, prefix, "create", "--partitions", "1").exit_code == 0

    declined = qrstream(kafka_bootstrap, prefix, "delete", stdin="n\n")
    assert declined.exit_code == 1
    assert "Aborted" in declined.output
    assert all(info.exists for info in TopicAdmin(kafka_bootstrap).describe([prefix + KEYS]))

    deleted = qrstream(kafka_bootstrap, prefix, "delete", stdin="y\n")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.output.splitlines()[-7:] == [f"{prefix}{name}: deleted" for name in ALL_TOPICS]
    described = json.loads(qrstream(kafka_bootstrap, prefix, "describe", "--json").output)
    assert [info["exists"] for info in described] == [False] * 7

    again = qrstream(kafka_bootstrap, prefix, "delete", "--yes")
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [f"{prefix}{name}: absent" for name in ALL_TOPICS]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens on it any more: connections are refused


@pytest.mark.parametrize("command", ["create", "describe", "delete"])
def test_unreachable_broker_is_one_line_within_the_timeout(command: str) -> None:
    bootstrap = f"127.0.0.1:{closed_port()}"
    started = time.monotonic()
    confirm = ["--yes"] if command == "delete" else []
    args = ["topics", command, "--bootstrap", bootstrap, "--timeout", "1", *confirm]
    result = subprocess.run(
        [sys.executable, "-m", "streams", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: Kafka at {bootstrap} did not answer within 1 s: ")
    assert "Connection refused" in line
    assert elapsed < 10
