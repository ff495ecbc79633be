"""Records of the four topics the ClickHouse sink reads, built with the models that write them
in the pipeline: shared by the sink's unit and integration tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

from models.quantum.inventory import HostInventory
from models.quantum.posture import classify
from streams import signing
from streams.alerts import AlertSigner
from streams.sequence import SequenceFile
from topics.messages.alert import Alert, AlertReason
from topics.messages.quarantine import QuarantineHeader, QuarantineRecord
from topics.messages.score import ScoreRecord
from topics.messages.telemetry import TelemetryEvent

__all__ = [
    "SIGNER_KID",
    "T0",
    "KafkaRecord",
    "alert",
    "inventory",
    "inventory_value",
    "quarantine",
    "score",
    "signed_alerts",
]

T0 = 1_767_225_600_000_000  # 2026-01-01 00:00:00 UTC, in microseconds
SIGNER_KID = "processor/test"
REASON = AlertReason(source="rule", name="fan_in", value=12.0, threshold=10.0, text="12 senders")


@dataclass(frozen=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] | None = None


def _uuid(kind: str, i: int, run: str = "") -> str:
    """Deterministic ids; `run` keeps them apart from earlier runs on a long-lived broker."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run}/{kind}/{i}"))


def score(
    i: int,
    stage_us: tuple[int, int, int, int] = (1000, 2000, 3000, 4000),
    kind: str = "aml",
    entity: str = "acct-1",
    producer_ts_us: int = T0,
    run: str = "",
) -> ScoreRecord:
    """Event `i` whose stages (ingest, verified, scored, emitted) came `stage_us` after
    `producer_ts_us`."""
    ingest, verified, scored, emitted = (producer_ts_us + d for d in stage_us)
    return ScoreRecord.model_validate(
        {
            "event_id": _uuid("event", i, run),
            "kind": kind,
            "entity": entity,
            "score": 0.25,
            "model_version": "qrstream.1",
            "alerted": False,
            "producer_ts_us": producer_ts_us,
            "ingest_ts_us": ingest,
            "verified_ts_us": verified,
            "scored_ts_us": scored,
            "emitted_ts_us": emitted,
        }
    )


def alert(
    i: int, count: int = 1, entity: str = "acct-1", producer_ts_us: int = T0, run: str = ""
) -> Alert:
    return Alert(
        alert_id=_uuid("alert", i, run),
        kind="aml",
        typology="fan_in",
        severity="high",
        score=0.8,
        entity=entity,
        event_ids=[_uuid("event", i, run)],
        reasons=[REASON],
        model_version="qrstream.1",
        producer_ts_us=producer_ts_us,
        detected_ts_us=producer_ts_us + 2000,
        count=count,
    )


def signed_alerts(alerts: list[Alert], ts_us: int, seq_dir: Path) -> list[KafkaRecord]:
    """The alerts as the processor publishes them: signed, with envelope headers."""
    pair = signing.generate_keypair("ML-DSA-44", bytes(32))
    signer = AlertSigner("qr.alerts", SIGNER_KID, pair, SequenceFile(seq_dir / "alerts.seq"))
    return [KafkaRecord(s.key, s.value, s.headers) for s in signer.sign(alerts, ts_us)]


def quarantine(i: int, topic: str = "qr.transactions") -> QuarantineRecord:
    return QuarantineRecord(
        reason="bad_signature",
        detail="signature does not verify",
        topic=topic,
        partition=i % 3,
        offset=i,
        record_ts_us=T0,
        key_b64="YWNjdC0x",
        value_b64=None,
        headers=[QuarantineHeader(name="qr-kid", value_b64="YmFuay9wMQ==")],
        kid="bank/p1",
        detected_ts_us=T0 + 500,
    )


def inventory(host: str, handshakes: int = 1) -> HostInventory:
    """A host seen in `handshakes` TLS 1.3 handshakes with a hybrid post-quantum group."""
    inv = HostInventory(host)
    for n in range(handshakes):
        event = TelemetryEvent(
            event_id=_uuid(host, n),
            ts_us=T0 + n,
            sensor="zeek-test",
            orig_h="10.0.0.1",
            orig_p=50000,
            resp_h="10.0.0.2",
            resp_p=443,
            server_name=host,
            version="TLSv13",
            cipher="TLS_AES_128_GCM_SHA256",
            group="X25519MLKEM768",
            established=True,
        )
        inv.update(classify(event))
    return inv


def inventory_value(inv: HostInventory) -> bytes:
    """The changelog record value of the workers' crypto-inventory table."""
    return orjson.dumps(inv.to_dict())
