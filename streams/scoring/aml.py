"""AML scoring of verified transactions: per-account features in a RocksDB-backed Faust table,
the named rules and one risk score per leg.

The outgoing leg is scored where the transaction arrives (qr.transactions is keyed by sender
account). The incoming leg is forwarded, keyed by receiver account, to an internal repartition
topic (what Faust's `group_by` does) and scored by a second agent, so each account's state sees
both its inflow and its outflow on one partition. Both agents use one table; they stay
co-partitioned as long as producers partition by murmur2 (Kafka's Java default, which
`SignedProducer` uses), as the repartition topic does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from faust.types import EventT, TopicT

from models.aml import AmlConfig, AmlFeatures, AmlRules, RiskScorer, TxnView, to_alert_reasons
from streams import metrics
from streams.agents.inputs import VerifiedBatch
from streams.alerts import Detection
from streams.faust_events import event_context
from streams.scoring.emit import Emitter
from topics.messages.score import ScoreRecord
from topics.messages.transaction import Transaction

__all__ = ["AmlScorer", "IncomingLeg"]


def now_us() -> int:
    return time.time_ns() // 1000


@dataclass(frozen=True, slots=True)
class IncomingLeg:
    """What the repartition topic carries: the verified transaction and its producer time."""

    transaction: dict[str, Any]
    producer_ts_us: int

    def dumps(self) -> bytes:
        return orjson.dumps({"t": self.transaction, "p": self.producer_ts_us})

    @classmethod
    def loads(cls, raw: bytes) -> IncomingLeg:
        data = orjson.loads(raw)
        return cls(data["t"], int(data["p"]))


class AmlScorer:
    def __init__(
        self,
        config: AmlConfig,
        table: Any,
        emitter: Emitter,
        incoming_topic: TopicT,
        model_version: str,
    ) -> None:
        self.features = AmlFeatures(config.features)
        self.rules = AmlRules(config.rules, config.features)
        self.risk = RiskScorer(config.risk)
        self.table = table
        self.emitter = emitter
        self.incoming_topic = incoming_topic
        self.model_version = model_version

    def _leg(
        self, account: str, view: TxnView, outgoing: bool, event_id: str, producer_us: int
    ) -> tuple[float, Detection | None]:
        key = account.encode()
        raw = self.table.get(key)
        state = self.features.loads(raw) if raw is not None else self.features.new_state()
        x = state.observe_outgoing(view) if outgoing else state.observe_incoming(view)
        self.table[key] = state.dumps()
        assessment = self.risk.assess(self.rules.evaluate(x, view))
        if not assessment.alert or assessment.typology is None:
            return assessment.score, None
        return assessment.score, Detection(
            kind="aml",
            typology=assessment.typology,
            severity=assessment.severity,
            score=assessment.score,
            entity=account,
            event_ids=(event_id,),
            reasons=tuple(to_alert_reasons(assessment.hits)),
            producer_ts_us=producer_us,
            model_version=self.model_version,
        )

    async def outgoing(self, batch: VerifiedBatch, ingest_us: int) -> None:
        """The outgoing leg of every accepted transaction; forwards the incoming leg."""
        verified_us = now_us()
        started = time.perf_counter()
        detections: list[Detection] = []
        scores: list[ScoreRecord] = []
        for event, verdict in batch.accepted:
            txn = verdict.payload
            if not isinstance(txn, Transaction) or verdict.envelope is None:
                continue
            producer_us = verdict.envelope.ts_us
            with event_context(event):
                score, detection = self._leg(
                    txn.sender_account, self.features.outgoing(txn), True, txn.event_id, producer_us
                )
            if detection is not None:
                detections.append(detection)
            stamp = now_us()
            scores.append(
                ScoreRecord(
                    event_id=txn.event_id,
                    kind="aml",
                    entity=txn.sender_account,
                    score=score,
                    model_version=self.model_version,
                    alerted=detection is not None,
                    producer_ts_us=producer_us,
                    ingest_ts_us=ingest_us,
                    verified_ts_us=verified_us,
                    scored_ts_us=stamp,
                    emitted_ts_us=stamp,
                )
            )
            leg = IncomingLeg(txn.model_dump(mode="json"), producer_us)
            await self.incoming_topic.send(key=txn.receiver_account.encode(), value=leg.dumps())
        metrics.STAGE_SECONDS.labels("score_aml").observe(time.perf_counter() - started)
        await self.emitter.emit(detections, scores)

    async def incoming(self, events: Sequence[EventT[bytes]]) -> None:
        """The incoming legs, on the receiver account's partition."""
        detections: list[Detection] = []
        for event in events:
            leg = IncomingLeg.loads(event.value)
            view = self.features.incoming(leg.transaction)
            account = str(leg.transaction["receiver_account"])
            with event_context(event):
                _, detection = self._leg(
                    account, view, False, str(leg.transaction["event_id"]), leg.producer_ts_us
                )
            if detection is not None:
                detections.append(detection)
        await self.emitter.emit(detections, [])
