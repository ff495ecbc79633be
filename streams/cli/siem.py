"""`qrstream siem forward`: verified alerts to a SIEM (streams.siem)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from streams import metrics
from streams.cli.app import pass_settings
from streams.kafka_config import librdkafka_config
from streams.settings import Settings
from streams.siem.formats import FORMATS
from streams.siem.run import forwarder_group, run_forwarder
from streams.siem.transports import SCHEMES, TransportOptions
from topics.specs import ALERTS

__all__ = ["siem"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def siem() -> None:
    """Forward alerts to SIEMs."""


@siem.command(epilog="Destinations: " + ", ".join(SCHEMES) + ".")
@click.option(
    "--format", "format_name", type=click.Choice(list(FORMATS)), required=True, help="Event format."
)
@click.option("--to", "to", required=True, help="Destination URL (see below).")
@click.option("--topic", default=ALERTS, show_default=True, help="Topic of the signed alerts.")
@click.option("--group", help="Consumer group (default QR_APP_ID-siem-forwarder).")
@click.option("--batch-size", type=click.IntRange(1), default=500, show_default=True)
@click.option("--hec-token", help="Splunk HEC token (env QR_SIEM_HEC_TOKEN).")
@click.option("--hec-ack", is_flag=True, help="Wait for HEC indexer acknowledgement.")
@click.option("--no-gzip", is_flag=True, help="Send HEC requests uncompressed.")
@click.option("--ca-file", type=_FILE, help="CA bundle for https:// and syslog+tls://.")
@click.option("--client-cert", type=_FILE, help="Client certificate (PEM) for TLS.")
@click.option("--client-key", type=_FILE, help="Its private key, if not in the certificate.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds one delivery attempt may take.",
)
@click.option("--metrics-port", type=int, help="Serve Prometheus metrics on QR_METRICS_HOST:PORT.")
@pass_settings
def forward(
    settings: Settings,
    format_name: str,
    to: str,
    topic: str,
    group: str | None,
    batch_size: int,
    hec_token: str | None,
    hec_ack: bool,
    no_gzip: bool,
    ca_file: Path | None,
    client_cert: Path | None,
    client_key: Path | None,
    timeout: float,
    metrics_port: int | None,
) -> None:
    """Verify each alert's signature and deliver the genuine ones to a SIEM.

    Reads TOPIC in its own consumer group, drops (and counts) every record whose envelope does
    not verify against the key registry, converts the rest to FORMAT and delivers them to the
    destination, committing offsets only after it accepted them. A destination that is down is
    retried for QR_SIEM_RETRY_BUDGET_S seconds, then the forwarder exits with status 1 and
    nothing undelivered is committed. SIGINT or SIGTERM stops it after delivering what it read;
    a second one stops waiting for the destination.
    """
    stop, abort = threading.Event(), threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        (abort if stop.is_set() else stop).set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    token = hec_token or (
        settings.siem_hec_token.get_secret_value() if settings.siem_hec_token else None
    )
    options = TransportOptions(
        bootstrap=settings.bootstrap_servers,
        kafka_config=librdkafka_config(settings),
        timeout_s=timeout,
        hec_token=token,
        hec_ack=hec_ack,
        hec_gzip=not no_gzip,
        ca_file=ca_file,
        client_cert=client_cert,
        client_key=client_key,
    )
    if metrics_port:
        metrics.serve_metrics(metrics_port, settings.metrics_host)
    stats = run_forwarder(
        settings,
        format_name,
        options,
        to,
        stop,
        abort,
        topic=topic,
        group=group or forwarder_group(settings.app_id),
        batch_max=batch_size,
    )
    dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(stats.dropped.items()))
    click.echo(
        f"siem forward stopped: {stats.read} records read, {stats.forwarded} alerts forwarded, "
        f"{sum(stats.dropped.values())} dropped{f' ({dropped})' if dropped else ''}",
        err=True,
    )
