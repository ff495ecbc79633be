"""IBM QRadar Log Event Extended Format (LEEF) 1.0: one line per alert, attributes separated by
tabs.

LEEF defines no escape sequence inside attribute values, so a tab or line break in a value (which
would end the attribute or the event) becomes a space; in the header, backslash and pipe are
escaped with a backslash as in CEF. Times are `devTime` with its `devTimeFormat`.
"""

from __future__ import annotations

import streams
from streams.siem.alert import (
    PRODUCT,
    VENDOR,
    VerifiedAlert,
    iso_time,
    numeric_severity,
    reasons_text,
)
from streams.siem.formats.cef import escape_header

__all__ = ["DEV_TIME_FORMAT", "format_leef", "leef_value"]

# Java SimpleDateFormat, which QRadar reads: milliseconds are its finest unit.
DEV_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSX"
_VALUE = str.maketrans({"\t": " ", "\r": " ", "\n": " "})


def leef_value(text: str) -> str:
    return text.translate(_VALUE)


def _dev_time(ts_us: int) -> str:
    return iso_time(ts_us)[:23] + "Z"  # microseconds cut to milliseconds


def format_leef(item: VerifiedAlert) -> bytes:
    alert = item.alert
    header = ["LEEF:1.0", VENDOR, PRODUCT, streams.__version__, alert.typology]
    attributes = {
        "devTime": _dev_time(alert.detected_ts_us),
        "devTimeFormat": DEV_TIME_FORMAT,
        "cat": alert.kind,
        "sev": str(numeric_severity(alert.severity)),
        "alertId": alert.alert_id,
        "typology": alert.typology,
        "severity": alert.severity,
        "score": repr(alert.score),
        "entity": alert.entity,
        "count": str(alert.count),
        "eventIds": ",".join(alert.event_ids),
        "modelVersion": alert.model_version,
        "producerTime": _dev_time(alert.producer_ts_us),
        "signerKeyId": item.key_id,
        "signerAlgorithm": item.algorithm,
        "reason": reasons_text(alert),
    }
    line = "|".join(escape_header(h) for h in header) + "|"
    line += "\t".join(f"{key}={leef_value(value)}" for key, value in attributes.items())
    return line.encode()
