"""`qrstream`: the one command-line entry point, with a subcommand per job."""

from __future__ import annotations

import sys

import click
from pydantic import ValidationError

from streams.cli.app import cli
from streams.cli.bench import bench
from streams.cli.demo import demo
from streams.cli.dev import dev
from streams.cli.eval import eval_command
from streams.cli.ingest import ingest
from streams.cli.keys import keys
from streams.cli.loadgen import loadgen
from streams.cli.replay import replay
from streams.cli.report import report
from streams.cli.siem import siem
from streams.cli.sink import sink
from streams.cli.topics import topics
from streams.cli.version import version
from streams.cli.worker import worker

__all__ = ["cli", "main"]

cli.add_command(version)
cli.add_command(bench)
cli.add_command(demo)
cli.add_command(dev)
cli.add_command(ingest)
cli.add_command(keys)
cli.add_command(report)
cli.add_command(siem)
cli.add_command(sink)
cli.add_command(topics)
cli.add_command(worker)
cli.add_command(loadgen)
ingest.add_command(replay)
cli.add_command(replay)
cli.add_command(eval_command)


def main() -> None:
    """Console-script entry: bad settings give one clear line and exit status 2."""
    try:
        cli.main(prog_name="qrstream", standalone_mode=True)
    except ValidationError as err:
        first = err.errors()[0]
        if first["loc"]:
            where = ".".join(str(p) for p in first["loc"])
            click.echo(f"Error: invalid setting {where}: {first['msg']}", err=True)
        else:  # a check across settings: its own message names them, without "Value error, "
            reason = first.get("ctx", {}).get("error", first["msg"])
            click.echo(f"Error: invalid settings: {reason}", err=True)
        sys.exit(2)
