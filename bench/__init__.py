"""Benchmarks that print figures as ratios against a baseline measured in the same run."""

from __future__ import annotations

__all__: list[str] = []
