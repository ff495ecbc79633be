"""The pipeline benchmark's arithmetic and its table (the figures themselves are measured by
`qrstream bench pipeline`, never asserted)."""

from __future__ import annotations

import itertools

import pytest

from bench import pipeline
from bench.pipeline import PipelineBenchResult, StageResult, format_result
from streams.report.data import LatencyQuantiles


def test_the_table_shows_rates_ratios_and_the_target() -> None:
    result = PipelineBenchResult(
        stages=[
            StageResult("(a) confluent-kafka consumer", 40_000, 2.0),
            StageResult("(d) full + sink, 1 worker(s)", 40_000, 40.0),
        ],
        latency_rate=500.0,
        latency={"emitted": LatencyQuantiles("emitted", 10_000, 20.0, 30.0, 42.5, 60.0, 80.0)},
    )
    text = format_result(result)
    assert "20,000" in text and "1.000x" in text
    assert "1,000" in text and "0.050x" in text
    assert "p99     42.5 ms" in text
    assert "reached 1,000/s = 0.10x" in text and "reached 42.5 ms" in text


def test_a_stage_is_timed_from_its_first_record(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = itertools.count(0.0, 0.5)
    monkeypatch.setattr(pipeline.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(pipeline.time, "sleep", lambda _s: None)
    counts = iter([0, 0, 0, 10, 50, 100, 100])
    seconds = pipeline._timed(lambda: next(counts), lambda n: n >= 100)
    assert seconds == 2.0  # polls 1 s apart: the first record at the 4th, the 100th at the 6th
