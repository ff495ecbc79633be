"""The Faust baseline of the pipeline benchmark: agents on the input topics that take batches
exactly like a worker's (same app settings, batch size and window) and only count them.

Run as `python -m bench.passthrough --metrics-port PORT` with the worker's QR_* environment.
"""

from __future__ import annotations

from typing import Any, cast

import click
import faust
from faust import Stream
from faust.types import StreamT

from streams import metrics
from streams.app import faust_app
from streams.settings import Settings
from topics.specs import TELEMETRY, TRANSACTIONS

__all__ = ["main"]


def _counting_agent(app: faust.App, settings: Settings, topic: str) -> None:
    async def count(stream: StreamT[Any]) -> None:
        batches = cast(Stream[bytes], stream).take_events(
            settings.batch_max, within=settings.batch_within_s
        )
        async for events in batches:
            metrics.RECORDS_IN.labels(topic).inc(len(events))

    count.__qualname__ = count.__name__ = f"pass-{topic}"
    app.agent(app.topic(topic, key_serializer="raw", value_serializer="raw"), name=count.__name__)(
        count
    )


@click.command()
@click.option("--metrics-port", type=int, required=True)
def main(metrics_port: int) -> None:
    from_env: dict[str, Any] = {}  # mypy's view of pydantic-settings wants every field
    settings = Settings(**from_env)
    app = faust_app(settings, "passthrough", "memory://")
    for topic in (TRANSACTIONS, TELEMETRY):
        _counting_agent(app, settings, topic)
    metrics.serve_metrics(metrics_port)
    faust.Worker(app, loglevel="info").execute_from_commandline()


if __name__ == "__main__":
    main()
