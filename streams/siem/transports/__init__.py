"""Destinations of the SIEM forwarder, chosen by the scheme of `--to`."""

from __future__ import annotations

import ssl
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.errors import ConfigError
from streams.siem.transports.base import Transport
from streams.siem.transports.file import FileTransport, StdoutTransport
from streams.siem.transports.hec import HecTransport
from streams.siem.transports.kafka import KafkaTransport
from streams.siem.transports.syslog import SyslogDatagram, SyslogStream

__all__ = ["SCHEMES", "Transport", "TransportOptions", "open_transport"]

SCHEMES = (
    "syslog+tcp://HOST:PORT",
    "syslog+udp://HOST:PORT",
    "syslog+tls://HOST:PORT",
    "https://HOST:8088 (Splunk HEC)",
    "file:///PATH",
    "- (stdout)",
    "kafka://TOPIC",
)


@dataclass(frozen=True)
class TransportOptions:
    bootstrap: str
    """Kafka of a kafka:// destination: the cluster the forwarder reads from."""
    kafka_config: dict[str, Any]
    timeout_s: float = 10.0
    hec_token: str | None = None
    hec_ack: bool = False
    hec_gzip: bool = True
    hec_batch_bytes: int = 1 << 20
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None


def _tls_context(options: TransportOptions) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=options.ca_file)
        if options.client_cert is not None:
            context.load_cert_chain(options.client_cert, options.client_key)
    except (OSError, ssl.SSLError) as err:
        raise ConfigError(f"TLS settings: {err}") from None
    return context


def _host_port(url: urllib.parse.SplitResult, raw: str) -> tuple[str, int]:
    try:
        port = url.port
    except ValueError:
        port = None
    if not url.hostname or port is None:
        raise ConfigError(f"{raw}: a syslog destination needs a host and a port")
    return url.hostname, port


def open_transport(to: str, options: TransportOptions) -> Transport:
    """The transport for a `--to` URL; ConfigError names the accepted forms otherwise."""
    if to == "-":
        return StdoutTransport()
    url = urllib.parse.urlsplit(to)
    query = urllib.parse.parse_qs(url.query)
    if url.scheme == "file" and url.path:
        return FileTransport(Path(url.path))
    if url.scheme in ("syslog+tcp", "syslog+tls"):
        host, port = _host_port(url, to)
        framing = query.get("framing", ["octet-counting"])[0]
        if framing not in ("octet-counting", "lf"):
            raise ConfigError(f"{to}: framing is octet-counting (the default) or lf")
        tls = _tls_context(options) if url.scheme == "syslog+tls" else None
        return SyslogStream(
            host,
            port,
            tls=tls,
            framing="lf" if framing == "lf" else "octet-counting",
            timeout_s=options.timeout_s,
        )
    if url.scheme == "syslog+udp":
        return SyslogDatagram(*_host_port(url, to))
    if url.scheme in ("http", "https") and url.hostname:
        if not options.hec_token:
            raise ConfigError(
                "a Splunk HEC destination needs its token: QR_SIEM_HEC_TOKEN or --hec-token"
            )
        return HecTransport(
            to,
            options.hec_token,
            tls=_tls_context(options) if url.scheme == "https" else None,
            batch_bytes=options.hec_batch_bytes,
            compress=options.hec_gzip,
            ack=options.hec_ack,
            timeout_s=options.timeout_s,
        )
    if url.scheme == "kafka" and url.netloc:
        return KafkaTransport(
            options.bootstrap, url.netloc, options.timeout_s, options.kafka_config
        )
    raise ConfigError(f"unsupported destination {to!r}; use one of: {', '.join(SCHEMES)}")
