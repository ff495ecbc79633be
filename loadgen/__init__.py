"""Signed load generator with labelled scenarios."""

from __future__ import annotations

__all__: list[str] = []
