"""`qrstream bench ...`: benchmarks that print ratios against a baseline measured in the
same run. Figures are for reading, never for pass/fail."""

from __future__ import annotations

import os
from pathlib import Path

import click
import orjson

from bench.crypto import CryptoBenchConfig, format_table, run_crypto_bench
from bench.pipeline import PipelineBenchConfig, run_pipeline_bench
from bench.pipeline import format_result as format_pipeline
from bench.producer import ProducerBenchConfig, format_result, run_producer_bench
from bench.sanctions import SanctionsBenchConfig, run_sanctions_bench
from bench.sanctions import format_result as format_sanctions
from streams import signing
from streams.cli.app import pass_settings
from streams.kafka_config import librdkafka_config
from streams.settings import Settings

__all__ = ["bench"]


@click.group()
def bench() -> None:
    """Measure throughput against baselines run on this machine in the same run."""


@bench.command()
@click.option(
    "--alg",
    "algorithms",
    multiple=True,
    type=click.Choice(signing.MLDSA_ALGORITHMS),
    help="Parameter set to measure (repeatable; default all three).",
)
@click.option("--seconds", default=1.0, show_default=True, help="Minimum time per figure.")
@click.option("--batch", default=256, show_default=True, help="Messages per batch call.")
@click.option("--message-bytes", default=300, show_default=True, help="Message size.")
@click.option("--no-liboqs", is_flag=True, help="Skip the liboqs algorithms.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write JSON.")
def crypto(
    algorithms: tuple[str, ...],
    seconds: float,
    batch: int,
    message_bytes: int,
    no_liboqs: bool,
    json_path: Path | None,
) -> None:
    """ML-DSA keygen/sign/verify operations per second: the native module in batches on
    one thread and on all cores, native single calls, pyca/cryptography (OpenSSL) and
    liboqs, with the ratios native batch / cryptography."""
    if seconds <= 0 or batch <= 0 or message_bytes < 0:
        raise click.BadParameter("--seconds and --batch must be positive")
    config = CryptoBenchConfig(
        algorithms=algorithms or signing.MLDSA_ALGORITHMS,
        seconds=seconds,
        batch=batch,
        message_bytes=message_bytes,
        liboqs_algorithms=() if no_liboqs else CryptoBenchConfig.liboqs_algorithms,
    )
    info = signing.native_info()
    click.echo(
        f"qrstream bench crypto: {message_bytes}-byte messages, batches of {batch}, "
        f">= {seconds:g} s per figure, {os.cpu_count()} cores, native {info.simd} code path",
        err=True,
    )
    results = run_crypto_bench(config, progress=lambda line: click.echo(f"  {line}", err=True))
    click.echo(format_table(results))
    if json_path:
        json_path.write_bytes(
            orjson.dumps([r.__dict__ for r in results], option=orjson.OPT_INDENT_2)
        )


@bench.command()
@click.option("--count", default=20_000, show_default=True, help="Records per measurement.")
@click.option("--message-bytes", default=300, show_default=True, help="Payload size.")
@click.option(
    "--alg",
    "algorithm",
    default=signing.DEFAULT_ALGORITHM,
    show_default=True,
    type=click.Choice(signing.MLDSA_ALGORITHMS),
)
@click.option("--bootstrap", help="Kafka bootstrap servers (default: settings, else dev broker).")
@pass_settings
def producer(
    settings: Settings, count: int, message_bytes: int, algorithm: str, bootstrap: str | None
) -> None:
    """SignedProducer records/s against plain confluent-kafka producing the same payloads
    unsigned to the same broker in the same run. Needs a running broker (`qrstream dev up`)."""
    if count <= 0 or message_bytes <= 0:
        raise click.BadParameter("--count and --message-bytes must be positive")
    config = ProducerBenchConfig(
        bootstrap_servers=bootstrap or settings.bootstrap_servers,
        sequence_dir=settings.var_dir / "bench",
        client_config=librdkafka_config(settings),
        count=count,
        message_bytes=message_bytes,
        algorithm=algorithm,
    )
    os.makedirs(config.sequence_dir, exist_ok=True)
    click.echo(
        f"qrstream bench producer: {count} records of {message_bytes} bytes to "
        f"{config.bootstrap_servers}, {os.cpu_count()} cores",
        err=True,
    )
    result = run_producer_bench(config, progress=lambda line: click.echo(f"  {line}", err=True))
    click.echo(format_result(result, config))


# The full SDN snapshot of the shared test material, next to the repository.
SHARED_SDN = Path("../shared/data/sanctions/ofac-sdn-full-2021-07")


@bench.command()
@click.option(
    "--ofac-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="OFAC folder with sdn.csv and alt.csv (default: QR_SANCTIONS_OFAC_DIR, else "
    f"{SHARED_SDN}).",
)
@click.option("--variants", default=4000, show_default=True, help="Listed-name variants.")
@click.option("--clean", default=4000, show_default=True, help="Unlisted loadgen names.")
@click.option(
    "--baseline-queries", default=300, show_default=True, help="Variants the baseline screens."
)
@click.option("--threshold", default=88.0, show_default=True, help="Match threshold (0-100).")
@click.option("--seed", default=7, show_default=True, help="Seed of the generated names.")
@pass_settings
def sanctions(
    settings: Settings,
    ofac_dir: Path | None,
    variants: int,
    clean: int,
    baseline_queries: int,
    threshold: float,
    seed: int,
) -> None:
    """Sanctions screens/s per core of the blocking matcher against a naive rapidfuzz
    extractOne over every listed name, recall on seeded alias and misspelling variants of
    listed names, and false positives on unlisted loadgen names."""
    if min(variants, clean, baseline_queries) <= 0 or not 0 < threshold <= 100:
        raise click.BadParameter("counts must be positive and the threshold in (0, 100]")
    directory = ofac_dir or settings.sanctions_ofac_dir or SHARED_SDN
    if not (directory / "sdn.csv").is_file():
        raise click.BadParameter(f"no sdn.csv in {directory}", param_hint="--ofac-dir")
    config = SanctionsBenchConfig(
        ofac_dir=directory,
        variants=variants,
        clean=clean,
        baseline_queries=min(baseline_queries, variants),
        threshold=threshold,
        seed=seed,
    )
    click.echo(
        f"qrstream bench sanctions: {variants} variants + {clean} unlisted names, one thread",
        err=True,
    )
    result = run_sanctions_bench(config, progress=lambda line: click.echo(f"  {line}", err=True))
    click.echo(format_sanctions(result, config))


@bench.command()
@click.option("--count", type=click.IntRange(min=1000), default=40_000, show_default=True,
              help="Records of the pre-signed corpus each stage consumes.")  # fmt: skip
@click.option("--processes", type=click.IntRange(1, 8), default=2, show_default=True,
              help="Loadgen processes writing the corpus (one key id each).")  # fmt: skip
@click.option("--latency-seconds", type=click.FloatRange(min=5), default=20.0,
              show_default=True, help="Duration of the live half-load latency run.")  # fmt: skip
@click.option("--seed", type=int, default=3, show_default=True, help="Seed of the traffic.")
@click.option("--workers", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Worker processes of stages (c), (d) and the latency run.")  # fmt: skip
@click.option("--metrics-port", type=click.IntRange(1024, 65000), default=9450,
              show_default=True, help="First of the Prometheus ports the stages use.")  # fmt: skip
@pass_settings
def pipeline(
    settings: Settings,
    count: int,
    processes: int,
    latency_seconds: float,
    seed: int,
    workers: int,
    metrics_port: int,
) -> None:
    """Records/s of one pre-signed corpus through (a) a plain confluent-kafka consumer, (b) a
    pass-through Faust agent, (c) a verify-only worker and (d) the full pipeline with the
    ClickHouse sink, with the ratios to (a); then p50/p99 producer-to-alert latency with loadgen
    signing live at half of (d)'s rate. Uses the local dev broker unless QR_KAFKA_BOOTSTRAP is
    set; state and logs go to QR_VAR_DIR/bench/<run>."""
    config = PipelineBenchConfig(
        count=count,
        processes=processes,
        seed=seed,
        latency_s=latency_seconds,
        metrics_port=metrics_port,
        workers=workers,
    )
    click.echo(f"qrstream bench pipeline: {count:,} records, {os.cpu_count()} cores", err=True)
    result = run_pipeline_bench(settings, config, lambda line: click.echo(f"  {line}", err=True))
    click.echo(format_pipeline(result))
