"""`python -m loadgen` is `qrstream loadgen`."""

from __future__ import annotations

from streams.cli.loadgen import loadgen

loadgen.main(prog_name="python -m loadgen")
