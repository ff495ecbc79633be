"""`qrstream topics ...`: create, describe and delete the Kafka topics of topics/specs.py, and
regenerate the JSON Schema files of their messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click

from streams.cli.app import pass_settings
from streams.kafka_admin import DEFAULT_TIMEOUT_S, CreateResult, TopicAdmin
from streams.kafka_config import librdkafka_config
from streams.settings import Settings
from topics.schema_files import SCHEMA_DIR, stale_schema_files, write_schema_files
from topics.specs import ALL_TOPICS, topic_specs

__all__ = ["topics"]

F = TypeVar("F", bound=Callable[..., Any])


def _check_prefix(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._-]*", value):
        raise click.BadParameter("only letters, digits, '.', '_' and '-' may be in a topic name")
    return value


def _connection_options(func: F) -> F:
    options = (
        click.option(
            "--bootstrap",
            metavar="HOST:PORT[,...]",
            help="Kafka bootstrap servers (env QR_KAFKA_BOOTSTRAP or KAFKA_BOOTSTRAP; default "
            "the local dev broker on 127.0.0.1:QR_KAFKA_PORT).",
        ),
        click.option(
            "--prefix",
            default="",
            callback=_check_prefix,
            help="Prepended to every topic name, for private sets of topics in tests.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=DEFAULT_TIMEOUT_S,
            show_default=True,
            help="Seconds to wait for each answer from Kafka.",
        ),
    )
    for option in reversed(options):
        func = option(func)
    return func


def _admin(settings: Settings, bootstrap: str | None, timeout: float) -> TopicAdmin:
    return TopicAdmin(bootstrap or settings.bootstrap_servers, timeout, librdkafka_config(settings))


@click.group()
def topics() -> None:
    """The Kafka topics of qrstream (topics/specs.py) and the JSON Schemas of their messages."""


@topics.command()
@_connection_options
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    help="Partitions of every topic but qr.keys (env QR_TOPIC_PARTITIONS, default 6).",
)
@click.option(
    "--replication-factor",
    type=click.IntRange(min=1),
    help="Replicas of every topic (env QR_TOPIC_REPLICATION_FACTOR, default 1).",
)
@click.option(
    "--alter-config",
    is_flag=True,
    help="Also set the configs of existing topics that differ from the spec.",
)
@pass_settings
def create(
    settings: Settings,
    bootstrap: str | None,
    prefix: str,
    timeout: float,
    partitions: int | None,
    replication_factor: int | None,
    alter_config: bool,
) -> None:
    """Create the topics that are missing and report what happened to each.

    Idempotent: an existing topic that matches its spec is left alone; one with fewer
    partitions than wanted gets more; other differences are reported and, with --alter-config,
    configs are set to the spec.
    """
    specs = topic_specs(
        partitions or settings.topic_partitions,
        replication_factor or settings.topic_replication_factor,
        prefix,
    )
    results = _admin(settings, bootstrap, timeout).create(specs, alter_config)
    by_name = {spec.name: spec for spec in specs}
    for result in results:
        spec = by_name[result.name]
        click.echo(_describe_result(result, spec.partitions, spec.replication_factor))


def _describe_result(result: CreateResult, partitions: int, replication: int) -> str:
    line = f"{result.name}: {result.status}"
    if result.status == "created":
        return f"{line} ({partitions} partitions, replication factor {replication})"
    if result.changes:
        line += f": {'; '.join(result.changes)}"
    differences = result.differences + result.config_differences
    if differences:
        line += f"; differs from spec: {'; '.join(differences)}"
    if result.config_differences:
        line += " (--alter-config sets the configs)"
    return line


@topics.command()
@_connection_options
@click.option("--json", "as_json", is_flag=True, help="One JSON document for scripts.")
@pass_settings
def describe(
    settings: Settings, bootstrap: str | None, prefix: str, timeout: float, as_json: bool
) -> None:
    """Show partitions, replication factor and non-default configs of every topic."""
    infos = _admin(settings, bootstrap, timeout).describe([prefix + name for name in ALL_TOPICS])
    if as_json:
        click.echo(json.dumps([asdict(info) for info in infos]))
        return
    for info in infos:
        if not info.exists:
            click.echo(f"{info.name}: missing")
            continue
        click.echo(
            f"{info.name}: {info.partitions} partitions, "
            f"replication factor {info.replication_factor}"
        )
        for key, value in info.config.items():
            click.echo(f"  {key}={value}")


@topics.command()
@_connection_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
def delete(
    settings: Settings, bootstrap: str | None, prefix: str, timeout: float, yes: bool
) -> None:
    """Delete every topic with all its records (topics that do not exist are skipped)."""
    admin = _admin(settings, bootstrap, timeout)
    names = [prefix + name for name in ALL_TOPICS]
    if not yes:
        click.confirm(
            f"Delete {', '.join(names)} on {admin.bootstrap} with all their records?", abort=True
        )
    for result in admin.delete(names):
        click.echo(f"{result.name}: {result.status}")


@topics.command()
@click.option("--check", is_flag=True, help="Only check; exit 1 when a file is out of date.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=SCHEMA_DIR,
    show_default=True,
    help="Directory of the *.schema.json files.",
)
def schemas(check: bool, out: Path) -> None:
    """Regenerate the JSON Schema files of every message from the pydantic models."""
    if check:
        stale = stale_schema_files(out)
        if stale:
            raise click.ClickException(
                f"out of date in {out}: {', '.join(stale)}; run `qrstream topics schemas`"
            )
        click.echo(f"schema files in {out} are up to date")
        return
    changed = write_schema_files(out)
    for name in changed:
        click.echo(f"updated {out / name}")
    if not changed:
        click.echo(f"schema files in {out} are up to date")
