"""One loadgen process: generate its blocks of traffic, sign them with its own key, and produce
them (mode `sign`) or write them to its corpus segment (`write`); or produce the records of
its corpus segments (`replay`). It reports progress to the parent through a queue and stops
when its share of the count is done or the parent says stop."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, Literal, TypeVar

from loadgen.corpus import CorpusPart, Segment, read_segment
from loadgen.draft import Draft, StreamName
from loadgen.ratelimit import TokenBucket
from loadgen.signer import KafkaRecord, Signer
from loadgen.sink import KafkaSink
from loadgen.traffic import Traffic, TrafficConfig
from loadgen.truth import TruthPart
from streams import signing
from streams.sequence import SequenceFile

__all__ = ["Job", "Mode", "Stats", "run"]

Mode = Literal["sign", "write", "replay"]
BATCH_MAX = 256
# A batch holds about this much of a rate-limited process's traffic, so that records are
# signed just before they go out.
BATCH_S = 0.02
REPORT_S = 0.5
FLUSH_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Job:
    """Everything one process needs, sent to it when it is spawned."""

    index: int
    processes: int
    mode: Mode
    kid: str
    topics: dict[StreamName, str]
    count: int | None
    """Records of the whole run (sign, write) or of this process (replay); None: no limit."""
    rate: float | None
    """This process's records per second; None: as fast as it can."""
    traffic: TrafficConfig | None = None
    keypair: signing.KeyPair | None = None
    sequence: Path | None = None
    bootstrap: str | None = None
    kafka_config: dict[str, str] = field(default_factory=dict, repr=False)
    """librdkafka properties of the security settings; repr=False keeps the password out."""
    truth_part: Path | None = None
    corpus: Path | None = None
    """The corpus part this process writes, or the corpus file it replays."""
    segments: tuple[Segment, ...] = ()
    threads: int | None = None


@dataclass
class Stats:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    transactions: int = 0
    telemetry: int = 0
    injected: int = 0
    crafted: int = 0
    first_error: str | None = None
    segment: Segment | None = None
    """What a corpus-writing process wrote."""


T = TypeVar("T")


def _need(value: T | None, what: str) -> T:
    if value is None:
        raise ValueError(f"this job needs {what}")
    return value


def _chunks(drafts: list[Draft], size: int) -> Iterator[list[Draft]]:
    for i in range(0, len(drafts), size):
        yield drafts[i : i + size]


class _Loop:
    def __init__(self, job: Job, reports: Queue[Any], stop: Event) -> None:
        self.job = job
        self.reports = reports
        self.stop = stop
        self.stats = Stats()
        self.bucket = TokenBucket(job.rate) if job.rate else None
        self.batch = max(1, min(BATCH_MAX, int(job.rate * BATCH_S))) if job.rate else BATCH_MAX
        self.sink = KafkaSink(job.bootstrap, job.kafka_config) if job.bootstrap else None
        self._reported = time.monotonic()

    def _count(self, records: Sequence[KafkaRecord]) -> None:
        stats = self.stats
        stats.sent += len(records)
        transactions = sum(1 for r in records if r.topic == self.job.topics["transactions"])
        stats.transactions += transactions
        stats.telemetry += len(records) - transactions
        if self.sink is not None:
            stats.delivered, stats.failed = self.sink.delivered, self.sink.failed
            stats.first_error = self.sink.first_error
        else:
            stats.delivered = stats.sent
        now = time.monotonic()
        if now - self._reported >= REPORT_S:
            self._reported = now
            self.reports.put(("progress", self.job.index, replace(stats)))

    def _pace(self, count: int) -> None:
        if self.bucket is not None:
            self.bucket.take(count)

    def _send(self, records: Sequence[KafkaRecord]) -> None:
        if self.sink is not None:
            self.sink.send(records)
        self._count(records)

    def generate(self, traffic: Traffic, signer: Signer, corpus: CorpusPart | None) -> None:
        job = self.job
        truth = TruthPart(job.truth_part) if job.truth_part else None
        try:
            for drafts in traffic.blocks(job.index, job.processes, job.count):
                for chunk in _chunks(drafts, self.batch):
                    if self.stop.is_set():
                        return
                    # Wait for the rate before signing, not after: qr-ts is the signing time,
                    # and records that sat in the token bucket would carry a stale one.
                    self._pace(len(chunk))
                    signed = signer.sign(chunk)
                    records = [s.record for s in signed]
                    if corpus is not None:
                        corpus.write(records, time.time_ns() // 1000)
                    if truth is not None:
                        self.stats.injected += truth.write(signed)
                    self.stats.crafted += sum(
                        1 for s in signed if s.draft.label and s.draft.label.craft
                    )
                    self._send(records)
        finally:
            if truth is not None:
                truth.close()

    def replay(self) -> None:
        job = self.job
        corpus, left = _need(job.corpus, "a corpus"), job.count
        for segment in job.segments:
            for batch in read_segment(corpus, segment, self.batch):
                if self.stop.is_set() or left == 0:
                    return
                records = batch if left is None else batch[:left]
                if left is not None:
                    left -= len(records)
                self._pace(len(records))
                self._send(records)

    def finish(self, corpus: CorpusPart | None) -> None:
        if self.sink is not None:
            self.sink.flush(FLUSH_TIMEOUT_S)
        if corpus is not None:
            self.stats.segment = corpus.close()
        self._count([])


def run(job: Job, reports: Queue[Any], go: Event, stop: Event) -> None:
    """The body of one loadgen process (spawned by loadgen.runner)."""
    # The parent handles Ctrl-C for everyone and tells the processes to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        loop = _Loop(job, reports, stop)
        corpus = None
        if job.mode == "replay":
            reports.put(("ready", job.index, None))
            go.wait()
            loop.replay()
        else:
            config = _need(job.traffic, "a traffic configuration")
            traffic = Traffic(config)
            signer = Signer(
                job.kid,
                _need(job.keypair, "a key pair"),
                SequenceFile(_need(job.sequence, "a sequence file")),
                job.topics,
                seed=config.seed,
                threads=job.threads,
            )
            if job.mode == "write":
                corpus = CorpusPart(_need(job.corpus, "a corpus part"), job.kid)
            reports.put(("ready", job.index, None))
            go.wait()
            loop.generate(traffic, signer, corpus)
        loop.finish(corpus)
        reports.put(("done", job.index, loop.stats))
    except BaseException as err:  # reported to the parent, which prints it in one line
        reports.put(("error", job.index, f"{type(err).__name__}: {err}"))
