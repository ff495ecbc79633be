"""`qrstream worker --verify-only` over the real broker: signed records are accepted, bad ones
land on qr.quarantine with their reason codes, and accepted + quarantined = produced."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator

import orjson
import pytest
from confluent_kafka import Producer

from streams.demo.offsets import start_at_end
from streams.producer import SignedProducer
from streams.sequence import SequenceFile
from tests.integration.pipeline import (
    PipelineEnv,
    WorkerProcess,
    drain,
    free_port,
    key_store,
    make_pipeline_env,
    scrape,
)
from tests.utils import Timeout
from topics.examples import EXAMPLES
from topics.specs import QUARANTINE, TRANSACTIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KID = "bank-core/p1"


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineEnv]:
    yield make_pipeline_env(tmp_path_factory.mktemp("pipeline"), kafka_bootstrap, (KID,))


def transaction(i: int) -> dict[str, object]:
    tx = dict(EXAMPLES["transaction"][0])
    tx.update(
        event_id=str(uuid.uuid4()), sender_account=f"ACCT{i % 13:06d}", ts_us=time.time_ns() // 1000
    )
    return tx


def produce_signed(pipeline: PipelineEnv, count: int) -> None:
    store = key_store(pipeline)
    with SignedProducer(
        pipeline.env["QR_KAFKA_BOOTSTRAP"],
        key_id=KID,
        keypair=store.keypair(KID),
        sequence=SequenceFile(pipeline.root / "producer.seq"),
    ) as producer:
        for i in range(count):
            tx = transaction(i)
            producer.produce(TRANSACTIONS, str(tx["sender_account"]), tx)
    assert producer.stats.delivered == count


def test_worker_accepts_signed_records_and_quarantines_the_rest(pipeline: PipelineEnv) -> None:
    port = free_port()
    # Other test modules leave unsigned records on the shared topics: start after them.
    start_at_end(pipeline.env["QR_KAFKA_BOOTSTRAP"], pipeline.env["QR_APP_ID"], [TRANSACTIONS])
    worker = WorkerProcess(pipeline, "v1", port, "--verify-only")
    try:
        produce_signed(pipeline, 500)
        plain = Producer({"bootstrap.servers": pipeline.env["QR_KAFKA_BOOTSTRAP"]})
        plain.produce(TRANSACTIONS, orjson.dumps(transaction(1)), OUR_KEYS[0])  # unsigned
        plain.produce(TRANSACTIONS, b"{}", OUR_KEYS[1], headers=[("qr-v", b"1")])
        assert plain.flush(30) == 0
        # The topic may hold other test modules' records, signed under another root key: they
        # are quarantined as unknown_key, so count only accepted and missing_header.
        accepted = f'qrstream_records_accepted_total{{topic="{TRANSACTIONS}"}}'
        key = (
            f'qrstream_records_quarantined_total{{reason="missing_header",topic="{TRANSACTIONS}"}}'
        )
        timeout = Timeout(60, "the worker verifies our 502 records")
        while timeout:
            metrics = scrape(port)
            if metrics.get(accepted, 0) >= 500 and metrics.get(key, 0) >= 2:
                break
            time.sleep(0.5)
        time.sleep(1)  # nothing more may arrive: the counts must stay exact
        metrics = scrape(port)
        assert metrics[accepted] == 500
        assert metrics[key] == 2
    finally:
        assert worker.stop() == 0
    # Other test modules quarantine records too: look at the ones with our record keys.
    ours = [
        q
        for q in consume_until(pipeline.env["QR_KAFKA_BOOTSTRAP"], QUARANTINE, OUR_KEYS)
        if base64.b64decode(str(q["key_b64"])) in OUR_KEYS
    ]
    assert [q["reason"] for q in ours] == ["missing_header", "missing_header"]
    assert b"{}" in {base64.b64decode(str(q["value_b64"])) for q in ours}


OUR_KEYS = (b"QUARANTINE-1", b"QUARANTINE-2")


def consume_until(bootstrap: str, topic: str, keys: tuple[bytes, ...]) -> list[dict[str, object]]:
    """The records of `topic` once those with `keys` (base64 in key_b64) are there."""
    wanted = {base64.b64encode(k).decode() for k in keys}
    timeout = Timeout(30, f"records with keys {keys} on {topic}")
    while timeout:
        records = [orjson.loads(m.value()) for m in drain(bootstrap, topic)]
        if wanted <= {str(r["key_b64"]) for r in records}:
            return records
    raise AssertionError("unreachable")
