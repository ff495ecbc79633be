"""`qrstream loadgen` (also `python -m loadgen`): signed synthetic traffic with labelled
scenarios and their ground truth, for throughput tests and detection evaluation (loadgen/)."""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import orjson
from pydantic import ValidationError

from loadgen.corpus import CorpusError
from loadgen.launch import Options, launch
from loadgen.runner import RunResult
from loadgen.traffic import TrafficConfig
from loadgen.worker import Mode
from streams import signing
from streams.errors import StreamsError
from streams.keys.store import KID_PATTERN
from streams.logs import configure_logging
from streams.settings import Settings

__all__ = ["loadgen"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TOPIC_PREFIX = re.compile(r"[A-Za-z0-9._-]*")


class ArgumentError(click.ClickException):
    """A bad argument: one line on stderr and exit status 2, without the usage text."""

    exit_code = 2


class OneLineErrors(click.Command):
    """Click's own argument errors shown the same way as `ArgumentError`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            raise ArgumentError(err.format_message()) from err


def _start_us(value: str) -> int:
    if value.lower() == "now":
        return int(time.time()) * 1_000_000
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ArgumentError(f"--start: {value!r} is not 'now' or an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _settings(ctx: click.Context) -> Settings:
    """The root group's settings, or our own when run as `python -m loadgen`."""
    found = ctx.find_object(Settings)
    if found is not None:
        return found
    try:
        # As the root group builds them; mypy's view of pydantic-settings wants every field.
        no_overrides: dict[str, Any] = {}
        settings = Settings(**no_overrides)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ArgumentError(f"invalid setting {where}: {first['msg']}") from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _mode(o: dict[str, Any]) -> Mode:
    """The mode the options ask for; contradictions are usage errors."""
    if o["count"] is not None and o["duration"] is not None:
        raise ArgumentError("give --count or --duration, not both")
    if o["corpus"] is not None and o["write_corpus"] is not None:
        raise ArgumentError("give --corpus or --write-corpus, not both")
    if not _TOPIC_PREFIX.fullmatch(o["topic_prefix"]):
        raise ArgumentError("--topic-prefix: only letters, digits, '.', '_' and '-'")
    if not KID_PATTERN.fullmatch(f"{o['key_prefix']}/p0"):
        raise ArgumentError(f"--key-prefix: {o['key_prefix']!r} does not make valid key ids")
    if o["corpus"] is not None:
        if not o["corpus"].is_file():
            raise ArgumentError(f"--corpus: no file {o['corpus']}")
        return "replay"
    if o["write_corpus"] is None:
        return "sign"
    if o["count"] is None and o["duration"] is None:
        raise ArgumentError("--write-corpus needs --count or --duration")
    if o["rate"] is not None:
        raise ArgumentError("--rate does not apply to --write-corpus, which signs at once")
    return "write"


def _options(settings: Settings, o: dict[str, Any]) -> Options:
    mode = _mode(o)
    traffic = None
    if mode != "replay":
        traffic = TrafficConfig(
            seed=o["seed"],
            start_us=_start_us(o["start"]),
            accounts=o["accounts"],
            telemetry_share=o["telemetry_share"],
            scenario_every=o["scenario_every"],
            key_prefix=o["key_prefix"],
        )
    return Options(
        mode=mode,
        processes=o["processes"],
        bootstrap=o["bootstrap"] or settings.bootstrap_servers,
        truth=o["truth"] or settings.var_dir / "loadgen" / "truth.jsonl",
        rate=o["rate"],
        count=o["count"],
        duration=o["duration"],
        traffic=traffic,
        ensure_keys=o["ensure_keys"],
        algorithm=o["alg"],
        truth_topic=o["truth_topic"],
        topic_prefix=o["topic_prefix"],
        corpus=o["corpus"] if mode == "replay" else o["write_corpus"],
    )


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.command(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-p", "--processes", type=click.IntRange(min=1), envvar="QR_LOADGEN_PROCESSES",
    show_envvar=True, show_default="one per core",
    help="Producer processes, each signing with its own key id PREFIX/pN.",
)  # fmt: skip
@click.option(
    "-r", "--rate", type=click.FloatRange(min=0, min_open=True), envvar="QR_LOADGEN_RATE",
    show_envvar=True, help="Records per second in all (default: as fast as possible).",
)  # fmt: skip
@click.option("-n", "--count", type=click.IntRange(min=1), help="Stop after this many records.")
@click.option(
    "-d", "--duration", type=click.FloatRange(min=0, min_open=True),
    help="Stop after this many seconds (without --count or --duration: at Ctrl-C).",
)  # fmt: skip
@click.option(
    "--seed", type=click.IntRange(min=0), default=1, show_default=True,
    envvar="QR_LOADGEN_SEED", show_envvar=True, help="The same seed gives the same records.",
)  # fmt: skip
@click.option(
    "--start", default="now", show_default=True, metavar="ISO|now",
    help="Event time of the first record (UTC unless it names an offset).",
)  # fmt: skip
@click.option(
    "--accounts", type=click.IntRange(min=500), default=20_000, show_default=True,
    envvar="QR_LOADGEN_ACCOUNTS", show_envvar=True, help="Size of the bank's customer base.",
)  # fmt: skip
@click.option(
    "--telemetry-share", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.3,
    show_default=True, help="Share of background records that are TLS/SSH handshakes.",
)  # fmt: skip
@click.option(
    "--scenario-every", type=click.IntRange(min=0), default=2_000, show_default=True,
    envvar="QR_LOADGEN_SCENARIO_EVERY", show_envvar=True,
    help="Background records between the starts of two injected scenarios (0: none).",
)  # fmt: skip
@click.option(
    "--key-prefix", default="loadgen", show_default=True, envvar="QR_LOADGEN_KEY_PREFIX",
    show_envvar=True, help="The processes sign as PREFIX/p0, PREFIX/p1, ...",
)  # fmt: skip
@click.option(
    "--ensure-keys", is_flag=True,
    help="Generate missing producer keys and publish them (needs the root key in the store).",
)  # fmt: skip
@click.option(
    "--alg", type=click.Choice(signing.MLDSA_ALGORITHMS), default=signing.DEFAULT_ALGORITHM,
    show_default=True, help="Algorithm of the keys that --ensure-keys generates.",
)  # fmt: skip
@click.option(
    "--truth", type=click.Path(dir_okay=False, path_type=Path), envvar="QR_LOADGEN_TRUTH",
    show_envvar=True, help="Ground-truth JSONL file (default QR_VAR_DIR/loadgen/truth.jsonl).",
)  # fmt: skip
@click.option("--truth-topic", help="Also produce the ground truth to this topic.")
@click.option(
    "--topic-prefix", default="", help="Prepended to the input topics (as topics create --prefix)."
)
@click.option(
    "--write-corpus", type=click.Path(dir_okay=False, path_type=Path),
    help="Sign into this corpus file instead of producing.",
)  # fmt: skip
@click.option(
    "--corpus", type=click.Path(dir_okay=False, path_type=Path),
    help="Produce the pre-signed records of this corpus file (generation options do not apply).",
)  # fmt: skip
@click.option("--bootstrap", help="Kafka bootstrap servers (default: settings, else dev broker).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def loadgen(ctx: click.Context, /, **o: Any) -> None:
    """Produce signed synthetic bank transactions and TLS/SSH telemetry, with injected AML,
    quantum-threat and integrity scenarios and their ground truth.

    Records are signed on the fly (one native batch call per batch, each process with its own
    key), or signed into a corpus file (--write-corpus) and produced later at rate (--corpus):
    signing and producing then do not share the cores. A corpus keeps the qr-ts of its
    signing, so replay it within QR_MAX_CLOCK_SKEW_S (300 s) of writing, and once per worker
    app id (a second time is all replays). Progress goes to stderr, the summary to stdout.
    """
    settings = _settings(ctx)
    options = _options(settings, o)
    try:
        result, described = launch(settings, options, _say)
    except (StreamsError, CorpusError) as err:
        raise click.ClickException(str(err)) from err
    _summarize(result, described, o["as_json"])
    if result.errors:
        sys.exit(1)


def _summarize(result: RunResult, described: dict[str, Any], as_json: bool) -> None:
    truth = result.truth
    summary = {
        **described,
        "processes": result.processes,
        "seconds": round(result.seconds, 3),
        "sent": result.sent,
        "delivered": result.delivered,
        "errors": result.errors,
        "first_error": result.first_error(),
        "records_per_s": round(result.rate, 1),
        "transactions": result.total("transactions"),
        "telemetry": result.total("telemetry"),
        "injected": result.total("injected"),
        "crafted": result.total("crafted"),
        "interrupted": result.interrupted,
        "truth": str(truth.path) if truth else None,
        "scenarios": truth.scenarios if truth else None,
        "scenarios_by_typology": truth.by_typology if truth else None,
    }
    if as_json:
        click.echo(orjson.dumps(summary).decode())
        return
    line = (
        f"loadgen: {described['how']}: sent {result.sent:,} records in {result.seconds:.1f} s "
        f"= {result.rate:,.0f}/s with {result.processes} process(es); delivered "
        f"{result.delivered:,}, errors {result.errors:,}"
    )
    if truth is not None:
        line += (
            f"; {summary['injected']:,} injected records in {truth.scenarios} complete "
            f"scenarios ({summary['crafted']:,} crafted to be quarantined); ground truth "
            f"{truth.path}"
        )
    if result.first_error():
        line += f"; first error: {result.first_error()}"
    if result.interrupted:
        line += "; stopped by Ctrl-C"
    click.echo(line)
