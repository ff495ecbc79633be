"""Zeek logs to telemetry events: read every x509 log given into a certificate index, then
stream the ssl logs, joining each handshake to its certificates.

Files are recognised by their content (`#path`, JSON `_path`, or the fields of the first
record), not by name, so rotated and renamed logs (`ssl.15:00:00-16:00:00.log.gz`) work; logs
of other kinds (conn.log, ssh.log) are skipped and reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from streams.ingest.x509 import CertIndex
from streams.ingest.zeek_map import map_ssl
from streams.ingest.zeek_reader import LogRecord, ZeekLogError, read_log
from topics.messages.telemetry import TelemetryEvent

__all__ = ["IngestStats", "LogKind", "ZeekIngest", "log_kind"]

LogKind = Literal["ssl", "x509"]


def log_kind(record: LogRecord) -> LogKind | None:
    path = record.get("_path")
    if path is not None:
        return "ssl" if path == "ssl" else "x509" if path == "x509" else None
    if (
        "fingerprint" in record
        or "certificate.subject" in record
        or "certificate_subject" in record
    ):
        return "x509"
    if "uid" in record and ("version" in record or "server_name" in record):
        return "ssl"
    return None


@dataclass(slots=True)
class IngestStats:
    ssl_files: int = 0
    x509_files: int = 0
    handshakes: int = 0
    """ssl.log records read."""
    events: int = 0
    """Valid telemetry events made of them."""
    invalid: int = 0
    """Records that make no valid event (the first reason is in `invalid_example`)."""
    invalid_example: str | None = None
    unjoined_certs: int = 0
    """Certificates an ssl record names that no x509 log given describes."""
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    """Files that are not ssl or x509 logs."""
    failed: list[ZeekLogError] = field(default_factory=list)
    """Files that could not be read (completely or from some line on)."""


class ZeekIngest:
    """`events()` yields the telemetry events of `paths`; `stats` counts as it goes."""

    def __init__(self, paths: list[Path], *, sensor: str, fallback_ts_us: int) -> None:
        self.paths = paths
        self.sensor = sensor
        self.fallback_ts_us = fallback_ts_us
        self.certs = CertIndex()
        self.stats = IngestStats()

    def _index_certificates(self) -> list[Path]:
        """Reads the x509 logs; returns the ssl logs, which only had their first record read."""
        ssl_paths = []
        for path in self.paths:
            records = read_log(path)
            try:
                first = next(records, None)
                kind = log_kind(first) if first is not None else None
                if kind == "ssl":
                    ssl_paths.append(path)
                elif kind == "x509" and first is not None:
                    self.stats.x509_files += 1
                    self.certs.add(first)
                    for record in records:
                        if log_kind(record) == "x509":
                            self.certs.add(record)
                else:
                    what = "empty" if first is None else "not an ssl or x509 log"
                    self.stats.skipped.append((path, what))
            except ZeekLogError as err:
                self.stats.failed.append(err)
            finally:
                records.close()  # an ssl log was only peeked at: close its file now
        return ssl_paths

    def events(self) -> Iterator[TelemetryEvent]:
        for path in self._index_certificates():
            self.stats.ssl_files += 1
            try:
                for record in read_log(path):
                    if log_kind(record) == "ssl":
                        event = self._map(record)
                        if event is not None:
                            yield event
            except ZeekLogError as err:
                self.stats.failed.append(err)

    def _map(self, record: LogRecord) -> TelemetryEvent | None:
        stats = self.stats
        stats.handshakes += 1
        try:
            event, unjoined = map_ssl(
                record, self.certs, sensor=self.sensor, fallback_ts_us=self.fallback_ts_us
            )
        except ValidationError as err:
            stats.invalid += 1
            if stats.invalid_example is None:
                first = err.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                stats.invalid_example = f"{record.get('uid') or '-'}: {where}: {first['msg']}"
            return None
        stats.events += 1
        stats.unjoined_certs += unjoined
        return event
