"""What the forwarder carries: a verified alert as the formats see it (the alert and who signed
it), the formatted event the transports deliver, and the mappings of severity and time that
several formats share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from topics.messages.alert import Alert, Severity

__all__ = [
    "PRODUCT",
    "VENDOR",
    "Event",
    "VerifiedAlert",
    "iso_time",
    "numeric_severity",
    "reasons_text",
    "summary",
]

VENDOR = "QuantumResilient"
PRODUCT = "qrstream"

# CEF and LEEF severities run 0 to 10; ECS takes the same numbers.
_NUMERIC_SEVERITY: dict[Severity, int] = {
    "info": 1,
    "low": 3,
    "medium": 5,
    "high": 8,
    "critical": 10,
}


@dataclass(frozen=True, slots=True)
class VerifiedAlert:
    """An alert whose envelope verified against the key registry."""

    alert: Alert
    key_id: str
    """Key id of the processor that signed it (`processor/<worker id>`)."""
    algorithm: str


@dataclass(frozen=True, slots=True)
class Event:
    """One alert in the destination's format."""

    body: bytes
    """A text line (CEF, LEEF) or a JSON object (ECS, OCSF, a Splunk HEC event)."""
    format: str
    severity: Severity
    time_us: int
    """When the alert was raised."""
    key: bytes
    """The alert's entity, the Kafka record key of a Kafka destination."""


def numeric_severity(severity: Severity) -> int:
    return _NUMERIC_SEVERITY[severity]


def iso_time(ts_us: int) -> str:
    """RFC 3339 in UTC with microseconds, as RFC 5424 and ECS's @timestamp take it."""
    # Integer arithmetic: a float of microseconds since 1970 can be a microsecond off.
    seconds, micros = divmod(ts_us, 1_000_000)
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def summary(alert: Alert) -> str:
    return f"{alert.kind} alert {alert.typology} on {alert.entity}"


def reasons_text(alert: Alert) -> str:
    return "; ".join(r.text for r in alert.reasons)
