"""OCSF 1.5 Detection Finding (class 2004, category Findings): one JSON object per alert.

An alert emitted again under its id after its cool-down (a higher `count`) is an Update of the
finding, the first emission a Create. Times are milliseconds since the epoch, as OCSF's
`timestamp_t`; what OCSF has no attribute for goes to `unmapped`.
"""

from __future__ import annotations

from typing import Any

import streams
from streams.siem.alert import PRODUCT, VENDOR, VerifiedAlert, reasons_text, summary
from topics.messages.alert import Severity

__all__ = ["OCSF_VERSION", "ocsf_finding"]

OCSF_VERSION = "1.5.0"
DETECTION_FINDING = 2004
FINDINGS = 2
CREATE, UPDATE = 1, 2
NEW = 1  # status_id: not yet reviewed
RULE = 1  # analytic type_id

_SEVERITY_ID: dict[Severity, int] = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}


def _confidence_id(score: float) -> int:
    return 3 if score >= 0.8 else 2 if score >= 0.5 else 1


def ocsf_finding(item: VerifiedAlert) -> dict[str, Any]:
    alert = item.alert
    activity = CREATE if alert.count == 1 else UPDATE
    detected_ms, producer_ms = alert.detected_ts_us // 1000, alert.producer_ts_us // 1000
    return {
        "class_uid": DETECTION_FINDING,
        "class_name": "Detection Finding",
        "category_uid": FINDINGS,
        "category_name": "Findings",
        "activity_id": activity,
        "activity_name": "Create" if activity == CREATE else "Update",
        "type_uid": DETECTION_FINDING * 100 + activity,
        "type_name": f"Detection Finding: {'Create' if activity == CREATE else 'Update'}",
        "time": detected_ms,
        "severity_id": _SEVERITY_ID[alert.severity],
        "severity": alert.severity.capitalize(),
        "status_id": NEW,
        "status": "New",
        "message": summary(alert),
        "count": alert.count,
        "confidence_id": _confidence_id(alert.score),
        "confidence_score": round(alert.score * 100),
        "risk_score": round(alert.score * 100),
        "metadata": {
            "version": OCSF_VERSION,
            "uid": alert.alert_id,
            "product": {"vendor_name": VENDOR, "name": PRODUCT, "version": streams.__version__},
            "log_provider": PRODUCT,
            "original_time": str(detected_ms),
        },
        "finding_info": {
            "uid": alert.alert_id,
            "title": summary(alert),
            "desc": reasons_text(alert),
            "types": [alert.kind, alert.typology],
            "analytic": {
                "uid": alert.typology,
                "name": alert.typology,
                "type_id": RULE,
                "type": "Rule",
                "version": alert.model_version,
            },
            "created_time": detected_ms,
            "first_seen_time": producer_ms,
            "last_seen_time": producer_ms,
            "related_events": [{"uid": event_id} for event_id in alert.event_ids],
        },
        "resources": [{"uid": alert.entity, "type": alert.kind}],
        "unmapped": {
            "qrstream": {
                "reasons": [r.model_dump(exclude_none=True) for r in alert.reasons],
                "model_version": alert.model_version,
                "signer": {"key_id": item.key_id, "algorithm": item.algorithm},
            }
        },
    }
