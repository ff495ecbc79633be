"""`qrstream replay` (also `qrstream ingest replay`): a labelled transaction CSV, mapped to our
schema, signed and published to qr.transactions (streams/ingest/csv_replay.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import IO, get_args

import click

from streams.cli.app import pass_settings
from streams.cli.publishing import (
    bootstrap_option,
    check_id,
    print_json_lines,
    publish_signed,
    timeout_option,
)
from streams.ingest.csv_map import FIELDS, PRESETS, ColumnMap, Defaults
from streams.ingest.csv_replay import CsvReplay, Pacer, ReplayStats, load_account_labels
from streams.settings import Settings
from topics.messages.transaction import Channel
from topics.specs import TRANSACTIONS

__all__ = ["replay"]


def _describe(s: ReplayStats) -> str:
    return f"{s.rows} rows, {s.events} events ({s.positives} of {s.labelled} labelled positive)"


def _parse_map(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    out = {}
    for item in values:
        field, sep, column = item.partition("=")
        if not sep or field.strip() not in FIELDS:
            raise click.BadParameter(f"{item!r} is not FIELD=COLUMN, FIELD one of {FIELDS}")
        out[field.strip()] = column
    return out


def _start_us(text: str) -> int:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1_000_000)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--preset", type=click.Choice(sorted(PRESETS)), help="A public dataset's layout.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    callback=_parse_map,
    metavar="FIELD=COLUMN",
    help=f"Column of an event field (repeatable; overrides the preset). Fields: "
    f"{', '.join(FIELDS)}. COLUMN may be A+B to join two columns with '-'; a repeated column "
    "name is NAME.1 the second time; FIELD= drops a preset's column.",
)
@click.option(
    "--step-seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Length of one `step` (default 3600).",
)
@click.option(
    "--start",
    default="1970-01-01T00:00:00+00:00",
    show_default=True,
    help="ISO 8601 time of step 0.",
)
@click.option("--currency", help="ISO 4217 code for data without a currency column.")
@click.option("--channel", type=click.Choice(get_args(Channel)), help="Rail for data without one.")
@click.option("--country", help="ISO 3166 alpha-2 code for data without bank locations.")
@click.option(
    "--account-labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of per-account labels (columns account, label 0/1, optional typology): a "
    "transaction is positive when its sender is.",
)
@click.option(
    "--labels-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ground truth as JSON lines (default QR_VAR_DIR/replay/FILE.labels.jsonl).",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    help="Pace by the data's timestamps, this many times faster than real time (default: as "
    "fast as possible).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Replay only the first N rows.")
@click.option(
    "--key-id",
    callback=check_id,
    help="Signing key in the key store (QR_KEYS_DIR, QR_KEY_PASSPHRASE), e.g. replay/p1; "
    "one per replaying process. Required unless --dry-run.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write the transactions as JSON lines to stdout; nothing is signed or sent.",
)
@bootstrap_option
@timeout_option
@pass_settings
def replay(
    settings: Settings,
    file: Path,
    preset: str | None,
    mapping: dict[str, str],
    step_seconds: float | None,
    start: str,
    currency: str | None,
    channel: Channel | None,
    country: str | None,
    account_labels: Path | None,
    labels_out: Path | None,
    speed: float | None,
    limit: int | None,
    key_id: str | None,
    dry_run: bool,
    bootstrap: str | None,
    timeout: float,
) -> None:
    """Replay a transaction CSV (plain or gzip) onto qr.transactions.

    Each row becomes one Transaction keyed by its sender account, with an event id derived
    from the file name and row number (the same on every run). Labels (a label column or
    --account-labels) go to --labels-out for `qrstream eval`. Progress goes to stderr once a
    second, then a totals line; rows that make no valid transaction are counted and skipped.
    """
    if not dry_run and key_id is None:
        raise click.UsageError("--key-id is required unless --dry-run")
    try:
        start_us = _start_us(start)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--start") from err
    defaults = Defaults(
        currency=currency.upper() if currency else None,
        channel=channel,
        country=country.upper() if country else None,
        step_s=step_seconds or Defaults.step_s,
        start_us=start_us,
    )
    columns = ColumnMap.build(preset, mapping, defaults)
    labels = load_account_labels(account_labels) if account_labels is not None else None
    run = CsvReplay(
        file,
        columns,
        account_labels=labels,
        pacer=Pacer(speed) if speed is not None else None,
        limit=limit,
    )
    run.check()  # before the labels file of an earlier run is overwritten
    out_path = labels_out or settings.var_dir / "replay" / f"{file.name}.labels.jsonl"
    out: IO[bytes] | None = None
    if columns.labelled or labels is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out = run.labels_out = out_path.open("wb")
    lost = 0
    try:
        if dry_run or key_id is None:
            print_json_lines(
                (m.transaction.model_dump(mode="json") for m in run.events()),
                lambda: _describe(run.stats),
            )
            outcome = "written to stdout"
        else:
            records = (
                (m.transaction.sender_account, m.transaction.model_dump(mode="json"))
                for m in run.events()
            )
            delivered, lost = publish_signed(
                settings, key_id, bootstrap, timeout, TRANSACTIONS, records,
                lambda: _describe(run.stats),
            )  # fmt: skip
            outcome = f"{delivered} delivered to {TRANSACTIONS} signed by {key_id}"
            if lost:
                outcome += f", {lost} NOT delivered"
    finally:
        if out is not None:
            out.close()
    stats = run.stats
    truth = f"; labels in {out_path}" if out is not None else ""
    click.echo(f"{_describe(stats)}, {stats.invalid} invalid; {outcome}{truth}", err=True)
    if stats.invalid_example:
        click.echo(f"first invalid row: {stats.invalid_example}", err=True)
    if lost:
        raise click.ClickException(f"{lost} transactions were not delivered (see the log above)")
