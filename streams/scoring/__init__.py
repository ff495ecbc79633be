"""Scorers: what an input agent does with the records it verified."""

from __future__ import annotations

from streams.scoring.emit import Emitter, severity_for
from streams.scoring.telemetry import TelemetryScorer

__all__ = ["Emitter", "TelemetryScorer", "severity_for"]
