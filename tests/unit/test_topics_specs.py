from __future__ import annotations

import dataclasses

import pytest

from topics import specs
from topics.schemas import TOPIC_SCHEMAS
from topics.specs import ALL_TOPICS, KEYS, QUARANTINE, TopicSpec, topic_specs

EXPECTED_NAMES = (
    "qr.transactions",
    "qr.telemetry",
    "qr.keys",
    "qr.quarantine",
    "qr.alerts",
    "qr.scores",
    "qr.feedback",
)


def by_name(all_specs: tuple[TopicSpec, ...]) -> dict[str, TopicSpec]:
    return {spec.name: spec for spec in all_specs}


def test_the_seven_topics_of_the_design_in_order() -> None:
    assert ALL_TOPICS == EXPECTED_NAMES
    assert tuple(spec.name for spec in topic_specs()) == EXPECTED_NAMES
    assert (specs.TRANSACTIONS, specs.TELEMETRY, specs.FEEDBACK) == (
        "qr.transactions",
        "qr.telemetry",
        "qr.feedback",
    )


def test_every_topic_has_a_message_schema() -> None:
    assert set(TOPIC_SCHEMAS) == set(ALL_TOPICS)


def test_defaults_six_partitions_except_the_key_registry() -> None:
    for spec in topic_specs():
        assert spec.partitions == (1 if spec.name == KEYS else 6), spec.name
        assert spec.replication_factor == 1


def test_partitions_replication_and_prefix_apply_to_every_topic() -> None:
    custom = topic_specs(partitions=12, replication_factor=3, prefix="test-abc.")
    assert tuple(spec.name for spec in custom) == tuple(f"test-abc.{n}" for n in EXPECTED_NAMES)
    for spec in custom:
        assert spec.partitions == (1 if spec.name.endswith(KEYS) else 12)
        assert spec.replication_factor == 3


def test_key_registry_is_compacted_and_kept_forever() -> None:
    config = by_name(topic_specs())[KEYS].kafka_config()
    assert config["cleanup.policy"] == "compact"
    assert "retention.ms" not in config


@pytest.mark.parametrize("name", [n for n in EXPECTED_NAMES if n != "qr.keys"])
def test_other_topics_delete_after_a_retention_time(name: str) -> None:
    config = by_name(topic_specs())[name].kafka_config()
    assert config["cleanup.policy"] == "delete"
    assert int(config["retention.ms"]) >= 24 * 3600 * 1000


def test_compression_is_lz4_on_the_processor_path_and_zstd_elsewhere() -> None:
    codecs = {spec.name: spec.kafka_config()["compression.type"] for spec in topic_specs()}
    assert codecs == {
        "qr.transactions": "lz4",
        "qr.telemetry": "lz4",
        "qr.keys": "zstd",
        "qr.quarantine": "lz4",
        "qr.alerts": "lz4",
        "qr.scores": "lz4",
        "qr.feedback": "zstd",
    }


def test_quarantine_records_fit_a_maximal_input_record_in_base64() -> None:
    kafka_default_max = 1_048_588
    limit = int(by_name(topic_specs())[QUARANTINE].kafka_config()["max.message.bytes"])
    assert limit > kafka_default_max * 4 // 3 + 64 * 1024


@pytest.mark.parametrize(("replication", "min_isr"), [(1, None), (2, "1"), (3, "2"), (5, "2")])
def test_min_insync_replicas_follows_the_replication_factor(
    replication: int, min_isr: str | None
) -> None:
    config = TopicSpec("t", replication_factor=replication).kafka_config()
    assert config.get("min.insync.replicas") == min_isr


def test_extra_config_wins_over_derived_configs() -> None:
    spec = TopicSpec("t", retention_ms=1000, config={"retention.ms": "2000", "segment.ms": "60"})
    assert spec.kafka_config() == {
        "cleanup.policy": "delete",
        "compression.type": "lz4",
        "retention.ms": "2000",
        "segment.ms": "60",
    }


def test_spec_is_frozen_hashable_and_its_config_read_only() -> None:
    source = {"segment.ms": "60"}
    spec = TopicSpec("t", config=source)
    source["segment.ms"] = "1"
    assert spec.config["segment.ms"] == "60"
    with pytest.raises(TypeError):
        spec.config["segment.ms"] = "2"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.partitions = 3  # type: ignore[misc]
    assert hash(spec) == hash(TopicSpec("t", config={"segment.ms": "60"}))
    assert spec == TopicSpec("t", config={"segment.ms": "60"})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "bad name"},
        {"name": ""},
        {"name": ".."},
        {"name": "x" * 250},
        {"name": "t", "partitions": 0},
        {"name": "t", "replication_factor": 0},
        {"name": "t", "retention_ms": 0},
        {"name": "t", "cleanup_policy": "compact,delete"},
        {"name": "t", "compression": "gzip"},
    ],
)
def test_invalid_specs_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TopicSpec(**kwargs)  # type: ignore[arg-type]


def test_bad_prefix_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a valid Kafka topic name"):
        topic_specs(prefix="with space ")
