"""Field names of Zeek's ssl.log and x509.log across Zeek versions and log shippers, and the
coercion of their values from either format (TSV text or JSON values).

- Zeek 4.2 replaced ssl.log's `cert_chain_fuids` (file ids) with `cert_chain_fps` (SHA-256
  fingerprints, as x509.log's new `fingerprint` field).
- The ssl-log-ext policy script logs what the client offered as code points: `client_curves`,
  `client_key_share_groups`, `client_supported_versions`, `client_ciphers`, and the chosen
  `server_key_share_group`, which stands in where `curve` is unset.
- Shippers that cannot store dots in names write `id_orig_h`; some prefix `ssl_`.

Examples
--------
>>> get({"id_orig_h": "10.0.0.1"}, "orig_h")
'10.0.0.1'
>>> time_us("1775199968.5"), time_us(1.25), time_us("XXXXXXXXXX.XXXXXX")
(1775199968500000, 1250000, None)
>>> time_us("2026-01-01T00:00:00.000001Z"), flag("T"), flag(False), items("a,b"), count("12")
(1767225600000001, True, False, ['a', 'b'], 12)
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.ingest.zeek_reader import LogRecord

__all__ = ["ALIASES", "count", "flag", "get", "items", "text", "time_us"]

# Canonical name -> names it has been logged under, most recent first. Record fields are
# joined with `Log::default_scope_sep`, "." unless redefined (often to "_" for databases);
# flow-feature exports that merge ssl.log into conn.log prefix its fields with `ssl_`.
_NAMES: dict[str, tuple[str, ...]] = {
    "ts": ("ts",),
    "uid": ("uid",),
    "orig_h": ("id.orig_h",),
    "orig_p": ("id.orig_p",),
    "resp_h": ("id.resp_h",),
    "resp_p": ("id.resp_p",),
    "version": ("version", "ssl_version"),
    "cipher": ("cipher", "ssl_cipher"),
    "curve": ("curve", "ssl_curve", "server_key_share_group"),
    "server_name": ("server_name", "ssl_server_name"),
    "resumed": ("resumed", "ssl_resumed"),
    "established": ("established", "ssl_established"),
    "last_alert": ("last_alert",),
    "next_protocol": ("next_protocol",),
    "validation_status": ("validation_status",),
    "sni_matches_cert": ("sni_matches_cert",),
    "cert_chain": ("cert_chain_fps", "cert_chain_fuids"),
    "client_cert_chain": ("client_cert_chain_fps", "client_cert_chain_fuids"),
    "client_versions": ("client_supported_versions",),
    "client_groups": ("client_curves",),
    "client_key_shares": ("client_key_share_groups",),
    "client_ciphers": ("client_ciphers",),
    # x509.log
    "fingerprint": ("fingerprint",),
    "subject": ("certificate.subject",),
    "issuer": ("certificate.issuer",),
    "serial": ("certificate.serial",),
    "not_valid_before": ("certificate.not_valid_before",),
    "not_valid_after": ("certificate.not_valid_after",),
    "key_alg": ("certificate.key_alg",),
    "key_type": ("certificate.key_type",),
    "key_length": ("certificate.key_length",),
    "key_curve": ("certificate.curve",),
    "sig_alg": ("certificate.sig_alg",),
    "san_dns": ("san.dns",),
}
ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys(n for a in names for n in (a, a.replace(".", "_"))))
    for name, names in _NAMES.items()
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def get(record: LogRecord, name: str) -> Any:
    """The value of canonical field `name` under whichever name the record has it; None if
    unset or absent."""
    for alias in ALIASES[name]:
        value = record.get(alias)
        if value is not None:
            return value
    return None


def text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return {"T": True, "F": False, "true": True, "false": False}.get(str(value))


def count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def items(value: Any) -> list[str]:
    """A set or vector field as strings; a plain string is split at Zeek's default `,`."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return str(value).split(",")


def time_us(value: Any) -> int | None:
    """Zeek `time` (epoch seconds, as a number or text, or ISO 8601 from JSON writers that use
    `JSON::TS_ISO8601`) as integer microseconds; None for what is not a time, such as the
    `XXXXXXXXXX.XXXXXX` that Zeek's test suite masks timestamps with."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        raw = str(value)
        try:
            seconds = float(raw)
        except ValueError:
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError:
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return (moment - _EPOCH) // _MICROSECOND
    if not math.isfinite(seconds):
        return None
    # round(), not int(): 0.1-style fractions are a hair below their decimal value.
    return round(seconds * 1_000_000)
