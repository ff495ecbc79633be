"""`Outputs` without a broker: a record Kafka never takes fails the flush, so the agent does
not acknowledge its batch, and after-flush hooks run only after a successful flush."""

from __future__ import annotations

import asyncio

import pytest

from streams.outputs import DeliveryFailed, Outputs, OutputTopic
from tests.utils import free_port_pair


def test_undeliverable_records_fail_the_flush_and_skip_the_hooks() -> None:
    port = free_port_pair()  # nothing listens there
    outputs = Outputs(f"127.0.0.1:{port}", "test", **{"message.timeout.ms": 500, "log_level": 0})
    hooks: list[str] = []
    outputs.after_flush(lambda: hooks.append("ran"))
    asyncio.run(OutputTopic(outputs, "qr.scores").send(key=b"k", value=b"v"))
    with pytest.raises(DeliveryFailed, match="1 records not delivered"):
        asyncio.run(outputs.flush())
    assert hooks == []


def test_a_flush_with_nothing_pending_runs_the_hooks() -> None:
    outputs = Outputs("127.0.0.1:1", "test", **{"log_level": 0})
    hooks: list[str] = []
    outputs.after_flush(lambda: hooks.append("ran"))
    asyncio.run(outputs.flush())
    assert hooks == ["ran"]
