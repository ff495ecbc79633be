"""The end-to-end pipeline benchmark: one pre-signed loadgen corpus consumed by (a) a plain
confluent-kafka consumer, (b) a pass-through Faust agent, (c) a verify-only worker and (d) a
full worker with the ClickHouse sink, each from a backlog, each with its own consumer group;
then the producer-to-alert latency with loadgen signing live at half of (d)'s rate.

Every stage reads the same records from the same broker on the same machine in one run, so
the ratios to (a) say what each layer costs. The corpus is replayed for every stage, which is
why the stages accept qr-ts up to an hour old (QR_MAX_CLOCK_SKEW_S).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

from confluent_kafka import Consumer

from streams.demo.children import Child, ChildFailed, scrape, total
from streams.demo.offsets import start_at_end
from streams.demo.run import DemoConfig, Run, drain, kafka, new_run, prepare, start_pipeline
from streams.kafka_config import librdkafka_config
from streams.report.data import LatencyQuantiles, load_run
from streams.settings import Settings
from streams.sinks.clickhouse import connect
from streams.sinks.sink import sink_group
from topics.specs import ALERTS, FEEDBACK, QUARANTINE, SCORES, TELEMETRY, TRANSACTIONS

__all__ = ["PipelineBenchConfig", "PipelineBenchResult", "format_result", "run_pipeline_bench"]

INPUTS = (TRANSACTIONS, TELEMETRY)
STAGE_TIMEOUT_S = 900.0
READY_TIMEOUT_S = 120.0
# Target of DESIGN.md section 8 on this 2-core machine.
TARGET_RATE = 10_000
TARGET_P99_MS = 35.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class PipelineBenchConfig:
    count: int = 40_000
    processes: int = 2
    seed: int = 3
    latency_s: float = 20.0
    metrics_port: int = 9450
    # Workers of stages (c), (d) and the latency run (one consumer group); (b) is one process.
    workers: int = 1


@dataclass(frozen=True)
class StageResult:
    name: str
    records: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass
class PipelineBenchResult:
    stages: list[StageResult] = field(default_factory=list)
    latency_rate: float = 0.0
    latency: dict[str, LatencyQuantiles] = field(default_factory=dict)


def _loadgen(run: Run, *args: str) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "streams", "loadgen", *args, "--json"],
        env={**os.environ, **run.env},
        stdout=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        raise ChildFailed(f"loadgen {' '.join(args)} exited with status {result.returncode}")


def _timed(progress: Callable[[], float], done: Callable[[float], bool]) -> float:
    """Seconds from the first record counted by `progress` until `done` holds."""
    deadline = time.monotonic() + STAGE_TIMEOUT_S
    started: float | None = None
    while time.monotonic() < deadline:
        value = progress()
        now = time.monotonic()
        if started is None and value > 0:
            started = now
        if started is not None and done(value):
            return now - started
        time.sleep(0.1)
    raise ChildFailed(f"a benchmark stage did not finish in {STAGE_TIMEOUT_S:.0f} s")


def _stage_run(run: Run, name: str) -> Run:
    """A stage of its own: consumer group and internal topics (app id) and state directory."""
    stage_id = f"{run.run_id}-{name}"
    stage_dir = run.dir / name
    stage_dir.mkdir(parents=True, exist_ok=True)
    env = {**run.env, "QR_APP_ID": stage_id, "QR_VAR_DIR": str(stage_dir / "var")}
    return replace(run, run_id=stage_id, dir=stage_dir, env=env)


def _backlog(
    run: Run,
    stage: Run,
    corpus: str,
    groups: Mapping[str, tuple[str, ...]],
    kafka_config: Mapping[str, str],
) -> None:
    """Positions the stage's groups at the end of their topics, then replays the corpus, so
    that each stage consumes exactly the corpus, from a backlog."""
    bootstrap = run.env["QR_KAFKA_BOOTSTRAP"]
    for group, topics in groups.items():
        start_at_end(bootstrap, group, topics, kafka_config)
    _loadgen(stage, "--corpus", corpus)


def _plain_consumer(
    run: Run, corpus: str, count: int, kafka_config: Mapping[str, str]
) -> StageResult:
    stage = _stage_run(run, "a-consume")
    group = f"{stage.run_id}-{uuid.uuid4().hex[:6]}"
    _backlog(run, stage, corpus, {group: INPUTS}, kafka_config)
    consumer = Consumer(
        {**kafka_config, "bootstrap.servers": run.env["QR_KAFKA_BOOTSTRAP"], "group.id": group,
         "enable.auto.commit": False, "fetch.max.bytes": 64 << 20}
    )  # fmt: skip
    consumer.subscribe(list(INPUTS))
    seen = 0

    def progress() -> float:
        nonlocal seen
        seen += sum(1 for m in consumer.consume(2000, timeout=0.2) if m.error() is None)
        return seen

    try:
        seconds = _timed(progress, lambda n: n >= count)
    finally:
        consumer.close()
    return StageResult("(a) confluent-kafka consumer", count, seconds)


def _faust_stage(
    stack: ExitStack,
    run: Run,
    corpus: str,
    count: int,
    name: str,
    title: str,
    commands: list[list[str]],
    port: int,
    kafka_config: Mapping[str, str],
) -> StageResult:
    """One process per command (one consumer group), timed by their summed input counters."""
    stage = _stage_run(run, name)
    _backlog(run, stage, corpus, {stage.run_id: (*INPUTS, FEEDBACK)}, kafka_config)
    children, ports = [], [port + n for n in range(len(commands))]
    for n, (args, metrics_port) in enumerate(zip(commands, ports, strict=True)):
        child = Child(
            f"{name}-{n + 1}",
            [*args, "--metrics-port", str(metrics_port)],
            stage.env,
            stage.dir / f"{name}-{n + 1}.log",
        )
        stack.callback(child.stop)
        children.append(child)
    for child in children:
        child.wait_for(b"[^Worker]: Ready", READY_TIMEOUT_S)
    seconds = _timed(
        lambda: sum(total(scrape(p), "qrstream_records_in_total") for p in ports),
        lambda n: n >= count,
    )
    for child in children:
        child.stop()
    return StageResult(title, count, seconds)


def _full_stage(
    run: Run,
    config: PipelineBenchConfig,
    corpus: str,
    port: int,
    say: Say,
    kafka_config: Mapping[str, str],
) -> StageResult:
    count = config.count
    stage = _stage_run(run, "d-full")
    _backlog(
        run,
        stage,
        corpus,
        {stage.run_id: (*INPUTS, FEEDBACK), sink_group(stage.run_id): (ALERTS, SCORES, QUARANTINE)},
        kafka_config,
    )
    with ExitStack() as stack:
        pipeline = start_pipeline(
            stack, stage, DemoConfig(workers=config.workers, metrics_port=port), say
        )

        def workers(metric: str) -> float:
            return sum(total(scrape(p), metric) for p in pipeline.worker_ports)

        def progress() -> float:
            return workers("qrstream_records_in_total")

        def stored() -> bool:
            sink = scrape(pipeline.sink_port)
            accepted = workers("qrstream_records_accepted_total")
            rows = sink.get('qrstream_sink_rows_inserted_total{table="qrstream.scores"}', 0.0)
            return progress() >= count and rows >= accepted

        seconds = _timed(progress, lambda _n: stored())
    return StageResult(f"(d) full + sink, {config.workers} worker(s)", count, seconds)


def _latency(
    settings: Settings, run: Run, config: PipelineBenchConfig, rate: float, say: Say
) -> dict[str, LatencyQuantiles]:
    stage = _stage_run(run, "latency")
    bootstrap = run.env["QR_KAFKA_BOOTSTRAP"]
    kafka_config = librdkafka_config(settings)
    start_at_end(bootstrap, stage.run_id, (*INPUTS, FEEDBACK), kafka_config)
    start_at_end(bootstrap, sink_group(stage.run_id), (ALERTS, SCORES, QUARANTINE), kafka_config)
    with ExitStack() as stack:
        pipeline = start_pipeline(
            stack,
            stage,
            DemoConfig(workers=config.workers, metrics_port=config.metrics_port + 30),
            say,
        )
        say(f"latency: loadgen signing live at {rate:,.0f} records/s for {config.latency_s:.0f} s")
        _loadgen(
            stage, "--processes", "1", "--rate", f"{rate:.0f}",
            "--duration", str(config.latency_s), "--seed", str(config.seed + 1),
        )  # fmt: skip
        drain(pipeline, say)
    embedded = settings.model_copy(update={"var_dir": stage.dir / "var", "clickhouse_url": None})
    with connect(embedded) as ch:
        quantiles = {q.stage: q for q in load_run(ch).latency}
    return quantiles


def run_pipeline_bench(
    settings: Settings, config: PipelineBenchConfig, say: Say
) -> PipelineBenchResult:
    result = PipelineBenchResult()
    with kafka(settings, say) as bootstrap:
        run = new_run(settings, bootstrap, kind="bench")
        # Replayed corpora carry the qr-ts of their signing, minutes old by the last stage.
        run.env["QR_MAX_CLOCK_SKEW_S"] = "3600"
        producers = [f"loadgen/p{i}" for i in range(config.processes)]
        prepare(run, [f"w{n + 1}" for n in range(config.workers)], say, producers=producers)
        corpus = str(run.dir / "corpus.qrc")
        say(f"writing a corpus of {config.count:,} signed records ({config.processes} processes)")
        _loadgen(
            run, "--processes", str(config.processes), "--count", str(config.count),
            "--seed", str(config.seed), "--write-corpus", corpus,
            "--truth", str(run.dir / "truth.jsonl"),
        )  # fmt: skip
        port = config.metrics_port
        kafka_config = librdkafka_config(settings)
        say("(a) plain confluent-kafka consumption")
        result.stages.append(_plain_consumer(run, corpus, config.count, kafka_config))
        with ExitStack() as stack:
            say("(b) pass-through Faust agent")
            result.stages.append(
                _faust_stage(
                    stack,
                    run,
                    corpus,
                    config.count,
                    "b-passthrough",
                    "(b) pass-through Faust agent",
                    [["bench.passthrough"]],
                    port,
                    kafka_config,
                )
            )
            say("(c) verify-only worker")
            result.stages.append(
                _faust_stage(
                    stack,
                    run,
                    corpus,
                    config.count,
                    "c-verify",
                    f"(c) verify-only, {config.workers} worker(s)",
                    [
                        ["streams", "worker", "--worker-id", f"w{n + 1}", "--verify-only"]
                        for n in range(config.workers)
                    ],
                    port + 10,
                    kafka_config,
                )
            )
        say("(d) full pipeline with the sink")
        full = _full_stage(run, config, corpus, port + 20, say, kafka_config)
        result.stages.append(full)
        result.latency_rate = max(1.0, full.rate / 2)
        result.latency = _latency(settings, run, config, result.latency_rate, say)
    return result


def format_result(result: PipelineBenchResult) -> str:
    base = result.stages[0].rate if result.stages else 0.0
    lines = [f"{'stage':<40} {'records':>8} {'seconds':>8} {'records/s':>10} {'vs (a)':>7}"]
    for s in result.stages:
        ratio = s.rate / base if base else 0.0
        lines.append(
            f"{s.name:<40} {s.records:>8,} {s.seconds:>8.2f} {s.rate:>10,.0f} {ratio:>6.3f}x"
        )
    lines.append("")
    lines.append(f"latency at {result.latency_rate:,.0f} records/s (half of (d)), from qr-ts:")
    for stage in ("emitted", "alert"):
        q = result.latency.get(stage)
        if q is not None:
            lines.append(
                f"  producer -> {stage:<8} p50 {q.p50_ms:8.1f} ms  p99 {q.p99_ms:8.1f} ms  "
                f"({q.events:,} events)"
            )
    full = result.stages[-1].rate if result.stages else 0.0
    p99 = result.latency["emitted"].p99_ms if "emitted" in result.latency else float("nan")
    lines.append("")
    lines.append(
        f"target (DESIGN.md section 8): {TARGET_RATE:,}/s through the full pipeline "
        f"(reached {full:,.0f}/s = {full / TARGET_RATE:.2f}x), p99 <= {TARGET_P99_MS:.0f} ms at "
        f"half load (reached {p99:,.1f} ms)"
    )
    return "\n".join(lines)
