"""The Kafka security settings against a real SASL_PLAINTEXT (PLAIN) listener: a local broker of
`qrstream dev` started from a copy of its config with that listener added, so the default
template and the session broker stay PLAINTEXT."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import aiokafka
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from streams import signing
from streams.devbroker import LocalBroker
from streams.devbroker.config import DEPLOY_DIR
from streams.kafka_admin import TopicAdmin
from streams.kafka_config import faust_credentials, librdkafka_config
from streams.producer import SignedProducer
from streams.sequence import SequenceFile
from streams.settings import Settings
from tests.utils import KAFKA_TEST_HEAP, free_port_pair
from topics.specs import ALL_TOPICS, TopicSpec

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

USER = "qrstream"
PASSWORD = "integration-password"  # noqa: S105 - of a throwaway test broker
START_TIMEOUT_S = 90.0


def _sasl_template(sasl_port: int) -> str:
    listener = f"SASL_PLAINTEXT://127.0.0.1:{sasl_port}"
    extra = {
        "listeners=": f",{listener}",
        "advertised.listeners=": f",{listener}",
        "listener.security.protocol.map=": ",SASL_PLAINTEXT:SASL_PLAINTEXT",
    }
    template = (DEPLOY_DIR / "server.properties").read_text()
    lines = [
        line + next((more for key, more in extra.items() if line.startswith(key)), "")
        for line in template.splitlines()
    ]
    login = "org.apache.kafka.common.security.plain.PlainLoginModule required"
    lines += [
        "sasl.enabled.mechanisms=PLAIN",
        f'listener.name.sasl_plaintext.plain.sasl.jaas.config={login} user_{USER}="{PASSWORD}";',
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def sasl_bootstrap(tmp_path_factory: pytest.TempPathFactory, jar_cache_dir: Path) -> Iterator[str]:
    port = free_port_pair()
    sasl_port = next(p for p in iter(free_port_pair, None) if abs(p - port) > 1)
    deploy = tmp_path_factory.mktemp("kafka-sasl-deploy")
    for name in ("pom.xml", "log4j2.yaml"):  # the same pom: the cached jars are reused
        shutil.copy(DEPLOY_DIR / name, deploy / name)
    (deploy / "server.properties").write_text(_sasl_template(sasl_port))
    broker = LocalBroker(
        tmp_path_factory.mktemp("kafka-sasl"),
        jar_cache_dir,
        port=port,
        heap=KAFKA_TEST_HEAP,
        progress=logger.info,
        deploy_dir=deploy,
    )
    try:
        broker.start(START_TIMEOUT_S)
        yield f"127.0.0.1:{sasl_port}"
    finally:
        broker.stop()


def sasl_env(bootstrap: str, password: str = PASSWORD) -> dict[str, str]:
    return {
        "QR_KAFKA_BOOTSTRAP": bootstrap,
        "QR_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "QR_KAFKA_SASL_MECHANISM": "PLAIN",
        "QR_KAFKA_SASL_USERNAME": USER,
        "QR_KAFKA_SASL_PASSWORD": password,
    }


def run_qrstream(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QR_KAFKA", "KAFKA_"))}
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=False,
        timeout=120,
    )


def test_topics_commands_authenticate(sasl_bootstrap: str) -> None:
    prefix = f"test-{uuid4().hex[:8]}."
    env = sasl_env(sasl_bootstrap)
    created = run_qrstream("topics", "create", "--prefix", prefix, "--partitions", "1", env=env)
    assert created.returncode == 0, created.stderr
    described = run_qrstream("topics", "describe", "--prefix", prefix, "--json", env=env)
    assert described.returncode == 0, described.stderr
    deleted = run_qrstream("topics", "delete", "--prefix", prefix, "--yes", env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.count(": deleted") == len(ALL_TOPICS)


def test_a_wrong_password_is_one_line_without_the_password(sasl_bootstrap: str) -> None:
    wrong = "not-the-password"
    result = run_qrstream(
        "topics", "describe", "--timeout", "5", env=sasl_env(sasl_bootstrap, wrong)
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Authentication failed" in result.stderr
    assert wrong not in result.stderr


def test_signed_records_reach_an_aiokafka_consumer_with_faust_credentials(
    sasl_bootstrap: str, tmp_path: Path
) -> None:
    settings = Settings(
        kafka_bootstrap=sasl_bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username=USER,
        kafka_sasl_password=PASSWORD,
    )
    config = librdkafka_config(settings)
    topic = f"test-{uuid4()}"
    TopicAdmin(sasl_bootstrap, client_config=config).create([TopicSpec(topic, partitions=1)])
    with SignedProducer(
        sasl_bootstrap,
        key_id="test/p1",
        keypair=signing.generate_keypair(signing.DEFAULT_ALGORITHM),
        sequence=SequenceFile(tmp_path / "seq"),
        config=config,
    ) as producer:
        producer.produce(topic, "acct-1", {"amount": 10})
    assert producer.stats.delivered == 1

    async def consume() -> bytes | None:
        consumer = aiokafka.AIOKafkaConsumer(
            topic,
            bootstrap_servers=sasl_bootstrap,
            auto_offset_reset="earliest",
            **credentials_to_aiokafka_auth(faust_credentials(settings)),
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), 30)
            return record.key
        finally:
            await consumer.stop()

    assert asyncio.run(consume()) == b"acct-1"
