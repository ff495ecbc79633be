"""Alert formats for SIEMs: pure functions from a verified alert to the bytes of one event."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from streams.siem.alert import Event, VerifiedAlert
from streams.siem.formats.cef import format_cef
from streams.siem.formats.ecs import ecs_document
from streams.siem.formats.hec import format_splunk_hec
from streams.siem.formats.leef import format_leef
from streams.siem.formats.ocsf import ocsf_finding

__all__ = ["FORMATS", "JSON_FORMATS", "Formatter", "to_event"]

Formatter = Callable[[VerifiedAlert], bytes]

FORMATS: dict[str, Formatter] = {
    "ecs": lambda item: orjson.dumps(ecs_document(item)),
    "ocsf": lambda item: orjson.dumps(ocsf_finding(item)),
    "cef": format_cef,
    "leef": format_leef,
    "splunk-hec": format_splunk_hec,
}
JSON_FORMATS = frozenset({"ecs", "ocsf", "splunk-hec"})


def to_event(item: VerifiedAlert, format_name: str) -> Event:
    alert = item.alert
    body = FORMATS[format_name](item)
    return Event(body, format_name, alert.severity, alert.detected_ts_us, alert.entity.encode())
