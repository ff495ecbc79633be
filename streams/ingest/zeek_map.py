"""One ssl.log record, with its certificates from x509.log, as a `TelemetryEvent`.

Groups logged as code points (`unknown-4588` by a Zeek that did not know the code point yet,
`4588` in ssl-log-ext's `client_curves`) get their names from models.quantum's tables, so
0x11EC is X25519MLKEM768 and 0x6399 X25519Kyber768Draft00 downstream; GREASE values
(RFC 8701) are random placeholders and are dropped.

The event id is a UUIDv5 of the sensor and the record, so ingesting a log twice gives the same
ids and everything keyed by event id downstream (ClickHouse scores, alerts) deduplicates.

Examples
--------
>>> event, unjoined = map_ssl(
...     {"ts": "1700000000.25", "uid": "C1", "id.orig_h": "10.0.0.1", "id.orig_p": "50000",
...      "id.resp_h": "10.0.0.2", "id.resp_p": "443", "version": "TLSv13",
...      "cipher": "TLS_AES_128_GCM_SHA256", "curve": "unknown-4588", "established": "T",
...      "client_curves": ["2570", "4588", "29"], "cert_chain_fps": ["ab" * 32]},
...     CertIndex(), sensor="zeek/lab", fallback_ts_us=0,
... )
>>> event.group, event.client_groups, event.ts_us, unjoined
('X25519MLKEM768', ['X25519MLKEM768', 'x25519'], 1700000000250000, 1)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import lru_cache

import orjson

from models.quantum.algorithms import group_info, version_info
from streams.ingest.x509 import CertIndex
from streams.ingest.zeek_fields import count, flag, get, items, text, time_us
from streams.ingest.zeek_reader import LogRecord
from topics.messages.telemetry import Certificate, TelemetryEvent

__all__ = ["map_ssl"]

_NAMESPACE = uuid.UUID("5d0c3c4e-2f7a-4b39-9a51-7e0f3f9b8d21")
_MAX_OFFERED = 512
# A sensor reports few distinct names and code points, but offer lists are long (dozens of
# cipher suites per handshake); the bound only stops hostile input from growing the caches.
_CACHE = 4096
_MAX_STATUS = 256
_MAX_HOST = 255
# zeek-cut extracts may leave out the endpoints; the unspecified address and port 0 stand for
# "not logged" (they never name a real peer), and the SNI name still identifies the server.
_UNSPECIFIED = "0.0.0.0"  # noqa: S104  # a value to store, not an address to bind


def _digits(name: str) -> bool:
    return name.isascii() and name.isdigit()  # str.isdigit alone accepts "²", which int() rejects


def _is_code(name: str) -> bool:
    return _digits(name) or name.lower().startswith(("unknown-", "0x"))


@lru_cache(maxsize=_CACHE)
def _group(name: str) -> str | None:
    info = group_info(name)
    if info.kind == "grease":
        return None
    if info.kind == "unknown" and _digits(name):
        return f"unknown-{name}"  # Zeek's own spelling of a code point it has no name for
    # Known code points get their name; names stay as the sensor spelled them.
    return info.name if _is_code(name) else name


@lru_cache(maxsize=_CACHE)
def _version(name: str) -> str | None:
    if group_info(name).kind == "grease":  # RFC 8701 GREASE is the same set in every registry
        return None
    info = version_info(name)
    if info is not None and _is_code(name):
        return info.name
    return f"unknown-{name}" if _digits(name) else name


@lru_cache(maxsize=_CACHE)
def _cipher(code: str) -> str | None:
    if not _digits(code):
        return code
    return None if group_info(code).kind == "grease" else f"0x{int(code):04X}"


def _offered(values: list[str], convert: Callable[[str], str | None]) -> list[str]:
    names = dict.fromkeys(convert(v) for v in values)  # deduplicated, in the client's order
    return [n for n in names if n is not None][:_MAX_OFFERED]


def _leaf(chain: list[str], certs: CertIndex) -> tuple[Certificate | None, int]:
    """The first certificate of a chain (the peer's own) and 1 if the chain names one that
    no x509 log given describes."""
    if not chain:
        return None, 0
    cert = certs.get(chain[0])
    return cert, int(cert is None)


def event_id(sensor: str, record: LogRecord) -> str:
    raw = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    return str(uuid.uuid5(_NAMESPACE, sensor + "\x1f" + raw.decode()))


def map_ssl(
    record: LogRecord, certs: CertIndex, *, sensor: str, fallback_ts_us: int
) -> tuple[TelemetryEvent, int]:
    """The telemetry event of an ssl.log record and how many of its certificates (server and
    client leaf) were named but not found. `fallback_ts_us` stands in for an unreadable `ts`.
    Raises pydantic's ValidationError when the record cannot make a valid event."""
    version = text(get(record, "version"))
    curve = text(get(record, "curve"))
    server_name = text(get(record, "server_name"))
    status = text(get(record, "validation_status"))
    cert, missing = _leaf(items(get(record, "cert_chain")), certs)
    client_cert, client_missing = _leaf(items(get(record, "client_cert_chain")), certs)
    event = TelemetryEvent(
        event_id=event_id(sensor, record),
        ts_us=time_us(get(record, "ts")) or fallback_ts_us,
        sensor=sensor,
        uid=text(get(record, "uid")),
        protocol="dtls" if version and version.upper().startswith("DTLS") else "tls",
        orig_h=text(get(record, "orig_h")) or _UNSPECIFIED,
        orig_p=count(get(record, "orig_p")) or 0,
        resp_h=text(get(record, "resp_h")) or _UNSPECIFIED,
        resp_p=count(get(record, "resp_p")) or 0,
        server_name=server_name if server_name and len(server_name) <= _MAX_HOST else None,
        version=_version(version) if version else None,
        cipher=text(get(record, "cipher")),
        group=_group(curve) if curve else None,
        client_versions=_offered(items(get(record, "client_versions")), _version),
        client_groups=_offered(items(get(record, "client_groups")), _group),
        client_key_shares=_offered(items(get(record, "client_key_shares")), _group),
        client_ciphers=_offered(items(get(record, "client_ciphers")), _cipher),
        resumed=flag(get(record, "resumed")) or False,
        established=flag(get(record, "established")) or False,
        last_alert=text(get(record, "last_alert")),
        next_protocol=text(get(record, "next_protocol")),
        sni_matches_cert=flag(get(record, "sni_matches_cert")),
        validation_status=status[:_MAX_STATUS] if status else None,
        cert=cert,
        client_cert=client_cert,
    )
    return event, missing + client_missing
