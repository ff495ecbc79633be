"""From resolved options to a run: keys, topic checks, one job per process, the run itself
and the ground truth on a topic. `qrstream loadgen` parses the options; this does the rest."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadgen.corpus import Segment, part_path, read_header
from loadgen.draft import StreamName
from loadgen.keys import ensure_keys, load_keys, producer_kids
from loadgen.runner import LoadgenError, RunResult, execute
from loadgen.traffic import TrafficConfig
from loadgen.truth import publish
from loadgen.worker import Job, Mode
from streams.errors import KafkaAdminError
from streams.kafka_admin import TopicAdmin
from streams.kafka_config import librdkafka_config
from streams.keys.store import kid_to_filename
from streams.settings import Settings
from topics.specs import TELEMETRY, TRANSACTIONS

__all__ = ["Options", "launch"]

Say = Callable[[str], None]
_CORES = os.cpu_count() or 1


@dataclass(frozen=True)
class Options:
    mode: Mode
    processes: int | None
    """None: one per core (for a replay, at most one per key id of the corpus)."""
    bootstrap: str
    truth: Path
    rate: float | None = None
    """Records per second of all processes together."""
    count: int | None = None
    duration: float | None = None
    traffic: TrafficConfig | None = None
    ensure_keys: bool = False
    algorithm: str = "ML-DSA-65"
    truth_topic: str | None = None
    topic_prefix: str = ""
    corpus: Path | None = None
    """The corpus to write (mode write) or to replay (mode replay)."""

    def limits(self) -> str:
        rate = f"{self.rate:,.0f} records/s" if self.rate else "as fast as possible"
        if self.count is not None:
            return f"{rate}, {self.count:,} records"
        if self.duration is not None:
            return f"{rate}, {self.duration:g} s"
        return f"{rate}, {'the whole corpus' if self.mode == 'replay' else 'until Ctrl-C'}"


def _now_us() -> int:
    return time.time_ns() // 1000


def _check_topics(
    bootstrap: str, client_config: Mapping[str, str], names: list[str], prefix: str
) -> None:
    admin = TopicAdmin(bootstrap, client_config=client_config)
    missing = [info.name for info in admin.describe(names) if not info.exists]
    if missing:
        hint = f" --prefix {prefix}" if prefix else ""
        raise KafkaAdminError(
            f"topic {', '.join(missing)} does not exist on {bootstrap}: run "
            f"`qrstream topics create{hint}`",
            bootstrap,
        )


def launch(settings: Settings, options: Options, say: Say) -> tuple[RunResult, dict[str, Any]]:
    """Runs loadgen; returns the result and what the run was (mode, keys, algorithm ...)."""
    topics: dict[StreamName, str] = {
        "transactions": options.topic_prefix + TRANSACTIONS,
        "telemetry": options.topic_prefix + TELEMETRY,
    }
    if options.mode == "replay":
        return _replay(settings, options, say)
    return _generate(settings, options, topics, say)


def _generate(
    settings: Settings, options: Options, topics: dict[StreamName, str], say: Say
) -> tuple[RunResult, dict[str, Any]]:
    traffic, n = options.traffic, options.processes or _CORES
    if traffic is None:
        raise ValueError("generating needs a TrafficConfig")
    kids = producer_kids(traffic.key_prefix, n)
    if options.ensure_keys:
        generated, published = ensure_keys(settings, kids, options.algorithm, options.bootstrap)
        for kid in generated:
            say(f"loadgen: generated key {kid}")
        if published:
            say(
                f"loadgen: published {', '.join(published)}; running workers see new keys "
                f"within QR_REGISTRY_REFRESH_S ({settings.registry_refresh_s:g} s)"
            )
    pairs = load_keys(settings, kids)
    client_config = librdkafka_config(settings)
    if options.mode == "sign":
        _check_topics(options.bootstrap, client_config, list(topics.values()), options.topic_prefix)
    corpus = options.corpus
    jobs = [
        Job(
            index=i,
            processes=n,
            mode=options.mode,
            kid=kid,
            topics=topics,
            count=options.count,
            rate=options.rate / n if options.rate else None,
            traffic=traffic,
            keypair=pairs[kid],
            sequence=settings.var_dir / "loadgen" / "seq" / f"{kid_to_filename(kid)}.seq",
            bootstrap=options.bootstrap if options.mode == "sign" else None,
            kafka_config=client_config,
            truth_part=options.truth.with_name(f"{options.truth.name}.part{i}"),
            corpus=part_path(corpus, i) if corpus is not None else None,
            # Processes share the cores: each signs on its share of them.
            threads=max(1, _CORES // n),
        )
        for i, kid in enumerate(kids)
    ]
    algorithm = pairs[kids[0]].algorithm
    how = "signing on the fly" if options.mode == "sign" else f"writing the corpus {corpus}"
    where = f" to {options.bootstrap}" if options.mode == "sign" else ""
    say(
        f"loadgen: {how} ({algorithm}) with {n} process(es), keys {', '.join(kids)}, "
        f"seed {traffic.seed}, {options.limits()}{where}"
    )
    run = {
        "mode": options.mode,
        "seed": traffic.seed,
        "processes": n,
        "kids": kids,
        "algorithm": algorithm,
        "start_us": traffic.start_us,
        "accounts": traffic.accounts,
        "telemetry_share": traffic.telemetry_share,
        "scenario_every": traffic.scenario_every,
        "topics": topics,
        "created_us": _now_us(),
    }
    result = execute(
        jobs,
        duration=options.duration,
        progress=say,
        truth=(options.truth, run),
        corpus=(corpus, {**run, "truth": str(options.truth)}) if corpus is not None else None,
    )
    if options.truth_topic and result.truth is not None:
        publish(
            result.truth,
            options.bootstrap,
            options.truth_topic,
            settings.topic_partitions,
            client_config,
        )
    return result, {"mode": options.mode, "how": how, "algorithm": algorithm, "kids": kids}


def _replay(settings: Settings, options: Options, say: Say) -> tuple[RunResult, dict[str, Any]]:
    corpus = options.corpus
    if corpus is None:
        raise ValueError("replaying needs a corpus")
    header, segments = read_header(corpus)
    n = options.processes or min(_CORES, len(segments))
    if n > len(segments):
        raise LoadgenError(
            f"{corpus} holds the records of {len(segments)} key id(s): at most "
            f"{len(segments)} processes can replay it, each key's records in order"
        )
    age_s = (_now_us() - min(s.first_ts_us for s in segments)) / 1e6
    if age_s > settings.max_clock_skew_s:
        say(
            f"loadgen: warning: {corpus} was signed {age_s:,.0f} s ago, more than "
            f"QR_MAX_CLOCK_SKEW_S ({settings.max_clock_skew_s:g} s): workers quarantine its "
            "records as stale"
        )
    topics: dict[StreamName, str] = header["topics"]
    client_config = librdkafka_config(settings)
    _check_topics(options.bootstrap, client_config, list(topics.values()), options.topic_prefix)
    assigned = [tuple(segments[i::n]) for i in range(n)]
    quotas = _quotas(options.count, assigned)
    jobs = [
        Job(
            index=i,
            processes=n,
            mode="replay",
            kid=",".join(s.kid for s in mine),
            topics=topics,
            count=quotas[i],
            rate=options.rate / n if options.rate else None,
            bootstrap=options.bootstrap,
            kafka_config=client_config,
            corpus=corpus,
            segments=mine,
        )
        for i, mine in enumerate(assigned)
    ]
    how = f"replaying the pre-signed corpus {corpus}"
    say(f"loadgen: {how} ({header['algorithm']}) with {n} process(es), {options.limits()} "
        f"to {options.bootstrap}")  # fmt: skip
    result = execute(jobs, duration=options.duration, progress=say)
    kids = [s.kid for s in segments]
    return result, {"mode": "replay", "how": how, "algorithm": header["algorithm"], "kids": kids}


def _quotas(count: int | None, assigned: list[tuple[Segment, ...]]) -> list[int | None]:
    """Each process's share of `count`, in proportion to its records (summing to `count`)."""
    if count is None:
        return [None] * len(assigned)
    sizes = [sum(s.records for s in mine) for mine in assigned]
    total = sum(sizes) or 1
    count = min(count, total)
    bounds = [round(count * sum(sizes[: i + 1]) / total) for i in range(len(sizes))]
    return [b - a for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
