"""`qrstream worker` over the real broker with scoring: signed telemetry scenarios raise the
expected quantum-threat alerts, a burst of forged records raises an integrity alert, clean
traffic raises none, and every alert verifies against the processor's published key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from confluent_kafka import Producer

from models.quantum import HostInventory
from streams import signing
from streams.envelope import build_headers, signed_message
from streams.keys.registry import load_root_public_key
from streams.keys.topic import load_registry
from streams.producer import SignedProducer
from streams.replay import SqliteReplayGuard
from streams.sequence import SequenceFile
from streams.verifier import InboundRecord, Verifier
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
from topics.specs import ALERTS, SCORES, TELEMETRY, TRANSACTIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SENSOR_KID = "zeek/dc1"
WORKER = "s1"


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineEnv]:
    root = tmp_path_factory.mktemp("scoring")
    yield make_pipeline_env(root, kafka_bootstrap, (SENSOR_KID, f"processor/{WORKER}"))


def handshake(server: str, **fields: Any) -> dict[str, Any]:
    event = dict(EXAMPLES["telemetry"][0])  # TLS 1.3 with X25519MLKEM768: clean
    event.update(
        event_id=str(uuid.uuid4()),
        ts_us=time.time_ns() // 1000,
        server_name=server,
        **fields,
    )
    return event


SCENARIOS = {
    "clean.example.com": {},
    "legacy.example.com": {
        "version": "TLSv10",
        "cipher": "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "group": None,
        "client_versions": ["TLSv10"],
        "client_groups": [],
        "client_key_shares": [],
    },
    "downgrade.example.com": {"group": "x25519"},
    "ldap.bank.example.com": {
        "resp_p": 636,
        "service": "ldap_tcp,ssl",
        "group": "x25519",
        "client_groups": ["x25519", "secp256r1"],
        "client_key_shares": ["x25519"],
    },
}
EXPECTED = {
    ("legacy.example.com", "legacy_crypto"),
    ("downgrade.example.com", "pq_downgrade"),
    ("ldap.bank.example.com", "hndl_exposure"),
}


def test_scenarios_raise_signed_alerts_and_clean_traffic_none(pipeline: PipelineEnv) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    port = free_port()
    worker = WorkerProcess(pipeline, WORKER, port)
    try:
        store = key_store(pipeline)
        with SignedProducer(
            bootstrap,
            key_id=SENSOR_KID,
            keypair=store.keypair(SENSOR_KID),
            sequence=SequenceFile(pipeline.root / "sensor.seq"),
        ) as producer:
            for server, fields in SCENARIOS.items():
                producer.produce(TELEMETRY, "zeek/dc1-tap3", handshake(server, **fields))
        forger = store.keypair(f"processor/{WORKER}")  # a registered key, but not the sensor's
        plain = Producer({"bootstrap.servers": bootstrap})
        for seq in range(1, 7):
            value = orjson.dumps(handshake("forged.example.com"))
            ts = time.time_ns() // 1000
            m = signed_message(TELEMETRY, b"zeek/dc1-tap3", ts, seq, SENSOR_KID, value)
            sig = signing.sign(forger.algorithm, forger.private_key, m)
            headers = build_headers(forger.algorithm, SENSOR_KID, ts, seq, sig)
            plain.produce(TELEMETRY, value, b"zeek/dc1-tap3", headers=headers)
        assert plain.flush(30) == 0

        # Other test modules alert too: keep the alerts about our entities.
        ours = {server for server, _ in EXPECTED} | set(SCENARIOS) | {SENSOR_KID}
        timeout = Timeout(60, f"alerts {EXPECTED} and an integrity alert")
        while timeout:
            alerts = [
                m for m in drain(bootstrap, ALERTS) if orjson.loads(m.value())["entity"] in ours
            ]
            if len(alerts) >= len(EXPECTED) + 1:
                break
        timeout = Timeout(60, f"{len(SCENARIOS)} telemetry score records")
        while timeout:
            scores = [
                m
                for m in drain(bootstrap, SCORES)
                if orjson.loads(m.value())["entity"] in SCENARIOS
            ]
            if len(scores) >= len(SCENARIOS):
                break
        metrics = scrape(port)
        changelog = f"{pipeline.env['QR_APP_ID']}-crypto-inventory-changelog"
        timeout = Timeout(60, f"inventory of every scenario host on {changelog}")
        while timeout:
            inventory = {
                m.key().decode(): HostInventory.from_dict(orjson.loads(m.value()))
                for m in drain(bootstrap, changelog)
            }
            if set(SCENARIOS) <= set(inventory):
                break
    finally:
        assert worker.stop() == 0

    assert inventory["clean.example.com"].pq_ready()
    assert not inventory["legacy.example.com"].pq_ready()
    assert not inventory["downgrade.example.com"].pq_ready()
    payloads = [orjson.loads(m.value()) for m in alerts]
    got = {(a["entity"], a["typology"]) for a in payloads}
    assert EXPECTED <= got
    assert ("clean.example.com", "legacy_crypto") not in got
    assert not any(a["entity"] == "clean.example.com" for a in payloads)
    assert ("zeek/dc1", "integrity_bad_signature") in got
    assert len(scores) == len(SCENARIOS)
    assert (
        metrics['qrstream_records_quarantined_total{reason="bad_signature",topic="qr.telemetry"}']
        == 6
    )

    registry = load_registry(
        bootstrap, load_root_public_key(Path(pipeline.env["QR_ROOT_PUBLIC_KEY_FILE"]))
    )
    verifier = Verifier(registry, SqliteReplayGuard(pipeline.root / "alerts-replay.db"))
    verdicts = verifier.verify_batch(
        InboundRecord(m.topic(), m.partition(), m.offset(), m.key(), m.value(), m.headers())
        for m in alerts
    )
    assert [v.detail for v in verdicts if not v.accepted] == []
    assert {v.key_id for v in verdicts} == {f"processor/{WORKER}"}


def payment(
    sender: str, receiver: str, amount: str, receiver_country: str = "DE"
) -> dict[str, Any]:
    txn = dict(EXAMPLES["transaction"][0])
    txn.update(
        event_id=str(uuid.uuid4()),
        ts_us=time.time_ns() // 1000,
        sender_account=sender,
        receiver_account=receiver,
        amount=amount,
        currency="EUR",
        channel="wire",
        sender_country="DE",
        receiver_country=receiver_country,
    )
    return txn


AML_SCENARIOS: list[tuple[str, str, str, str]] = [
    *[("ACCT-CLEAN", "ACCT-SHOP", "45.67", "DE")] * 5,
    ("ACCT-HR", "ACCT-X1", "2500.00", "KP"),
    ("ACCT-ROUND", "ACCT-X2", "50000.00", "DE"),
    *[("ACCT-FAN", f"ACCT-R{i}", "400.00", "DE") for i in range(12)],
    *[(f"ACCT-S{i}", "ACCT-SINK", "400.00", "DE") for i in range(12)],
]
AML_EXPECTED = {
    ("ACCT-HR", "high_risk_jurisdiction"),
    ("ACCT-ROUND", "large_round_amount"),
    ("ACCT-FAN", "fan_out"),
    ("ACCT-SINK", "fan_in"),  # the receiver side, scored after repartitioning
}


def test_aml_typologies_alert_on_both_legs_and_clean_payments_do_not(
    pipeline: PipelineEnv,
) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    worker = WorkerProcess(pipeline, WORKER, free_port())
    try:
        store = key_store(pipeline)
        with SignedProducer(
            bootstrap,
            key_id=SENSOR_KID,  # any registered producer key may publish transactions
            keypair=store.keypair(SENSOR_KID),
            sequence=SequenceFile(pipeline.root / "sensor.seq"),
        ) as producer:
            for sender, receiver, amount, country in AML_SCENARIOS:
                producer.produce(TRANSACTIONS, sender, payment(sender, receiver, amount, country))
        entities = {entity for entity, _ in AML_EXPECTED} | {"ACCT-CLEAN", "ACCT-SHOP"}
        senders = {sender for sender, _, _, _ in AML_SCENARIOS}
        found: set[tuple[str, str]] = set()
        timeout = Timeout(60, f"alerts {AML_EXPECTED}")
        while not AML_EXPECTED <= found and timeout:
            for m in drain(bootstrap, ALERTS):
                alert = orjson.loads(m.value())
                if alert["entity"] in entities:
                    found.add((alert["entity"], alert["typology"]))
        aml_scores: list[dict[str, Any]] = []
        timeout = Timeout(60, f"{len(AML_SCENARIOS)} aml score records")
        while len(aml_scores) < len(AML_SCENARIOS) and timeout:
            records = [orjson.loads(m.value()) for m in drain(bootstrap, SCORES)]
            aml_scores = [r for r in records if r["kind"] == "aml" and r["entity"] in senders]
    finally:
        assert worker.stop() == 0
    assert AML_EXPECTED <= found
    assert not {e for e, _ in found} & {"ACCT-CLEAN", "ACCT-SHOP"}
    assert len(aml_scores) == len(AML_SCENARIOS)
    assert all(s["verified_ts_us"] <= s["scored_ts_us"] <= s["emitted_ts_us"] for s in aml_scores)
