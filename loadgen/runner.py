"""Runs loadgen: spawns the processes, starts them together once all are ready (so building
the population does not count against the rate), prints progress at most once a second,
stops them after the duration or on Ctrl-C, then merges the ground truth, assembles a corpus
and sums up."""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadgen.corpus import assemble, part_path
from loadgen.truth import TruthSummary, merge
from loadgen.worker import Job, Stats, run
from streams.errors import StreamsError

__all__ = ["LoadgenError", "RunResult", "execute"]

READY_TIMEOUT_S = 300.0
PROGRESS_S = 1.0
_POLL_S = 0.2


class LoadgenError(StreamsError):
    """A loadgen process failed; the message is its error."""


@dataclass
class RunResult:
    processes: int
    seconds: float
    stats: list[Stats]
    truth: TruthSummary | None = None
    interrupted: bool = False

    @property
    def sent(self) -> int:
        return sum(s.sent for s in self.stats)

    @property
    def delivered(self) -> int:
        return sum(s.delivered for s in self.stats)

    @property
    def errors(self) -> int:
        return sum(s.failed for s in self.stats)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0

    def total(self, name: str) -> int:
        return sum(int(getattr(s, name)) for s in self.stats)

    def first_error(self) -> str | None:
        return next((s.first_error for s in self.stats if s.first_error), None)


def _progress_line(elapsed: float, stats: list[Stats], last: tuple[float, int]) -> str:
    sent = sum(s.sent for s in stats)
    delivered = sum(s.delivered for s in stats)
    errors = sum(s.failed for s in stats)
    rate = (sent - last[1]) / max(elapsed - last[0], 1e-9)
    return (
        f"loadgen {elapsed:6.1f} s  sent {sent:,}  {rate:,.0f}/s  "
        f"delivered {delivered:,}  errors {errors:,}"
    )


def execute(
    jobs: list[Job],
    *,
    duration: float | None,
    progress: Callable[[str], None],
    truth: tuple[Path, dict[str, Any]] | None = None,
    corpus: tuple[Path, dict[str, Any]] | None = None,
) -> RunResult:
    """Runs the jobs, one process each, and returns what they did."""
    ctx = multiprocessing.get_context("spawn")
    reports: Any = ctx.Queue()
    go, stop = ctx.Event(), ctx.Event()
    processes = [
        # Daemons: they never outlive a parent that dies without stopping them.
        ctx.Process(
            target=run, args=(job, reports, go, stop), name=f"loadgen-{job.index}", daemon=True
        )
        for job in jobs
    ]
    for process in processes:
        process.start()
    stats = [Stats() for _ in jobs]
    interrupted = False
    try:
        _wait_ready(reports, len(jobs), stop)
        go.set()
        started = time.monotonic()
        seconds, interrupted = _collect(reports, stats, started, duration, stop, progress)
    except BaseException:
        stop.set()
        go.set()
        raise
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join()
    result = RunResult(len(jobs), seconds, stats, interrupted=interrupted)
    if truth is not None:
        path, run_info = truth
        result.truth = merge([j.truth_part for j in jobs if j.truth_part], path, run_info)
    if corpus is not None:
        path, meta = corpus
        segments = [(part_path(path, i), s.segment) for i, s in enumerate(stats) if s.segment]
        assemble(path, segments, meta)
    return result


def _wait_ready(reports: Any, count: int, stop: Any) -> None:
    ready = 0
    deadline = time.monotonic() + READY_TIMEOUT_S
    while ready < count:
        try:
            kind, index, payload = reports.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise LoadgenError(f"processes not ready within {READY_TIMEOUT_S:g} s") from None
        if kind == "error":
            raise LoadgenError(f"process {index}: {payload}")
        ready += kind == "ready"


def _collect(
    reports: Any,
    stats: list[Stats],
    started: float,
    duration: float | None,
    stop: Any,
    progress: Callable[[str], None],
) -> tuple[float, bool]:
    """Progress until every process is done: (seconds from start to the last done, whether
    Ctrl-C stopped the run)."""
    done: set[int] = set()
    interrupted = False
    printed = (0.0, 0)
    finished = started
    while len(done) < len(stats):
        try:
            try:
                kind, index, payload = reports.get(timeout=_POLL_S)
            except queue.Empty:
                kind = None
            if kind == "error":
                raise LoadgenError(f"process {index}: {payload}")
            if kind in ("progress", "done"):
                stats[index] = payload
            if kind == "done":
                done.add(index)
                finished = time.monotonic()
            elapsed = time.monotonic() - started
            if duration is not None and elapsed >= duration:
                stop.set()
            if elapsed - printed[0] >= PROGRESS_S and len(done) < len(stats):
                progress(_progress_line(elapsed, stats, printed))
                printed = (elapsed, sum(s.sent for s in stats))
        except KeyboardInterrupt:
            if interrupted:
                raise
            interrupted = True
            stop.set()
            progress("loadgen: stopping (Ctrl-C again to abort)")
    return finished - started, interrupted
