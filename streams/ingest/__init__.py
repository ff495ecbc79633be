"""Ingest: sensor logs (Zeek ssl.log and x509.log) read, mapped to telemetry events and handed
to the signed producer by `qrstream ingest`; transaction CSVs replayed by `qrstream replay`."""

from __future__ import annotations

from streams.ingest.csv_map import PRESETS, ColumnMap, Defaults
from streams.ingest.csv_replay import CsvReplay, Pacer
from streams.ingest.x509 import CertIndex
from streams.ingest.zeek import IngestStats, ZeekIngest, log_kind
from streams.ingest.zeek_map import map_ssl
from streams.ingest.zeek_reader import LogRecord, ZeekLogError, read_log

__all__ = [
    "PRESETS",
    "CertIndex",
    "ColumnMap",
    "CsvReplay",
    "Defaults",
    "IngestStats",
    "LogRecord",
    "Pacer",
    "ZeekIngest",
    "ZeekLogError",
    "log_kind",
    "map_ssl",
    "read_log",
]
