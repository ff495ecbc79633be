"""Retrying an unavailable ClickHouse: exponential backoff within a time budget, then one clear
error; errors that would repeat are not retried."""

from __future__ import annotations

import threading

import pytest

from streams.sinks.errors import ClickHouseError, ClickHouseUnavailable, SinkError
from streams.sinks.retry import RetryPolicy, retrying


class FakeTime(threading.Event):
    """A clock that advances only by the waits of `retrying`, which it records."""

    def __init__(self, abort_after: int | None = None) -> None:
        super().__init__()
        self.now = 0.0
        self.waits: list[float] = []
        self.abort_after = abort_after

    def clock(self) -> float:
        return self.now

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        self.now += timeout
        return self.abort_after is not None and len(self.waits) >= self.abort_after


class Failing:
    def __init__(self, failures: int, error: ClickHouseError | None = None) -> None:
        self.failures = failures
        self.error = error or ClickHouseUnavailable("Code: 252. DB::Exception: Too many parts")
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def test_backoff_doubles_up_to_its_ceiling() -> None:
    policy = RetryPolicy(budget_s=60, first_delay_s=0.5, max_delay_s=3)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_a_transient_failure_is_retried_until_it_succeeds() -> None:
    time = FakeTime()
    call = Failing(3)
    assert retrying(call, RetryPolicy(60), time, "insert", clock=time.clock) == "done"
    assert call.calls == 4
    assert time.waits == [0.5, 1.0, 2.0]


def test_after_the_budget_it_gives_up_with_one_line() -> None:
    time = FakeTime()
    call = Failing(100)
    with pytest.raises(SinkError) as caught:
        retrying(call, RetryPolicy(5), time, "insert into qrstream.scores", clock=time.clock)
    # Waits of 0.5 + 1 + 2 s fit in 5 s; the next (4 s) would not.
    assert call.calls == 4
    assert time.waits == [0.5, 1.0, 2.0]
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("insert into qrstream.scores: ClickHouse unavailable, gave up")
    assert "Too many parts" in message
    assert isinstance(caught.value.__cause__, ClickHouseUnavailable)


def test_a_zero_budget_fails_at_the_first_error() -> None:
    time = FakeTime()
    with pytest.raises(SinkError):
        retrying(Failing(1), RetryPolicy(0), time, "connect", clock=time.clock)
    assert time.waits == []


def test_errors_that_would_repeat_are_not_retried() -> None:
    time = FakeTime()
    call = Failing(1, ClickHouseError("Code: 62. DB::Exception: Syntax error", code=62))
    with pytest.raises(ClickHouseError, match="Syntax error"):
        retrying(call, RetryPolicy(60), time, "insert", clock=time.clock)
    assert call.calls == 1


def test_abort_cuts_a_wait_short() -> None:
    time = FakeTime(abort_after=2)
    call = Failing(100)
    with pytest.raises(SinkError, match="stopped while ClickHouse was unavailable"):
        retrying(call, RetryPolicy(60), time, "insert", clock=time.clock)
    assert call.calls == 2
