"""Producer keys and the key registry (DESIGN.md section 5)."""

from __future__ import annotations

from streams.keys.model import KeyInfo, KeyResolver

__all__ = ["KeyInfo", "KeyResolver"]
