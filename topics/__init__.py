"""Topic specs and message schemas of qrstream (DESIGN.md section 6)."""

from __future__ import annotations

__all__: list[str] = []
