"""The worker's AML scorer with sanctions lists configured: a listed sender or receiver
reaches qr.alerts as a signed `sanctions_match` alert on its own account."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from models.aml import AmlConfig, AmlRulesConfig
from models.sanctions import SanctionsConfig
from streams import signing
from streams.agents.inputs import VerifiedBatch
from streams.alerts import AlertDeduper, AlertSigner
from streams.envelope import EnvelopeHeaders
from streams.scoring.aml import AmlScorer
from streams.scoring.emit import Emitter
from streams.sequence import SequenceFile
from streams.verifier import InboundRecord, Verdict
from topics.messages.alert import Alert
from topics.messages.transaction import Transaction
from topics.specs import ALERTS, TRANSACTIONS

pytestmark = pytest.mark.native  # alerts are signed

NOW = 1_800_000_000_000_000


class RecordingTopic:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes | None, bytes]] = []

    async def send(self, *, key: bytes | None, value: bytes | None, headers: Any = None) -> None:
        assert value is not None
        self.sent.append((key, value))


class Event:
    """Stands in for a Faust event: the scorer sets it as the current event and reads the
    value of a repartitioned one."""

    def __init__(self, value: bytes = b"") -> None:
        self.value = value


def payment(sender_name: str, receiver_name: str) -> Transaction:
    return Transaction(
        event_id=str(uuid.uuid4()),
        ts_us=NOW,
        sender_account="DE89370400440532013000",
        receiver_account="GB29NWBK60161331926819",
        sender_name=sender_name,
        receiver_name=receiver_name,
        amount="120.00",
        currency="EUR",
        channel="wire",
        sender_country="DE",
        receiver_country="GB",
    )


def scored_alerts(tmp_path: Path, shared_dir: Path, txn: Transaction) -> list[Alert]:
    """Both legs of `txn` through an AML scorer screening against the tiny SDN list."""
    alerts, scores, incoming = RecordingTopic(), RecordingTopic(), RecordingTopic()
    pair = signing.generate_keypair("ML-DSA-44", bytes(32))
    emitter = Emitter(
        alerts,
        scores,
        AlertDeduper(300.0),
        AlertSigner(ALERTS, "processor/t", pair, SequenceFile(tmp_path / "alerts.seq")),
    )
    lists = SanctionsConfig(ofac_dirs=(shared_dir / "data" / "sanctions" / "ofac-sdn-tiny",))
    config = AmlConfig(rules=AmlRulesConfig(sanctions=lists))
    scorer = AmlScorer(config, {}, emitter, incoming, "qrstream.1")
    batch = VerifiedBatch()
    record = InboundRecord(TRANSACTIONS, 0, 1, txn.sender_account.encode(), b"")
    envelope = EnvelopeHeaders("ML-DSA-65", "bank/p1", NOW, 1, b"")
    batch.accepted.append((Event(), Verdict(record, envelope=envelope, payload=txn)))
    asyncio.run(scorer.outgoing(batch, NOW))
    asyncio.run(scorer.incoming([Event(value) for _, value in incoming.sent]))
    return [Alert.model_validate_json(value) for _, value in alerts.sent]


def test_listed_sender_alerts_on_the_sender_account(tmp_path: Path, shared_dir: Path) -> None:
    txn = payment("Dmitrii Yurievich Khoroshev", "Anna Schmidt")
    [alert] = scored_alerts(tmp_path, shared_dir, txn)
    assert (alert.kind, alert.typology, alert.entity) == (
        "aml",
        "sanctions_match",
        txn.sender_account,
    )
    assert alert.severity in ("high", "critical")
    assert alert.event_ids == [txn.event_id]
    assert alert.reasons[0].name == "sanctions_match"
    assert "sender name 'Dmitrii Yurievich Khoroshev' matches OFAC SDN entry 48603" in (
        alert.reasons[0].text
    )


def test_listed_receiver_alerts_on_the_receiver_account(tmp_path: Path, shared_dir: Path) -> None:
    txn = payment("Anna Schmidt", "Iris Makran")
    [alert] = scored_alerts(tmp_path, shared_dir, txn)
    assert (alert.typology, alert.entity) == ("sanctions_match", txn.receiver_account)
    assert alert.reasons[0].text.startswith(
        "receiver name 'Iris Makran' matches OFAC SDN entry 40716 'IRIS MAKRAN', similarity 100"
    )


def test_unlisted_names_raise_nothing(tmp_path: Path, shared_dir: Path) -> None:
    assert scored_alerts(tmp_path, shared_dir, payment("Anna Schmidt", "Jan de Vries")) == []
