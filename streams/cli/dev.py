"""`qrstream dev ...`: the local Kafka broker for development and tests (see streams.devbroker)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import click

from streams.cli.app import pass_settings
from streams.devbroker import LocalBroker, tail_lines
from streams.devbroker.broker import STOP_TIMEOUT_S
from streams.settings import HEAP_PATTERN, Settings

__all__ = ["dev"]

# `systemctl status` and LSB init scripts use 3 for "not running", so scripts can test it.
NOT_RUNNING_EXIT = 3


def _progress(line: str) -> None:
    click.echo(line, err=True)


def _broker(settings: Settings, port: int | None = None, heap: str | None = None) -> LocalBroker:
    return LocalBroker(
        settings.var_dir,
        settings.cache_dir,
        port=port or settings.kafka_port,
        heap=heap or settings.kafka_heap,
        progress=_progress,
    )


@click.group()
def dev() -> None:
    """A real single-node Apache Kafka (KRaft) on 127.0.0.1 for development and tests.

    Jars come from Maven Central (deploy/kafka/pom.xml) into QR_CACHE_DIR/kafka; data, config,
    log and pid file live in QR_VAR_DIR/kafka.
    """


@dev.command()
@click.option("--offline", is_flag=True, help="Use only the local Maven repository (mvn -o).")
@pass_settings
def fetch(settings: Settings, offline: bool) -> None:
    """Resolve the Kafka jars only (nothing to do when the pom has not changed)."""
    broker = _broker(settings)
    libs = broker.resolve_jars(offline=offline)
    click.echo(f"Kafka {broker.kafka_version()} jars in {libs}")


@dev.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65534),
    help="Broker port; the controller takes port + 1 (env QR_KAFKA_PORT, default 9092).",
)
@click.option("--heap", help="JVM heap such as 512m or 1g (env QR_KAFKA_HEAP, default 1g).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds to wait until the broker answers.",
)
@pass_settings
def up(settings: Settings, port: int | None, heap: str | None, timeout: float) -> None:
    """Start the broker in the background (or find it running) and wait until it answers."""
    if heap is not None and not re.fullmatch(HEAP_PATTERN, heap):
        raise click.BadParameter("a JVM size such as 512m or 2g", param_hint="--heap")
    broker = _broker(settings, port, heap)
    pid, seconds = broker.start(timeout)
    if seconds is None:
        click.echo(f"Kafka already running: pid {pid}, bootstrap {broker.bootstrap}")
        return
    _progress(f"ready in {seconds:.1f} s")
    click.echo(f"Kafka {broker.kafka_version()} running: pid {pid}, bootstrap {broker.bootstrap}")


@dev.command()
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=STOP_TIMEOUT_S,
    show_default=True,
    help="Seconds to wait for a clean shutdown before SIGKILL.",
)
@pass_settings
def down(settings: Settings, timeout: float) -> None:
    """Stop the broker (a no-op when none runs); its data is kept."""
    pid = _broker(settings).stop(timeout)
    click.echo(f"Kafka stopped (pid {pid})" if pid is not None else "Kafka was not running")


@dev.command()
@pass_settings
@click.pass_context
def status(ctx: click.Context, settings: Settings) -> None:
    """Show whether the broker runs, its pid, bootstrap servers and number of topics.

    Exits with status 3 when it does not run.
    """
    state = _broker(settings).status()
    if not state.running:
        click.echo("Kafka not running")
        ctx.exit(NOT_RUNNING_EXIT)
    topics = "no answer" if state.topics is None else str(state.topics)
    click.echo(f"Kafka running: pid {state.pid}, bootstrap {state.bootstrap}, topics {topics}")


@dev.command()
@click.option(
    "-n",
    "--lines",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Lines to print.",
)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@pass_settings
def logs(settings: Settings, lines: int, follow: bool) -> None:
    """Print the end of the broker's log (QR_VAR_DIR/kafka/logs/server.out)."""
    path = _broker(settings).log_path
    if not path.exists():
        raise click.ClickException(f"no broker log at {path}; start one with `qrstream dev up`")
    for line in tail_lines(path, lines) if lines else []:
        click.echo(line)
    if follow:
        try:
            _follow(path)
        except KeyboardInterrupt:
            pass


def _follow(path: Path) -> None:
    at_end = True
    while True:
        with path.open(encoding="utf-8", errors="replace") as file:
            inode = os.fstat(file.fileno()).st_ino
            if at_end:
                file.seek(0, os.SEEK_END)
            pending = ""
            while True:
                pending += file.readline()
                if pending.endswith("\n"):
                    click.echo(pending[:-1])
                    pending = ""
                    continue
                # `up` moves the old log aside and starts a new file: follow that one.
                if path.exists() and path.stat().st_ino != inode:
                    break
                time.sleep(0.5)
        at_end = False
