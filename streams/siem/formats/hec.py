"""Splunk HTTP Event Collector events: the envelope (`time`, `source`, `sourcetype`, `event`)
that HEC's `/services/collector/event` endpoint takes, around an alert's ECS document, with the
fields worth indexing in `fields`."""

from __future__ import annotations

from typing import Any

import orjson

from streams.siem.alert import PRODUCT, VerifiedAlert
from streams.siem.formats.ecs import ecs_document

__all__ = ["format_splunk_hec", "hec_envelope"]


def hec_envelope(
    time_us: int, event: Any, sourcetype: str, fields: dict[str, str] | None = None
) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        # Seconds with a fraction, as HEC reads `time`.
        "time": round(time_us / 1_000_000, 6),
        "source": PRODUCT,
        "sourcetype": sourcetype,
        "event": event,
    }
    if fields:
        envelope["fields"] = fields
    return envelope


def format_splunk_hec(item: VerifiedAlert) -> bytes:
    alert = item.alert
    fields = {
        "kind": alert.kind,
        "typology": alert.typology,
        "severity": alert.severity,
        "entity": alert.entity,
        "signer_key_id": item.key_id,
    }
    return orjson.dumps(
        hec_envelope(alert.detected_ts_us, ecs_document(item), f"{PRODUCT}:ecs", fields)
    )
