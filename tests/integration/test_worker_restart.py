"""A worker killed with SIGKILL mid-stream and started again: its tables come back, so state
built before the crash still counts, and no record is lost (every payment gets its score)."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.producer import SignedProducer
from streams.sequence import SequenceFile
from tests.integration.pipeline import (
    PipelineEnv,
    WorkerProcess,
    drain,
    free_port,
    key_store,
    make_pipeline_env,
)
from tests.utils import Timeout
from topics.examples import EXAMPLES
from topics.specs import ALERTS, SCORES, TRANSACTIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PRODUCER = "bank-core/restart"
WORKER = "r1"
ACCOUNT = f"ACCT-RST-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineEnv]:
    root = tmp_path_factory.mktemp("restart")
    yield make_pipeline_env(root, kafka_bootstrap, (PRODUCER, f"processor/{WORKER}"))


def send_payments(pipeline: PipelineEnv, receivers: range) -> None:
    store = key_store(pipeline)
    with SignedProducer(
        pipeline.env["QR_KAFKA_BOOTSTRAP"],
        key_id=PRODUCER,
        keypair=store.keypair(PRODUCER),
        sequence=SequenceFile(pipeline.root / "producer.seq"),
    ) as producer:
        for i in receivers:
            txn = dict(EXAMPLES["transaction"][0])
            txn.update(
                event_id=str(uuid.uuid4()),
                ts_us=time.time_ns() // 1000,
                sender_account=ACCOUNT,
                receiver_account=f"{ACCOUNT}-R{i}",
                amount="400.00",
                currency="EUR",
                receiver_country="DE",
            )
            producer.produce(TRANSACTIONS, ACCOUNT, txn)


def records_about(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """The records of `topic` about ACCOUNT."""
    records = (orjson.loads(m.value()) for m in drain(bootstrap, topic, quiet_s=1.0))
    return [r for r in records if r["entity"] == ACCOUNT]


def wait_for_scores(bootstrap: str, count: int) -> list[dict[str, Any]]:
    timeout = Timeout(60, f"{count} score records of {ACCOUNT}")
    while timeout:
        scores = records_about(bootstrap, SCORES)
        if len({s["event_id"] for s in scores}) >= count:
            return scores
    raise AssertionError("unreachable")


def test_state_survives_sigkill_and_no_record_is_lost(pipeline: PipelineEnv) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    worker = WorkerProcess(pipeline, WORKER, free_port())
    try:
        send_payments(pipeline, range(6))  # 6 distinct receivers: below fan_out's 10
        wait_for_scores(bootstrap, 6)
    finally:
        worker.stop(signal.SIGKILL)
    assert not [a for a in records_about(bootstrap, ALERTS) if a["typology"] == "fan_out"]

    worker = WorkerProcess(pipeline, WORKER, free_port())
    try:
        send_payments(pipeline, range(6, 12))  # 12 in 24 h only if the first 6 survived
        scores = wait_for_scores(bootstrap, 12)
        timeout = Timeout(30, f"a fan_out alert for {ACCOUNT}")
        while timeout:
            alerts = [a for a in records_about(bootstrap, ALERTS) if a["typology"] == "fan_out"]
            if alerts:
                break
    finally:
        assert worker.stop() == 0
    assert len({s["event_id"] for s in scores}) == 12  # redelivered ones may repeat, none lost
    assert alerts[0]["entity"] == ACCOUNT
    # A clean stop checkpoints the worker's anomaly model for the next start.
    models = (
        Path(pipeline.env["QR_VAR_DIR"]) / "faust" / pipeline.env["QR_APP_ID"] / WORKER / "models"
    )
    assert list(models.glob(f"aml_hst.{WORKER}-*.pkl"))
