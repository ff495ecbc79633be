"""`qrstream worker` over the real broker, for what test_worker_scoring.py leaves out: the
structuring, rapid movement, dormant reactivation and velocity spike typologies on transactions,
bulk encrypted exfiltration on telemetry once the anomaly model has warmed up, integrity bursts
of replayed records and of an unregistered key, and the supervised classifier learning from
analysts' labels on qr.feedback. Expected alerts verify against the worker's published key;
control accounts and hosts, many of them near misses, raise none.

Each test runs its own worker id, so each starts with cold per-worker models."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from confluent_kafka import Message, Producer

from models.aml.state import AccountState
from models.checkpoint import restore_latest
from models.classifier import LogisticClassifier
from streams import signing
from streams.app import MODEL_VERSION
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
from topics.specs import ALERTS, FEEDBACK, SCORES, TELEMETRY, TRANSACTIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Entities and key ids are unique per run: a long-lived broker (KAFKA_BOOTSTRAP) keeps the
# alerts of earlier runs, which must neither satisfy nor fail this run's assertions.
RUN = uuid.uuid4().hex[:8]
BANK_KID = f"bank-{RUN}/p1"
SENSOR_KID = f"zeek-{RUN}/dc2"
SENSOR = f"zeek-{RUN}/dc2-tap1"
INTRUDER_KID = f"intruder-{RUN}/p1"  # never published on qr.keys
WORKERS = ("ty-aml", "ty-int", "ty-exfil", "ty-fb")

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineEnv]:
    root = tmp_path_factory.mktemp("typologies")
    kids = (BANK_KID, SENSOR_KID, *(f"processor/{w}" for w in WORKERS))
    pipeline = make_pipeline_env(root, kafka_bootstrap, kids)
    # The warm-up gauges are set when the models are checkpointed: every second here.
    pipeline.env["QR_CHECKPOINT_INTERVAL_S"] = "1"
    yield pipeline


def acct(name: str) -> str:
    return f"TY{RUN}-{name}"


def now_us() -> int:
    return time.time_ns() // 1000


def payment(
    sender: str, receiver: str, amount: str, ts_us: int, receiver_country: str = "DE"
) -> dict[str, Any]:
    """A wire in EUR; `ts_us` is the transaction time the features use (qr-ts is the
    producer's own clock, always current)."""
    txn = dict(EXAMPLES["transaction"][0])
    txn.update(
        event_id=str(uuid.uuid4()),
        ts_us=ts_us,
        sender_account=sender,
        receiver_account=receiver,
        amount=amount,
        currency="EUR",
        channel="wire",
        sender_country="DE",
        receiver_country=receiver_country,
    )
    return txn


def publish(
    pipeline: PipelineEnv, topic: str, records: Iterable[tuple[str, dict[str, Any]]], kid: str
) -> None:
    """Signed by `kid` through the producer SDK, in order."""
    with SignedProducer(
        pipeline.env["QR_KAFKA_BOOTSTRAP"],
        key_id=kid,
        keypair=key_store(pipeline).keypair(kid),
        sequence=SequenceFile(pipeline.root / f"{kid.replace('/', '_')}.seq"),
    ) as producer:
        count = 0
        for key, value in records:
            producer.produce(topic, key, value)
            count += 1
    assert producer.stats.delivered == count


def payments(pipeline: PipelineEnv, txns: Iterable[dict[str, Any]]) -> None:
    publish(pipeline, TRANSACTIONS, ((t["sender_account"], t) for t in txns), BANK_KID)


def plain_producer(pipeline: PipelineEnv) -> Producer:
    # murmur2, as SignedProducer: the worker's tables assume keys partitioned like Kafka's Java
    # client does it.
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    return Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"})


def alerts_about(bootstrap: str, entities: set[str]) -> list[Message]:
    return [m for m in drain(bootstrap, ALERTS) if orjson.loads(m.value())["entity"] in entities]


def typologies(alerts: list[Message]) -> set[tuple[str, str]]:
    return {(a["entity"], a["typology"]) for a in map(orjson.loads, (m.value() for m in alerts))}


def wait_for_alerts(
    bootstrap: str, expected: set[tuple[str, str]], entities: set[str]
) -> list[Message]:
    timeout = Timeout(90, f"alerts {sorted(expected)}")
    while timeout:
        alerts = alerts_about(bootstrap, entities)
        if expected <= typologies(alerts):
            return alerts
    raise AssertionError("unreachable")


def wait_for_scores(bootstrap: str, event_ids: set[str]) -> list[dict[str, Any]]:
    """The score records of these events, once every one of them has one."""
    timeout = Timeout(90, f"score records of {len(event_ids)} events")
    while timeout:
        records = [orjson.loads(m.value()) for m in drain(bootstrap, SCORES)]
        ours = [r for r in records if r["event_id"] in event_ids]
        if {r["event_id"] for r in ours} == event_ids:
            return ours
    raise AssertionError("unreachable")


def wait_for_gauge(port: int, sample: str, value: float) -> None:
    timeout = Timeout(90, f"{sample} = {value}")
    while timeout:
        if scrape(port).get(sample) == value:
            return
        time.sleep(0.5)


def latest(bootstrap: str, topic: str) -> dict[str, bytes]:
    """The newest value per key of a changelog topic."""
    return {m.key().decode(): m.value() for m in drain(bootstrap, topic, quiet_s=1.0)}


def wait_for_accounts(pipeline: PipelineEnv, legs: dict[str, tuple[int, int]]) -> None:
    """Until the aml-accounts changelog shows each account having observed its (outgoing,
    incoming) legs: both scoring agents are done with them."""
    changelog = f"{pipeline.env['QR_APP_ID']}-aml-accounts-changelog"
    timeout = Timeout(90, f"{len(legs)} account states on {changelog}")
    while timeout:
        states = latest(pipeline.env["QR_KAFKA_BOOTSTRAP"], changelog)
        seen = {a: AccountState.loads(raw) for a, raw in states.items() if a in legs}
        if {a: (state.out.n, state.inc.n) for a, state in seen.items()} == legs:
            return


def legs_of(txns: Iterable[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    out = Counter(t["sender_account"] for t in txns)
    inc = Counter(t["receiver_account"] for t in txns)
    return {account: (out[account], inc[account]) for account in out | inc}


def verify_alerts(pipeline: PipelineEnv, alerts: list[Message], worker: str) -> None:
    """Every alert verifies against the registry on qr.keys, signed by the worker's own key."""
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    registry = load_registry(
        bootstrap, load_root_public_key(Path(pipeline.env["QR_ROOT_PUBLIC_KEY_FILE"]))
    )
    guard = SqliteReplayGuard(pipeline.root / f"alerts-{uuid.uuid4().hex}.db")
    try:
        verdicts = Verifier(registry, guard).verify_batch(
            InboundRecord(m.topic(), m.partition(), m.offset(), m.key(), m.value(), m.headers())
            for m in alerts
        )
    finally:
        guard.close()
    assert [v.detail for v in verdicts if not v.accepted] == []
    assert {v.key_id for v in verdicts} == {f"processor/{worker}"}


def by_typology(alerts: list[Message]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(a["entity"], a["typology"]): a for a in (orjson.loads(m.value()) for m in alerts)}


def aml_scenarios(t0: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(first, after the inflows are scored): payments that should alert, and near misses of
    each that should not. Times are transaction times before `t0`."""
    first: list[dict[str, Any]] = []
    # Three wires just under the 10,000 EUR reporting threshold within an hour...
    for i, amount in enumerate(("9400.00", "9650.00", "9820.00")):
        first.append(payment(acct("STRUCT"), acct(f"STRUCT-R{i}"), amount, t0 - (3 - i) * HOUR_US))
    # ... and three below the 5,000 EUR floor of a structuring leg.
    for i, amount in enumerate(("4200.00", "4350.00", "4480.00")):
        first.append(payment(acct("LOW"), acct(f"LOW-R{i}"), amount, t0 - (3 - i) * HOUR_US))
    # 120 days without a payment, then 7,350 EUR out (dormant_min_eur 5,000) or only 1,200.
    for sender, amount in (("DORM", "7350.00"), ("DORM-SMALL", "1200.00")):
        first.append(payment(acct(sender), acct("DORM-OLD"), "250.00", t0 - 120 * DAY_US))
        first.append(payment(acct(sender), acct(f"{sender}-R"), amount, t0))
    # A payment a day for three days, then 12 within the hour (velocity_min_count 10) or 6.
    for sender, burst in (("VEL", 12), ("VEL-SLOW", 6)):
        first += [
            payment(acct(sender), acct("VEL-OLD"), "80.00", t0 - d * DAY_US) for d in (3, 2, 1)
        ]
        first += [
            payment(
                acct(sender), acct("VEL-SHOP"), "120.00", t0 - HOUR_US + (k + 1) * 4 * MINUTE_US
            )
            for k in range(burst)
        ]
    # The inflows of a mule and of an account that keeps most of what it receives...
    first.append(payment(acct("SRC"), acct("MULE"), "19750.00", t0 - 30 * MINUTE_US))
    first.append(payment(acct("SRC2"), acct("KEEP"), "19750.00", t0 - 30 * MINUTE_US))
    # ... and their outflows 20 minutes later: 96 % of it, or 21 %.
    then = [
        payment(acct("MULE"), acct("MULE-DST"), "18950.00", t0 - 10 * MINUTE_US),
        payment(acct("KEEP"), acct("KEEP-DST"), "4100.00", t0 - 10 * MINUTE_US),
    ]
    return first, then


AML_EXPECTED = {
    (acct("STRUCT"), "structuring"),
    (acct("DORM"), "dormant_reactivation"),
    (acct("VEL"), "velocity_spike"),
    (acct("MULE"), "rapid_movement"),
}


def test_aml_typologies_raise_signed_alerts_and_their_near_misses_none(
    pipeline: PipelineEnv,
) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    first, then = aml_scenarios(now_us())
    accounts = set(legs_of(first + then))
    worker = WorkerProcess(pipeline, "ty-aml", free_port())
    try:
        payments(pipeline, first)
        # The inflows reach MULE and KEEP through the repartition topic: their outflows must
        # not overtake them, or pass-through would be judged on the inflow's leg instead.
        wait_for_accounts(pipeline, {acct("MULE"): (0, 1), acct("KEEP"): (0, 1)})
        payments(pipeline, then)
        wait_for_alerts(bootstrap, AML_EXPECTED, accounts)
        wait_for_accounts(pipeline, legs_of(first + then))
        scores = wait_for_scores(bootstrap, {t["event_id"] for t in first + then})
        alerts = alerts_about(bootstrap, accounts)
    finally:
        assert worker.stop() == 0

    assert typologies(alerts) == AML_EXPECTED
    assert len(scores) == len(first + then)  # one per outgoing leg, none twice
    alerted = {s["entity"] for s in scores if s["alerted"]}
    assert alerted == {entity for entity, _ in AML_EXPECTED}
    found = by_typology(alerts)
    mule = found[(acct("MULE"), "rapid_movement")]
    assert mule["event_ids"] == [then[0]["event_id"]]  # fired on the outflow, after the inflow
    dormant = found[(acct("DORM"), "dormant_reactivation")]["reasons"][0]
    assert dormant["value"] == pytest.approx(120, abs=0.01)  # days of payload time, not qr-ts
    structuring = found[(acct("STRUCT"), "structuring")]["reasons"]
    assert structuring[0]["value"] == pytest.approx(9400 + 9650 + 9820)
    verify_alerts(pipeline, alerts, "ty-aml")


def signed(
    kid: str, pair: signing.KeyPair, key: str, txn: dict[str, Any], seq: int
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of a transaction signed by hand, to be sent again unchanged."""
    value = orjson.dumps(txn)
    ts = now_us()
    sig = signing.sign(
        pair.algorithm,
        pair.private_key,
        signed_message(TRANSACTIONS, key.encode(), ts, seq, kid, value),
    )
    return key.encode(), value, list(build_headers(pair.algorithm, kid, ts, seq, sig))


def test_bursts_of_replays_and_of_an_unknown_key_raise_integrity_alerts(
    pipeline: PipelineEnv,
) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    port = free_port()
    sender = acct("REPLAYED")
    bank = key_store(pipeline).keypair(BANK_KID)
    intruder = signing.generate_keypair("ML-DSA-65")
    t0 = now_us()
    originals = [
        signed(BANK_KID, bank, sender, payment(sender, acct("R"), f"{50 + i}.00", t0), i + 1)
        for i in range(6)
    ]
    unknown = [
        signed(
            INTRUDER_KID,
            intruder,
            acct("FORGED"),
            payment(acct("FORGED"), acct("R"), "1.00", t0),
            i + 1,
        )
        for i in range(6)
    ]
    expected = {(BANK_KID, "integrity_replay"), (INTRUDER_KID, "integrity_unknown_key")}
    replays = f'qrstream_records_quarantined_total{{reason="replay",topic="{TRANSACTIONS}"}}'
    worker = WorkerProcess(pipeline, "ty-int", port)
    try:
        producer = plain_producer(pipeline)
        for key, value, headers in originals:
            producer.produce(TRANSACTIONS, value, key, headers=headers)
        assert producer.flush(30) == 0
        # The same records again: new offsets, sequence numbers already accepted.
        for key, value, headers in [*originals, *unknown]:
            producer.produce(TRANSACTIONS, value, key, headers=headers)
        assert producer.flush(30) == 0
        alerts = wait_for_alerts(bootstrap, expected, {BANK_KID, INTRUDER_KID})
        timeout = Timeout(60, "6 replays quarantined")
        while scrape(port).get(replays, 0) < 6 and timeout:
            time.sleep(0.5)
        scores = wait_for_scores(bootstrap, {orjson.loads(v)["event_id"] for _, v, _ in originals})
        metrics = scrape(port)
    finally:
        assert worker.stop() == 0

    assert typologies(alerts) == expected
    assert metrics[replays] == 6
    # Other test modules' records are unknown keys to this registry too: at least ours.
    assert (
        metrics[
            f'qrstream_records_quarantined_total{{reason="unknown_key",topic="{TRANSACTIONS}"}}'
        ]
        >= 6
    )
    assert len(scores) == 6  # the replayed copies were never scored
    found = by_typology(alerts)
    assert found[(BANK_KID, "integrity_replay")]["kind"] == "integrity"
    assert (
        "replayed sequence numbers" in found[(BANK_KID, "integrity_replay")]["reasons"][0]["text"]
    )
    verify_alerts(pipeline, alerts, "ty-int")


def handshake(client: str, server: str, ts_us: int, out: int, inn: int) -> dict[str, Any]:
    """A clean TLS 1.3 handshake with a post-quantum hybrid group and its byte counts."""
    event = dict(EXAMPLES["telemetry"][0])
    event.update(
        event_id=str(uuid.uuid4()),
        ts_us=ts_us,
        sensor=SENSOR,
        orig_h=client,
        server_name=server,
        orig_bytes=out,
        resp_bytes=inn,
    )
    return event


def test_a_bulk_upload_after_the_warm_up_raises_bulk_exfiltration(pipeline: PipelineEnv) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    port = free_port()
    rng = random.Random(RUN)  # noqa: S311 - seeded test traffic, not secrets
    net = f"100.{rng.randrange(64, 128)}.{rng.randrange(256)}"
    hosts = [f"{net}.{i}" for i in range(1, 21)]
    exfiltrating = hosts[3]
    server = f"files-{RUN}.example.com"
    t0 = now_us()
    # The model scores nothing before 1,000 flows (exfil_warm_up): 20 hosts x 55 ordinary
    # flows over ten minutes, downloads of ~60 KB for uploads of ~3 KB.
    ordinary = sorted(
        (
            handshake(
                host,
                server,
                t0 - 10 * MINUTE_US + k * 10_000_000 + rng.randrange(10_000_000),
                int(rng.lognormvariate(8.0, 0.8)),
                int(rng.lognormvariate(11.0, 1.0)),
            )
            for host in hosts
            for k in range(55)
        ),
        key=lambda e: e["ts_us"],
    )
    flows = Counter(e["orig_h"] for e in ordinary)
    warm = 'qrstream_model_warmed_up{model="exfil_hst"}'
    worker = WorkerProcess(pipeline, "ty-exfil", port)
    try:
        publish(pipeline, TELEMETRY, ((SENSOR, e) for e in ordinary), SENSOR_KID)
        wait_for_gauge(port, warm, 1.0)
        # 60-90 MB sent by one host within 20 s.
        t1 = now_us()
        bulk = [
            handshake(exfiltrating, server, t1 + k * 5_000_000, (60 + 10 * k) * 1_000_000, 4_000)
            for k in range(4)
        ]
        publish(pipeline, TELEMETRY, ((SENSOR, e) for e in bulk), SENSOR_KID)
        flows[exfiltrating] += len(bulk)
        entities = {*hosts, server}
        wait_for_alerts(bootstrap, {(exfiltrating, "bulk_exfiltration")}, entities)
        # Every flow of every host has gone through the model before the controls are judged.
        changelog = f"{pipeline.env['QR_APP_ID']}-exfil-volume-changelog"
        timeout = Timeout(90, f"every host's flows on {changelog}")
        while timeout:
            states = latest(bootstrap, changelog)
            if {h: orjson.loads(states[h])["n"] for h in hosts if h in states} == dict(flows):
                break
        alerts = alerts_about(bootstrap, entities)
    finally:
        assert worker.stop() == 0

    assert typologies(alerts) == {(exfiltrating, "bulk_exfiltration")}
    [alert] = [orjson.loads(m.value()) for m in alerts]
    assert alert["event_ids"][0] in {e["event_id"] for e in bulk}
    lead = alert["reasons"][0]
    assert lead["name"] == "exfil_score" and lead["value"] >= lead["threshold"]
    assert {r["source"] for r in alert["reasons"][1:]} == {"feature"}
    verify_alerts(pipeline, alerts, "ty-exfil")


def label(txn: dict[str, Any], positive: bool) -> dict[str, Any]:
    return {
        "label_id": str(uuid.uuid4()),
        "event_id": txn["event_id"],
        "entity": txn["sender_account"],
        "kind": "aml",
        "label": "positive" if positive else "negative",
        "analyst": "a.analyst",
        "ts_us": now_us(),
    }


def test_analyst_labels_on_feedback_train_the_classifier(pipeline: PipelineEnv) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    port = free_port()
    t0 = now_us()
    # Analysts confirm cross-border payments of a few thousand euros from new accounts and
    # clear small domestic ones. No rule fires on either: only the labels can tell them apart.
    labelled = [
        (
            payment(acct(f"FB{i}"), acct(f"FB{i}-R"), f"{3000 + 20 * i}.00", t0, "CY")
            if i % 2 == 0
            else payment(acct(f"FB{i}"), acct(f"FB{i}-R"), f"{20 + i}.50", t0),
            i % 2 == 0,
        )
        for i in range(80)
    ]
    like_positives = payment(acct("PROBE-POS"), acct("PROBE-R"), "4125.50", t0, "CY")
    like_negatives = payment(acct("PROBE-NEG"), acct("PROBE-R"), "64.20", t0)
    warm = 'qrstream_model_warmed_up{model="aml_lr"}'
    worker = WorkerProcess(pipeline, "ty-fb", port)
    try:
        payments(pipeline, (txn for txn, _ in labelled))
        # A label teaches only once the event's features are cached, when it was scored.
        before = wait_for_scores(bootstrap, {txn["event_id"] for txn, _ in labelled})
        wait_for_gauge(port, warm, 0.0)
        producer = plain_producer(pipeline)
        for txn, positive in labelled:
            value = orjson.dumps(label(txn, positive))
            producer.produce(FEEDBACK, value, txn["sender_account"].encode())
        assert producer.flush(30) == 0
        wait_for_gauge(port, warm, 1.0)
        payments(pipeline, [like_positives, like_negatives])
        probes = {like_positives["event_id"], like_negatives["event_id"]}
        wait_for_alerts(bootstrap, {(acct("PROBE-POS"), "learned_pattern")}, {acct("PROBE-POS")})
        after = {s["entity"]: s for s in wait_for_scores(bootstrap, probes)}
        entities = {
            acct("PROBE-POS"),
            acct("PROBE-NEG"),
            *(t["sender_account"] for t, _ in labelled),
        }
        alerts = alerts_about(bootstrap, entities)
    finally:
        assert worker.stop() == 0

    assert not any(s["alerted"] for s in before)
    assert typologies(alerts) == {(acct("PROBE-POS"), "learned_pattern")}
    scored_pos, scored_neg = after[acct("PROBE-POS")], after[acct("PROBE-NEG")]
    assert scored_pos["alerted"] and not scored_neg["alerted"]
    assert scored_pos["score"] > 0.5 > scored_neg["score"]
    [alert] = [orjson.loads(m.value()) for m in alerts]
    assert alert["reasons"][0]["name"] == "classifier_score"
    assert "80 analyst labels" in alert["reasons"][0]["text"]
    verify_alerts(pipeline, alerts, "ty-fb")
    # What the labels taught survives the worker: its next start restores this.
    env = pipeline.env
    models = Path(env["QR_VAR_DIR"]) / "faust" / env["QR_APP_ID"] / "ty-fb" / "models"
    restored = restore_latest(models, "aml_lr.ty_fb", MODEL_VERSION, LogisticClassifier)
    assert restored is not None and restored.warmed_up
    assert (restored.labels_seen, restored.positives_seen) == (80, 40)
