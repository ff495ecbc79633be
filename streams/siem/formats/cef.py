"""ArcSight Common Event Format (CEF) 0: one line per alert.

Escaping follows the CEF specification: in the header, backslash and pipe are escaped with a
backslash; in extension values, backslash and equals sign are, and line breaks become `\\n` and
`\\r`. Extension keys are fixed CEF names here, so they never need escaping. Fields without a
CEF name go to the custom string and number slots, each with its label.
"""

from __future__ import annotations

import streams
from streams.siem.alert import PRODUCT, VENDOR, VerifiedAlert, numeric_severity, reasons_text

__all__ = ["escape_extension", "escape_header", "format_cef"]

_HEADER = str.maketrans({"\\": "\\\\", "|": "\\|", "\r": " ", "\n": " "})
_EXTENSION = str.maketrans({"\\": "\\\\", "=": "\\=", "\r": "\\r", "\n": "\\n"})


def escape_header(text: str) -> str:
    """A header field: line breaks cannot be escaped there, so they become spaces."""
    return text.translate(_HEADER)


def escape_extension(text: str) -> str:
    return text.translate(_EXTENSION)


def format_cef(item: VerifiedAlert) -> bytes:
    alert = item.alert
    header = [
        "CEF:0",
        VENDOR,
        PRODUCT,
        streams.__version__,
        alert.typology,
        f"{alert.kind} {alert.typology} on {alert.entity}",
        str(numeric_severity(alert.severity)),
    ]
    extension = {
        "rt": str(alert.detected_ts_us // 1000),
        "start": str(alert.producer_ts_us // 1000),
        "externalId": alert.alert_id,
        "cat": alert.kind,
        "act": "alert",
        "msg": reasons_text(alert),
        "cs1Label": "entity",
        "cs1": alert.entity,
        "cs2Label": "modelVersion",
        "cs2": alert.model_version,
        "cs3Label": "eventIds",
        "cs3": ",".join(alert.event_ids),
        "cs4Label": "signerKeyId",
        "cs4": item.key_id,
        "cs5Label": "signerAlgorithm",
        "cs5": item.algorithm,
        "cs6Label": "severity",
        "cs6": alert.severity,
        "cn1Label": "count",
        "cn1": str(alert.count),
        "cfp1Label": "score",
        "cfp1": repr(alert.score),
    }
    line = "|".join(escape_header(h) for h in header) + "|"
    line += " ".join(f"{key}={escape_extension(value)}" for key, value in extension.items())
    return line.encode()
