"""`qrstream ingest ...`: sensor logs to signed telemetry on qr.telemetry (streams/ingest)."""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.app import pass_settings
from streams.cli.publishing import (
    bootstrap_option,
    check_id,
    print_json_lines,
    publish_signed,
    timeout_option,
)
from streams.ingest.zeek import IngestStats, ZeekIngest
from streams.keys.store import now_us
from streams.settings import Settings
from topics.specs import TELEMETRY

__all__ = ["ingest"]


def _describe(s: IngestStats) -> str:
    return f"{s.events} events from {s.handshakes} handshakes in {s.ssl_files} ssl logs"


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
    callback=check_id,
    help="Signing key in the key store (QR_KEYS_DIR, QR_KEY_PASSPHRASE), e.g. zeek/sensor1; "
    "one per ingesting process. Required unless --dry-run.",
)
@click.option(
    "--sensor",
    callback=check_id,
    help="Record key and `sensor` of the events (default: the key id, or `zeek` with "
    "--dry-run and no key id).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write the events as JSON lines to stdout; nothing is signed or sent.",
)
@bootstrap_option
@timeout_option
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
        print_json_lines(
            (event.model_dump(mode="json") for event in run.events()), lambda: _describe(run.stats)
        )
        outcome = "written to stdout"
    elif key_id is None:
        raise click.UsageError("--key-id is required unless --dry-run")
    else:
        records = ((run.sensor, event.model_dump(mode="json")) for event in run.events())
        delivered, lost = publish_signed(
            settings, key_id, bootstrap, timeout, TELEMETRY, records, lambda: _describe(run.stats)
        )
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
