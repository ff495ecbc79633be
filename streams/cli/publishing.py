"""What `ingest zeek` and `replay` share: signing and producing mapped records with a status
line, writing them as JSON lines instead (--dry-run), and the options that go with that."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import click
import orjson

from streams.kafka_config import librdkafka_config
from streams.keys.store import KID_PATTERN, KeyStore, kid_to_filename
from streams.producer import SignedProducer
from streams.sequence import SequenceFile
from streams.settings import Settings

__all__ = [
    "PROGRESS_INTERVAL_S",
    "Progress",
    "bootstrap_option",
    "check_id",
    "print_json_lines",
    "publish_signed",
    "timeout_option",
]

PROGRESS_INTERVAL_S = 1.0

bootstrap_option = click.option(
    "--bootstrap",
    help="Kafka bootstrap servers (env QR_KAFKA_BOOTSTRAP, default the local dev broker).",
)
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the last deliveries.",
)


def check_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Key ids and sensors become record keys and headers: the EntityId rule.
    if value is not None and not KID_PATTERN.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a valid id ([A-Za-z0-9._:/@+#=-], 1-128)")
    return value


class Progress:
    """A status line on stderr at most once per `PROGRESS_INTERVAL_S`, with the producer's
    delivered count when there is a producer."""

    def __init__(self, describe: Callable[[], str], delivered: Callable[[], int] | None) -> None:
        self.describe = describe
        self.delivered = delivered
        self._last = time.monotonic()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            click.echo(f"  {self.line()}", err=True)

    def line(self) -> str:
        text = self.describe()
        if self.delivered is not None:
            text += f", {self.delivered()} delivered"
        return text


def publish_signed(
    settings: Settings,
    key_id: str,
    bootstrap: str | None,
    timeout: float,
    topic: str,
    records: Iterable[tuple[str, dict[str, Any]]],
    describe: Callable[[], str],
) -> tuple[int, int]:
    """Signs and produces (key, value) records; returns (delivered, not delivered)."""
    keypair = KeyStore(settings.keys_dir, settings.key_passphrase).keypair(key_id)
    sequence = SequenceFile(settings.var_dir / "producer" / f"{kid_to_filename(key_id)}.seq")
    producer = SignedProducer(
        bootstrap or settings.bootstrap_servers,
        key_id=key_id,
        keypair=keypair,
        sequence=sequence,
        config=librdkafka_config(settings),
    )
    progress = Progress(describe, lambda: producer.stats.delivered)
    try:
        for key, value in records:
            producer.produce(topic, key, value)
            progress.tick()
    finally:
        in_flight = producer.close(timeout)
    return producer.stats.delivered, producer.stats.failed + in_flight


def print_json_lines(values: Iterable[dict[str, Any]], describe: Callable[[], str]) -> None:
    """The values as JSON lines on stdout: the bytes SignedProducer would sign."""
    progress = Progress(describe, None)
    for value in values:
        click.echo(orjson.dumps(value).decode())
        progress.tick()
