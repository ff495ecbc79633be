"""Faust agents of the qrstream worker."""

from __future__ import annotations

from streams.agents.inputs import InputAgent, VerifiedBatch, route_verdicts

__all__ = ["InputAgent", "VerifiedBatch", "route_verdicts"]
