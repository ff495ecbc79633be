"""Fixtures of the integration tests: one real Kafka broker for the whole session and topics
with uuid4 names, so tests never see each other's records.

The broker is the one named by KAFKA_BOOTSTRAP (or QR_KAFKA_BOOTSTRAP) when set; otherwise the
local broker of `qrstream dev up`, started on free ports with its state in a temporary
directory, so a developer's own broker and var/ are never touched."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from streams.devbroker import LocalBroker
from streams.settings import Settings
from tests.utils import KAFKA_TEST_HEAP, TopicFactory, free_port_pair

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90.0


@pytest.fixture(scope="session")
def jar_cache_dir() -> Path:
    """The developer's jar cache (QR_CACHE_DIR, default .cache in the repository): the jars are
    the same for every broker, only state is kept apart."""
    return REPO_ROOT / Settings().cache_dir


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory, jar_cache_dir: Path) -> Iterator[str]:
    external = Settings().kafka_bootstrap
    if external:
        yield external
        return
    broker = LocalBroker(
        tmp_path_factory.mktemp("kafka-session"),
        jar_cache_dir,
        port=free_port_pair(),
        heap=KAFKA_TEST_HEAP,
        progress=logger.info,
    )
    try:
        broker.start(START_TIMEOUT_S)
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_admin(kafka_bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": kafka_bootstrap})


@pytest.fixture
def topic_factory(kafka_admin: AdminClient) -> Iterator[TopicFactory]:
    """Creates topics named `test-<uuid4>` and deletes them after the test, which matters on a
    long-lived broker named by KAFKA_BOOTSTRAP."""
    created: list[str] = []

    def create(partitions: int = 1, config: dict[str, str] | None = None) -> str:
        name = f"test-{uuid4()}"
        topic = NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})
        kafka_admin.create_topics([topic], operation_timeout=10)[name].result(timeout=15)
        created.append(name)
        return name

    yield create
    if created:
        for future in kafka_admin.delete_topics(created, operation_timeout=10).values():
            future.result(timeout=15)
