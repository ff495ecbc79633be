"""A record before it is signed (`Draft`), and the ground-truth label of an injected one.

Drafts carry their payload as a JSON-able dict in the schema of topics/messages
(`Transaction`, `TelemetryEvent`); the generator never builds pydantic models on the hot path,
the tests check that every payload validates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from topics.reasons import Reason

__all__ = ["AlertKind", "Craft", "Draft", "Label", "ScenarioInfo", "StreamName"]

StreamName = Literal["transactions", "telemetry"]
AlertKind = Literal["aml", "quantum", "integrity"]


class Craft(StrEnum):
    """How the signer spoils an integrity-scenario record, and the quarantine reason it earns."""

    FORGED = "forged"
    REPLAY = "replay"
    UNKNOWN_KEY = "unknown_key"

    @property
    def reason(self) -> Reason:
        return {
            Craft.FORGED: Reason.BAD_SIGNATURE,
            Craft.REPLAY: Reason.REPLAY,
            Craft.UNKNOWN_KEY: Reason.UNKNOWN_KEY,
        }[self]


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """One injected pattern: what should alert (typology, alert kind, entity) and how many
    records make it up."""

    sid: str
    typology: str
    kind: AlertKind
    # None for integrity scenarios on the producer's own key: the signer knows which key it is.
    entity: str | None
    events: int


@dataclass(frozen=True, slots=True)
class Label:
    scenario: ScenarioInfo
    role: str
    """target (the entity's own records), counterparty, history (backdated activity that
    makes the pattern possible), or crafted."""
    craft: Craft | None = None
    rogue_kid: str | None = None
    """Key id an UNKNOWN_KEY record is signed with (never registered)."""


@dataclass(slots=True)
class Draft:
    stream: StreamName
    key: str
    payload: dict[str, Any]
    ts_us: int
    """Event time: the payload's ts_us, or for an integrity record the start of its burst."""
    label: Label | None = None
