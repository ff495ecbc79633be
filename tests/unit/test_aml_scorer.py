"""The AML scorer on its own (a dict for its table, recording topics): what reaches qr.alerts
when a model, not a rule, drives the risk."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from models.aml import AmlConfig, AmlFeatures
from models.classifier import LogisticClassifier
from streams import signing
from streams.agents.inputs import VerifiedBatch
from streams.alerts import AlertDeduper, AlertSigner
from streams.envelope import EnvelopeHeaders
from streams.scoring.aml import AmlScorer, classifier_model
from streams.scoring.emit import Emitter
from streams.sequence import SequenceFile
from streams.verifier import InboundRecord, Verdict
from topics.messages.alert import Alert
from topics.messages.transaction import Transaction
from topics.specs import ALERTS, TRANSACTIONS

pytestmark = pytest.mark.native  # alerts are signed

NOW = 1_800_000_000_000_000
PAIR = signing.generate_keypair("ML-DSA-44", bytes(32))


class RecordingTopic:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes | None, bytes]] = []

    async def send(self, *, key: bytes | None, value: bytes | None, headers: Any = None) -> None:
        assert value is not None
        self.sent.append((key, value))


class Event:
    """Stands in for a Faust event: the scorer only sets it as the current event, and a dict
    table has no partitions to look up."""


def payment(sender: str, amount: str, receiver_country: str) -> Transaction:
    return Transaction(
        event_id=str(uuid.uuid4()),
        ts_us=NOW,
        sender_account=sender,
        receiver_account=f"{sender}-R",
        amount=amount,
        currency="EUR",
        channel="wire",
        sender_country="DE",
        receiver_country=receiver_country,
    )


def trained_classifier() -> LogisticClassifier:
    """Analysts confirmed cross-border payments of a few thousand euros from new accounts and
    cleared small domestic ones; no rule fires on either."""
    features = AmlFeatures()
    classifier = classifier_model()
    for i in range(80):
        positive = i % 2 == 0
        txn = payment(
            f"L{i}",
            f"{3000 + 20 * i}.00" if positive else f"{20 + i}.50",
            "CY" if positive else "DE",
        )
        x = features.new_state().observe_outgoing(features.outgoing(txn))
        classifier.learn_one(x, positive)
    assert classifier.warmed_up
    return classifier


def batch_of(*txns: Transaction) -> VerifiedBatch:
    batch = VerifiedBatch()
    for seq, txn in enumerate(txns, 1):
        value = txn.model_dump_json().encode()
        record = InboundRecord(TRANSACTIONS, 0, seq, txn.sender_account.encode(), value)
        envelope = EnvelopeHeaders("ML-DSA-65", "bank/p1", NOW, seq, b"")
        batch.accepted.append((Event(), Verdict(record, envelope=envelope, payload=txn)))  # type: ignore[arg-type]
    return batch


class Scored:
    """What an AML scorer with a trained classifier sent for some payments."""

    def __init__(self, tmp_path: Path, *txns: Transaction) -> None:
        self.alerts, self.scores, self.incoming = (
            RecordingTopic(),
            RecordingTopic(),
            RecordingTopic(),
        )
        emitter = Emitter(
            self.alerts,
            self.scores,
            AlertDeduper(300.0),
            AlertSigner(ALERTS, "processor/t", PAIR, SequenceFile(tmp_path / "alerts.seq")),
        )
        table: dict[bytes, bytes] = {}
        scorer = AmlScorer(
            AmlConfig(),
            table,
            emitter,
            self.incoming,
            "qrstream.1",
            classifier=trained_classifier(),
        )
        asyncio.run(scorer.outgoing(batch_of(*txns), NOW))

    def alert(self, entity: str) -> Alert:
        [alert] = [
            a for _, v in self.alerts.sent if (a := Alert.model_validate_json(v)).entity == entity
        ]
        return alert


def test_an_alert_the_classifier_alone_raises_is_explained(tmp_path: Path) -> None:
    like_positives = payment("PROBE-POS", "4125.50", "CY")
    like_negatives = payment("PROBE-NEG", "64.20", "DE")
    scored = Scored(tmp_path, like_positives, like_negatives)
    alerts, scores, incoming = scored.alerts, scored.scores, scored.incoming

    [(key, raw)] = alerts.sent
    alert = Alert.model_validate_json(raw)
    assert key == b"PROBE-POS"
    assert (alert.typology, alert.kind) == ("learned_pattern", "aml")
    assert alert.event_ids == [like_positives.event_id]
    lead = alert.reasons[0]
    assert lead.name == "classifier_score"
    assert isinstance(lead.value, float) and lead.value > 0.8
    assert "80 analyst labels" in lead.text
    assert {r.source for r in alert.reasons[1:]} == {"feature"}
    assert len(alert.reasons) > 1
    by_entity = {orjson.loads(v)["entity"]: orjson.loads(v) for _, v in scores.sent}
    assert by_entity["PROBE-POS"]["alerted"] and not by_entity["PROBE-NEG"]["alerted"]
    assert by_entity["PROBE-POS"]["score"] > by_entity["PROBE-NEG"]["score"]
    assert len(incoming.sent) == 2  # both receivers' legs go on to the repartition topic


def test_the_strongest_source_explains_first(tmp_path: Path) -> None:
    scored = Scored(
        tmp_path,
        payment("TO-IR", "4125.50", "IR"),  # the high-risk country rule outweighs the classifier
        payment("ROUND", "20000.00", "CY"),  # the classifier outweighs the round-amount rule
    )
    to_ir, round_ = scored.alert("TO-IR"), scored.alert("ROUND")
    assert to_ir.typology == "high_risk_jurisdiction"
    assert [r.name for r in to_ir.reasons[:2]] == [
        "high_risk_counterparty_country",
        "classifier_score",
    ]
    assert round_.typology == "learned_pattern"
    assert round_.reasons[0].name == "classifier_score"
    assert round_.reasons[-1].name == "large_round_amount"
