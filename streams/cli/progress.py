"""The status line of long CLI jobs (ingest, replay): on stderr, at most once per
`PROGRESS_INTERVAL_S`, with the producer's delivered count when there is a producer."""

from __future__ import annotations

import time
from collections.abc import Callable

import click

__all__ = ["PROGRESS_INTERVAL_S", "Progress"]

PROGRESS_INTERVAL_S = 1.0


class Progress:
    def __init__(self, describe: Callable[[], str], delivered: Callable[[], int] | None) -> None:
        self.describe = describe
        self.delivered = delivered
        self._last = time.monotonic()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            click.echo(f"  {self.line()}", err=True)

    def line(self) -> str:
        text = self.describe()
        if self.delivered is not None:
            text += f", {self.delivered()} delivered"
        return text
