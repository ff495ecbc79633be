"""Elastic Common Schema (ECS) 8.x: one JSON document per alert, `event.kind: alert`.

Fields with an ECS name use it (`event.*`, `rule.*`, `observer.*`, `message`); what ECS has no
field for (entity, triggering event ids, reasons, the signing key) goes under `qrstream.*`, the
custom namespace ECS recommends for a source's own fields.
"""

from __future__ import annotations

from typing import Any

import streams
from streams.siem.alert import (
    PRODUCT,
    VENDOR,
    VerifiedAlert,
    iso_time,
    numeric_severity,
    reasons_text,
    summary,
)

__all__ = ["ECS_VERSION", "ecs_document"]

ECS_VERSION = "8.17.0"


def ecs_document(item: VerifiedAlert) -> dict[str, Any]:
    alert = item.alert
    return {
        "@timestamp": iso_time(alert.detected_ts_us),
        "ecs": {"version": ECS_VERSION},
        "message": f"{summary(alert)}: {reasons_text(alert)}",
        "event": {
            "kind": "alert",
            "category": ["intrusion_detection"],
            "type": ["info"],
            "id": alert.alert_id,
            "code": alert.typology,
            "action": alert.typology,
            "severity": numeric_severity(alert.severity),
            "risk_score": alert.score * 100,
            "risk_score_norm": alert.score * 100,
            "created": iso_time(alert.detected_ts_us),
            "start": iso_time(alert.producer_ts_us),
            "provider": PRODUCT,
            "module": PRODUCT,
            "dataset": f"{PRODUCT}.alerts",
            "reason": alert.reasons[0].text,
        },
        "log": {"level": alert.severity},
        "rule": {
            "name": alert.typology,
            "category": alert.kind,
            "description": reasons_text(alert),
            "version": alert.model_version,
            "ruleset": f"{PRODUCT}-{alert.kind}",
        },
        "observer": {"vendor": VENDOR, "product": PRODUCT, "version": streams.__version__},
        "qrstream": {
            "kind": alert.kind,
            "entity": alert.entity,
            "count": alert.count,
            "score": alert.score,
            "event_ids": alert.event_ids,
            "reasons": [r.model_dump(exclude_none=True) for r in alert.reasons],
            "signer": {"key_id": item.key_id, "algorithm": item.algorithm},
        },
    }
