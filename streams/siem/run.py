"""Building a forwarder from the settings: its consumer group, the key registry, durable replay
state and the destination."""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException

from streams.errors import ConfigError
from streams.kafka_config import librdkafka_config
from streams.keys.registry import KeyRegistry, load_root_public_key
from streams.keys.topic import load_registry
from streams.replay import SqliteReplayGuard
from streams.settings import Settings
from streams.siem.errors import ForwarderError
from streams.siem.formats import FORMATS
from streams.siem.forwarder import Forwarder, ForwarderConfig, ForwarderStats
from streams.siem.retry import RetryPolicy
from streams.siem.transports import TransportOptions, open_transport
from streams.verifier import Verifier, VerifierLimits
from topics.messages.alert import Alert

__all__ = ["forwarder_group", "run_forwarder"]

logger = logging.getLogger(__name__)


def forwarder_group(app_id: str) -> str:
    return f"{app_id}-siem-forwarder"


def _log_kafka_error(err: KafkaError) -> None:
    logger.warning("Kafka: %s", err.str())


def _consumer(settings: Settings, group: str) -> Consumer:
    config: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "group.id": group,
        "client.id": f"qrstream-siem-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        # A new forwarder delivers every alert Kafka still retains, not only new ones.
        "auto.offset.reset": "earliest",
        "error_cb": _log_kafka_error,
        "logger": logging.getLogger("streams.siem.kafka"),
        **librdkafka_config(settings),
    }
    try:
        return Consumer(config)
    except KafkaException as err:
        raise ForwarderError(f"Kafka consumer: {err.args[0].str()}") from err


def run_forwarder(
    settings: Settings,
    format_name: str,
    options: TransportOptions,
    to: str,
    stop: threading.Event,
    abort: threading.Event,
    *,
    topic: str,
    group: str,
    batch_max: int,
) -> ForwarderStats:
    """Forwards alerts from `topic` to `to` until `stop` is set."""
    if format_name not in FORMATS:
        raise ConfigError(f"unknown format {format_name!r}; known: {', '.join(FORMATS)}")
    transport = open_transport(to, options)
    replay: SqliteReplayGuard | None = None
    try:
        if settings.root_public_key_file is None:
            raise ConfigError(
                "QR_ROOT_PUBLIC_KEY_FILE is not set: alerts are verified against processor "
                "keys that the operator root key signed (qrstream keys export-public root "
                "--out root.pem)"
            )
        root = load_root_public_key(settings.root_public_key_file)

        def load_keys() -> KeyRegistry:
            return load_registry(
                settings.bootstrap_servers,
                root,
                topic=settings.keys_topic,
                root_kid=settings.root_key_id,
                config=librdkafka_config(settings),
            )

        replay = SqliteReplayGuard(settings.var_dir / "siem" / f"{group}.replay.sqlite")
        verifier = Verifier(
            load_keys(),
            replay,
            # No clock-skew check: a forwarder catching up on a backlog reads old alerts, and
            # the signature proves origin and the sequence number that it is no replay.
            VerifierLimits(float("inf"), settings.max_record_bytes),
            payload_checks={topic: Alert.model_validate_json},
        )
        forwarder = Forwarder(
            _consumer(settings, group),
            transport,
            verifier,
            load_keys,
            ForwarderConfig(
                topic,
                format_name,
                batch_max,
                RetryPolicy(settings.siem_retry_budget_s),
                settings.registry_refresh_s,
            ),
            stop,
            abort,
        )
        logger.info(
            "siem forward: %s -> %s as %s (group %s)",
            topic,
            transport.description,
            format_name,
            group,
            extra={"topic": topic, "group": group, "format": format_name},
        )
        return forwarder.run()
    finally:
        transport.close()
        if replay is not None:
            replay.close()
