"""The root `qrstream` group: builds the settings once and turns our own errors into one
line on stderr instead of a traceback."""

from __future__ import annotations

from typing import Any

import click

from streams.errors import StreamsError
from streams.logs import configure_logging
from streams.settings import Settings

__all__ = ["QrGroup", "cli", "pass_settings"]

pass_settings = click.make_pass_decorator(Settings)


class QrGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StreamsError as err:
            raise click.ClickException(str(err)) from err


@click.group(cls=QrGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="Log level (env QR_LOG_LEVEL, default INFO).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="text for people, json for log shippers (env QR_LOG_FORMAT, default text).",
)
@click.pass_context
def cli(ctx: click.Context, log_level: str | None, log_format: str | None) -> None:
    """QuantumResilient Stream: post-quantum authenticated stream processing for AML and
    quantum-threat detection.

    Every setting comes from QR_* environment variables; flags override them.
    """
    overrides: dict[str, Any] = {}
    if log_level:
        overrides["log_level"] = log_level.upper()
    if log_format:
        overrides["log_format"] = log_format
    settings = Settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    ctx.obj = settings
