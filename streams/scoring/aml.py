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
from faust.types import EventT

from models.aml import (
    ANOMALY_TYPOLOGY,
    CLASSIFIER_TYPOLOGY,
    AmlConfig,
    AmlFeatures,
    AmlRules,
    RiskScorer,
    TxnView,
    to_alert_reasons,
)
from models.base import Estimator
from models.classifier import LogisticClassifier
from models.hst import HalfSpaceTrees
from streams import metrics
from streams.agents.inputs import VerifiedBatch
from streams.alerts import Detection
from streams.faust_events import event_context
from streams.outputs import TopicSender
from streams.scoring.emit import Emitter
from streams.scoring.feedback import FeatureCache
from topics.messages.alert import AlertReason
from topics.messages.score import ScoreRecord
from topics.messages.transaction import Transaction

__all__ = ["ANOMALY_FEATURES", "AmlScorer", "IncomingLeg", "anomaly_model", "classifier_model"]

# What the anomaly detector looks at: size, own history, geography, dormancy, velocity, breadth
# and pass-through. A dozen features keep half-space trees cheap on the hot path.
ANOMALY_FEATURES = (
    "log_amount",
    "amount_zscore",
    "cross_border",
    "high_risk_country",
    "dormancy_days",
    "out_count_1h",
    "out_sum_24h",
    "in_sum_24h",
    "out_distinct_24h",
    "in_distinct_24h",
    "passthrough_share_24h",
    "out_velocity_count",
)
# Heavy-tailed counts and sums are compared on a log scale.
LOG_FEATURES = ("dormancy_days", "out_count_1h", "out_sum_24h", "in_sum_24h")


def classifier_model() -> LogisticClassifier:
    """The supervised model over the same features, trained by analysts' labels."""
    return LogisticClassifier(features=ANOMALY_FEATURES, log_features=LOG_FEATURES)


def anomaly_model() -> HalfSpaceTrees:
    """One per worker, shared by both legs; learns on every fourth leg to stay cheap."""
    return HalfSpaceTrees(
        n_trees=15,
        height=6,
        window_size=250,
        warm_up=1000,
        features=ANOMALY_FEATURES,
        log_features=LOG_FEATURES,
        learn_every=4,
        seed=42,
    )


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
        incoming_topic: TopicSender,
        model_version: str,
        anomaly: HalfSpaceTrees | None = None,
        classifier: LogisticClassifier | None = None,
        features_cache: FeatureCache | None = None,
    ) -> None:
        self.features = AmlFeatures(config.features)
        self.rules = AmlRules(config.rules, config.features)
        self.risk = RiskScorer(config.risk)
        self._c_floor = config.risk.classifier_floor
        self.table = table
        self.emitter = emitter
        self.incoming_topic = incoming_topic
        self.model_version = model_version
        self.anomaly = anomaly
        self.classifier = classifier
        self.features_cache = features_cache

    def _leg(
        self, account: str, view: TxnView, outgoing: bool, event_id: str, producer_us: int
    ) -> tuple[float, Detection | None]:
        key = account.encode()
        raw = self.table.get(key)
        state = self.features.loads(raw) if raw is not None else self.features.new_state()
        x = state.observe_outgoing(view) if outgoing else state.observe_incoming(view)
        self.table[key] = state.dumps()
        anomaly = None
        if self.anomaly is not None:
            if self.anomaly.warmed_up:
                anomaly = self.anomaly.score_one(x)
            self.anomaly.learn_one(x)
        learned = None
        if outgoing and self.classifier is not None:
            if self.features_cache is not None:  # for the label that may come later
                self.features_cache.put(event_id, x)
            if self.classifier.warmed_up:
                learned = self.classifier.score_one(x)
        assessment = self.risk.assess(
            self.rules.evaluate(x, view), anomaly=anomaly, classifier=learned
        )
        if not assessment.alert or assessment.typology is None:
            return assessment.score, None
        # Most important first: a model that drives the risk goes ahead of the weaker rules.
        reasons = to_alert_reasons(assessment.hits)
        if self.anomaly is not None and (anomaly or 0.0) > 0.0:
            leads = assessment.typology == ANOMALY_TYPOLOGY
            found = self._feature_reasons(self.anomaly, x, top=3 if leads else 2)
            reasons = found + reasons if leads else reasons + found
        if self.classifier is not None and learned is not None and learned > self._c_floor:
            leads = assessment.typology == CLASSIFIER_TYPOLOGY
            found = self._classifier_reasons(self.classifier, x, learned, top=3 if leads else 2)
            reasons = found + reasons if leads else reasons + found
        return assessment.score, Detection(
            kind="aml",
            typology=assessment.typology,
            severity=assessment.severity,
            score=assessment.score,
            entity=account,
            event_ids=(event_id,),
            reasons=tuple(reasons[:64]),
            producer_ts_us=producer_us,
            model_version=self.model_version,
        )

    @staticmethod
    def _feature_reasons(model: Estimator, x: dict[str, float], top: int) -> list[AlertReason]:
        """A model's top feature contributions, as alert evidence."""
        return [
            AlertReason(source="feature", name=c.name, value=c.value, threshold=None, text=c.text)
            for c in model.explain_one(x, top=top)
        ]

    def _classifier_reasons(
        self, classifier: LogisticClassifier, x: dict[str, float], p: float, top: int
    ) -> list[AlertReason]:
        """The classifier's probability, then its top terms. An alert needs at least one
        reason, and its terms alone may be none (all features at their means)."""
        text = (
            f"{p:.0%} probability of a true positive from the classifier trained on "
            f"{classifier.labels_seen} analyst labels"
        )
        score = AlertReason(
            source="rule",
            name="classifier_score",
            value=round(p, 6),
            threshold=self._c_floor,
            text=text,
        )
        return [score, *self._feature_reasons(classifier, x, top)]

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
