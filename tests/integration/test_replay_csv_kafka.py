"""`qrstream replay` over the real broker: a small SAML-D-layout file is signed and published,
every record arrives keyed by its sender, and a worker verifies and scores each one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from confluent_kafka import Message

from tests.integration.pipeline import (
    PipelineEnv,
    WorkerProcess,
    drain,
    free_port,
    make_pipeline_env,
)
from tests.utils import Timeout
from topics.specs import QUARANTINE, SCORES, TRANSACTIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Unique per run: the topics are shared with the other test modules.
RUN = uuid.uuid4().hex[:8]
REPLAY_KID = f"replay/{RUN}"
WORKER = "r1"
HEADER = (
    "Time,Date,Sender_account,Receiver_account,Amount,Payment_currency,Received_currency,"
    "Sender_bank_location,Receiver_bank_location,Payment_type,Is_laundering,Laundering_type"
)
ROWS = 12


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineEnv]:
    root = tmp_path_factory.mktemp("replay-csv")
    yield make_pipeline_env(root, kafka_bootstrap, (REPLAY_KID, f"processor/{WORKER}"))


def saml_d_file(path: Path) -> Path:
    lines = [HEADER]
    for i in range(ROWS):
        where = "UAE" if i % 3 == 0 else "UK"
        kind = "Cross-border" if where == "UAE" else "Cash Deposit"
        lines.append(
            f"10:{i:02d}:00,2022-10-07,{RUN}-{i % 4},{RUN}-r{i},{100 + i}.50,UK pounds,"
            f"UK pounds,UK,{where},{kind},{int(i % 4 == 0)},"
            f"{'Fan_Out' if i % 4 == 0 else 'Normal_Small_Fan_Out'}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_replayed_rows_arrive_signed_and_verify(pipeline: PipelineEnv) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    data = saml_d_file(pipeline.root / f"saml-{RUN}.csv")
    labels = pipeline.root / "labels.jsonl"
    worker = WorkerProcess(pipeline, WORKER, free_port())
    try:
        output = pipeline.qrstream(
            "replay", str(data), "--preset", "saml-d", "--key-id", REPLAY_KID,
            "--labels-out", str(labels),
        )  # fmt: skip
        truth = [orjson.loads(line) for line in labels.read_bytes().splitlines()]
        ids = {t["event_id"] for t in truth}
        arrived: dict[str, Message] = {}
        timeout = Timeout(30, f"{ROWS} records on {TRANSACTIONS}")
        while len(arrived) < ROWS and timeout:
            for m in drain(bootstrap, TRANSACTIONS):
                if _payload(m).get("event_id") in ids:
                    arrived[_payload(m)["event_id"]] = m
        scored: set[str] = set()
        timeout = Timeout(90, f"{ROWS} score records")
        while not ids <= scored and timeout:
            scored |= {s["event_id"] for s in map(_payload, drain(bootstrap, SCORES))}
        quarantined = [
            q for q in map(_payload, drain(bootstrap, QUARANTINE)) if q.get("kid") == REPLAY_KID
        ]
    finally:
        assert worker.stop() == 0

    assert f"{ROWS} delivered to {TRANSACTIONS} signed by {REPLAY_KID}" in output
    assert len(ids) == ROWS
    assert sum(t["label"] for t in truth) == 3
    for m in arrived.values():
        assert m.key() == _payload(m)["sender_account"].encode()
        assert dict(m.headers() or [])["qr-kid"] == REPLAY_KID.encode()
    assert set(arrived) == ids
    assert ids <= scored  # verified by the worker, then scored
    assert quarantined == []


def _payload(message: Message) -> Any:
    return orjson.loads(message.value() or b"{}")
