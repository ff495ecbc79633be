"""Signed load generator with labelled scenarios (`qrstream loadgen`, `python -m loadgen`).

The traffic (`traffic.Traffic`) is a seeded population (`population`, `network`) making
background payments and handshakes (`banking`, `telemetry`) block by block on a simulated clock
(`timeline`), with injected scenarios (`plan`, `scenarios/`). Processes sign it (`signer`) and
produce it (`sink`) or write a corpus (`corpus`), rate-limited (`ratelimit`), with the ground
truth (`truth`); `launch` and `runner` run them.
"""

from __future__ import annotations

__all__: list[str] = []
