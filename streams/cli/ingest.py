"""`qrstream ingest ...`: sensor logs to signed telemetry on qr.telemetry (streams/ingest)."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from streams.cli.app import pass_settings
from streams.cli.progress import Progress
from streams.ingest.zeek import IngestStats, ZeekIngest
from streams.kafka_config import librdkafka_config
from streams.keys.store import KID_PATTERN, KeyStore, kid_to_filename, now_us
from streams.producer import SignedProducer
from streams.sequence import SequenceFile
from streams.settings import Settings
from topics.messages.telemetry import TelemetryEvent
from topics.specs import TELEMETRY

__all__ = ["ingest"]


def _check_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Key ids and sensors become record keys and headers: the EntityId rule.
    if value is not None and not KID_PATTERN.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a valid id ([A-Za-z0-9._:/@+#=-], 1-128)")
    return value


def _describe(s: IngestStats) -> str:
    return f"{s.events} events from {s.handshakes} handshakes in {s.ssl_files} ssl logs"


def _publish(
    settings: Settings,
    run: ZeekIngest,
    key_id: str,
    bootstrap: str | None,
    timeout: float,
) -> tuple[int, int]:
    """Signs and produces every event; returns (delivered, not delivered)."""
    keypair = KeyStore(settings.keys_dir, settings.key_passphrase).keypair(key_id)
    sequence = SequenceFile(settings.var_dir / "producer" / f"{kid_to_filename(key_id)}.seq")
    producer = SignedProducer(
        bootstrap or settings.bootstrap_servers,
        key_id=key_id,
        keypair=keypair,
        sequence=sequence,
        config=librdkafka_config(settings),
    )
    progress = Progress(lambda: _describe(run.stats), lambda: producer.stats.delivered)
    try:
        for event in run.events():
            producer.produce(TELEMETRY, run.sensor, event.model_dump(mode="json"))
            progress.tick()
    finally:
        in_flight = producer.close(timeout)
    stats = producer.stats
    return stats.delivered, stats.failed + in_flight


def _dry_run(run: ZeekIngest) -> None:
    progress = Progress(lambda: _describe(run.stats), None)
    for event in run.events():
        click.echo(_json(event))
        progress.tick()


def _json(event: TelemetryEvent) -> str:
    # The bytes SignedProducer would sign: orjson of the JSON-mode dump.
    return orjson.dumps(event.model_dump(mode="json")).decode()


@click.group()
def ingest() -> None:
    """Read sensor logs, map them to telemetry events, sign them and publish them to
    qr.telemetry."""


@ingest.command()
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--key-id",
    callback=_check_id,
    help="Signing key in the key store (QR_KEYS_DIR, QR_KEY_PASSPHRASE), e.g. zeek/sensor1; "
    "one per ingesting process. Required unless --dry-run.",
)
@click.option(
    "--sensor",
    callback=_check_id,
    help="Record key and `sensor` of the events (default: the key id, or `zeek` with "
    "--dry-run and no key id).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write the events as JSON lines to stdout; nothing is signed or sent.",
)
@click.option(
    "--bootstrap",
    help="Kafka bootstrap servers (env QR_KAFKA_BOOTSTRAP, default the local dev broker).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the last deliveries.",
)
@pass_settings
def zeek(
    settings: Settings,
    paths: tuple[Path, ...],
    key_id: str | None,
    sensor: str | None,
    dry_run: bool,
    bootstrap: str | None,
    timeout: float,
) -> None:
    """Ingest Zeek ssl.log and x509.log files (TSV or JSON lines, plain or gzip).

    Every handshake of the ssl logs becomes one telemetry event, with the server and client
    certificates joined from the x509 logs among PATHS by fingerprint (Zeek 4.2 or later:
    older x509 logs have none). Other logs are skipped. Progress goes to stderr once a
    second, then a totals line; unreadable files make the exit status 1 after the rest is
    published.
    """
    run = ZeekIngest(list(paths), sensor=sensor or key_id or "zeek", fallback_ts_us=now_us())
    lost = 0
    if dry_run:
        _dry_run(run)
        outcome = "written to stdout"
    elif key_id is None:
        raise click.UsageError("--key-id is required unless --dry-run")
    else:
        delivered, lost = _publish(settings, run, key_id, bootstrap, timeout)
        outcome = f"{delivered} delivered to {TELEMETRY} signed by {key_id}"
        if lost:
            outcome += f", {lost} NOT delivered"
    stats = run.stats
    for path, why in stats.skipped:
        click.echo(f"skipped {path}: {why}", err=True)
    certs = f"{len(run.certs)} certificates from {stats.x509_files} x509 logs"
    click.echo(
        f"{_describe(stats)}, {certs}; {stats.invalid} invalid, "
        f"{stats.unjoined_certs} certificates not found; {outcome}",
        err=True,
    )
    if stats.invalid_example:
        click.echo(f"first invalid record: {stats.invalid_example}", err=True)
    if stats.failed:
        first = stats.failed[0]
        raise click.ClickException(f"{len(stats.failed)} files unreadable, first {first}")
    if lost:
        raise click.ClickException(f"{lost} events were not delivered (see the log above)")
