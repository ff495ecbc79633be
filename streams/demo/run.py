"""The demo, step by step: local broker, topics and keys, worker(s) and the ClickHouse sink,
loadgen with every typology injected, a drained pipeline, a report, a clean stop.

Each run gets its own app id (consumer group, internal topics, worker state), so a second run
never replays or mixes the first one's records; the embedded ClickHouse tables are emptied at
the start so that the report covers this run only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streams.demo.children import Child, ChildFailed, scrape, total
from streams.demo.offsets import start_at_end
from streams.devbroker import LocalBroker
from streams.kafka_config import librdkafka_config
from streams.report.build import Report, build_report
from streams.settings import Settings
from streams.sinks.clickhouse import connect
from streams.sinks.sink import sink_group
from topics.specs import ALERTS, FEEDBACK, QUARANTINE, SCORES, TELEMETRY, TRANSACTIONS

__all__ = ["DEMO_PASSPHRASE", "DemoConfig", "run_demo"]

# The demo's key store is throwaway; a real deployment sets QR_KEY_PASSPHRASE.
DEMO_PASSPHRASE = "qrstream demo only - not a secret"  # noqa: S105
TABLES = ("alerts", "scores", "quarantine", "crypto_inventory")
READY_TIMEOUT_S = 120.0
DRAIN_TIMEOUT_S = 600.0
QUIET_S = 5.0  # neither workers nor sink moved for this long: the pipeline has drained
# One producer process: on 2 cores the broker, worker and sink need the rest.
LOADGEN_KID = "loadgen/p0"
# Background records between two injected scenarios: every typology several times a minute.
SCENARIO_EVERY = 400

Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoConfig:
    duration_s: float = 60.0
    rate: float = 500.0
    workers: int = 1
    seed: int = 7
    metrics_port: int = 9400  # workers take this port and the next ones, the sink the one after


@dataclass(frozen=True)
class Run:
    run_id: str
    dir: Path
    env: dict[str, str]

    @property
    def truth(self) -> Path:
        return self.dir / "truth.jsonl"

    def qrstream(self, *args: str) -> str:
        """One short `qrstream` command; its one-line error becomes ours."""
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "streams", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            raise ChildFailed(f"qrstream {' '.join(args)}: {lines[-1] if lines else 'failed'}")
        return result.stdout


def new_run(settings: Settings, bootstrap: str, kind: str = "demo") -> Run:
    run_id = datetime.now(UTC).strftime(f"{kind}-%Y%m%d-%H%M%S")
    var = settings.var_dir.resolve()
    keys_dir = settings.keys_dir.resolve()
    passphrase = settings.key_passphrase
    env = {
        "QR_VAR_DIR": str(var),
        "QR_KEYS_DIR": str(keys_dir),
        "QR_KEY_PASSPHRASE": passphrase.get_secret_value() if passphrase else DEMO_PASSPHRASE,
        "QR_ROOT_PUBLIC_KEY_FILE": str(keys_dir / "root.public.pem"),
        "QR_KAFKA_BOOTSTRAP": bootstrap,
        "QR_APP_ID": run_id,
    }
    run = Run(run_id, var / kind / run_id, env)
    run.dir.mkdir(parents=True, exist_ok=True)
    return run


@contextmanager
def kafka(settings: Settings, say: Say) -> Iterator[str]:
    """The configured Kafka, or the local dev broker (stopped again if the demo started it)."""
    if settings.kafka_bootstrap:
        yield settings.kafka_bootstrap
        return
    broker = LocalBroker(
        settings.var_dir, settings.cache_dir, port=settings.kafka_port, heap=settings.kafka_heap
    )
    pid, took = broker.start()
    say(
        f"kafka: local broker {'started' if took else 'already running'} (pid {pid}) on "
        f"{broker.bootstrap}"
    )
    try:
        yield broker.bootstrap
    finally:
        if took is not None:
            broker.stop()
            say("kafka: local broker stopped")


def prepare(
    run: Run, worker_ids: list[str], say: Say, producers: Sequence[str] = (LOADGEN_KID,)
) -> None:
    """Topics, the root key, and the processor and producer keys published before any worker
    starts (a worker re-reads the registry only every QR_REGISTRY_REFRESH_S)."""
    run.qrstream("topics", "create")
    keys_dir = Path(run.env["QR_KEYS_DIR"])
    stored = {str(m["kid"]) for m in orjson.loads(run.qrstream("keys", "list", "--json"))}
    if "root" not in stored:
        run.qrstream("keys", "generate", "--root")
    run.qrstream("keys", "export-public", "root", "--out", run.env["QR_ROOT_PUBLIC_KEY_FILE"])
    kids = [f"processor/{w}" for w in worker_ids] + list(producers)
    for kid in kids:
        if kid not in stored:
            run.qrstream("keys", "generate", kid)
    run.qrstream("keys", "publish", *kids)
    say(f"topics created, keys ready in {keys_dir} (root, {', '.join(kids)})")


def clear_tables(settings: Settings, say: Say) -> None:
    with connect(settings) as ch:
        for table in TABLES:
            ch.command(f"TRUNCATE TABLE IF EXISTS qrstream.{table}")
    say(f"clickhouse: embedded tables in {settings.var_dir / 'clickhouse'} emptied for this run")


@dataclass
class Pipeline:
    workers: list[Child]
    worker_ports: list[int]
    sink: Child
    sink_port: int

    def progress(self) -> tuple[float, float, float]:
        """Records the workers took in, and alerts and rows the sink read, so far."""
        taken = sum(total(scrape(p), "qrstream_records_in_total") for p in self.worker_ports)
        sink = scrape(self.sink_port)
        return (
            taken,
            total(sink, "qrstream_sink_records_in_total"),
            total(sink, "qrstream_sink_rows_inserted_total"),
        )


def _stop(child: Child, say: Say) -> None:
    say(f"{child.name} stopped (exit status {child.stop()})")


def start_pipeline(stack: ExitStack, run: Run, config: DemoConfig, say: Say) -> Pipeline:
    """The sink, then the workers; each is stopped (SIGTERM, clean) when `stack` closes."""
    sink_port = config.metrics_port + config.workers
    sink = Child(
        "sink", ["streams", "sink", "--metrics-port", str(sink_port)], run.env, run.dir / "sink.log"
    )
    stack.callback(_stop, sink, say)
    workers: list[Child] = []
    ports: list[int] = []
    for n in range(config.workers):
        worker_id, port = f"w{n + 1}", config.metrics_port + n
        worker = Child(
            f"worker {worker_id}",
            ["streams", "worker", "--worker-id", worker_id, "--metrics-port", str(port)],
            run.env,
            run.dir / f"worker-{worker_id}.log",
        )
        stack.callback(_stop, worker, say)
        workers.append(worker)
        ports.append(port)
    sink.wait_for(b"assigned", READY_TIMEOUT_S)
    for worker in workers:
        worker.wait_for(b"[^Worker]: Ready", READY_TIMEOUT_S)
    say(f"pipeline up: {config.workers} worker(s), sink; logs in {run.dir}")
    return Pipeline(workers, ports, sink, sink_port)


def drain(pipeline: Pipeline, say: Say) -> None:
    """Waits until workers and sink stop moving (all input scored, all output stored)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    last, quiet_since = pipeline.progress(), time.monotonic()
    while time.monotonic() - quiet_since < QUIET_S:
        if time.monotonic() > deadline:
            raise ChildFailed(f"the pipeline did not drain in {DRAIN_TIMEOUT_S:.0f} s")
        for child in (*pipeline.workers, pipeline.sink):
            if not child.running:
                raise ChildFailed(
                    f"{child.name} exited: {child.last_line()} (log: {child.log_path})"
                )
        time.sleep(1.0)
        now = pipeline.progress()
        if now != last:
            say(f"draining: workers took {now[0]:,.0f} records, sink stored {now[2]:,.0f} rows")
            last, quiet_since = now, time.monotonic()


def run_loadgen(run: Run, config: DemoConfig, say: Say) -> dict[str, Any]:
    """Loadgen in the foreground (its progress lines go straight to stderr); its summary."""
    args = [
        "loadgen", "--processes", "1", "--rate", str(config.rate),
        "--duration", str(config.duration_s), "--seed", str(config.seed),
        "--scenario-every", str(SCENARIO_EVERY), "--truth", str(run.truth), "--json",
    ]  # fmt: skip
    say(f"loadgen: {config.duration_s:.0f} s at {config.rate:,.0f} records/s, truth in {run.truth}")
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "streams", *args],
        env={**os.environ, **run.env},
        stdout=subprocess.PIPE,
        check=False,
    )
    if result.returncode != 0:
        raise ChildFailed(f"loadgen exited with status {result.returncode}")
    summary: dict[str, Any] = orjson.loads(result.stdout.strip().splitlines()[-1])
    return summary


def run_demo(settings: Settings, config: DemoConfig, say: Say) -> Report:
    with kafka(settings, say) as bootstrap:
        run = new_run(settings, bootstrap)
        say(f"run {run.run_id}: {config.duration_s:.0f} s of traffic at {config.rate:,.0f}/s")
        prepare(run, [f"w{n + 1}" for n in range(config.workers)], say)
        embedded = settings.model_copy(update={"clickhouse_url": None})
        clear_tables(embedded, say)
        client_config = librdkafka_config(settings)
        start_at_end(bootstrap, run.run_id, (TRANSACTIONS, TELEMETRY, FEEDBACK), client_config)
        start_at_end(bootstrap, sink_group(run.run_id), (ALERTS, SCORES, QUARANTINE), client_config)
        with ExitStack() as stack:
            pipeline = start_pipeline(stack, run, config, say)
            run_loadgen(run, config, say)
            drain(pipeline, say)
        report_dir = settings.var_dir.resolve() / "reports" / run.run_id
        with connect(embedded) as ch:
            return build_report(ch, report_dir, run.truth)
