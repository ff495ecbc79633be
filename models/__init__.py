"""Online scoring models: features, rules and River model wrappers."""

from __future__ import annotations

__all__: list[str] = []
