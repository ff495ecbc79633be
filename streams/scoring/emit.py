"""The output side of the scorers: alerts (merged, signed) to qr.alerts and one score record
per accepted event to qr.scores."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from streams import metrics
from streams.agents.inputs import VerifiedBatch
from streams.alerts import AlertDeduper, AlertSigner, Detection
from streams.outputs import TopicSender
from topics.messages.alert import Alert, Severity
from topics.messages.score import ScoreRecord

__all__ = ["Emitter", "observe_end_to_end", "severity_for"]

# Lower bounds of each severity on the [0, 1] score.
SEVERITY_FLOORS: tuple[tuple[float, Severity], ...] = (
    (0.9, "critical"),
    (0.75, "high"),
    (0.5, "medium"),
    (0.25, "low"),
)


def severity_for(score: float) -> Severity:
    for floor, severity in SEVERITY_FLOORS:
        if score >= floor:
            return severity
    return "info"


def now_us() -> int:
    return time.time_ns() // 1000


class Emitter:
    def __init__(
        self,
        alerts_topic: TopicSender,
        scores_topic: TopicSender,
        deduper: AlertDeduper,
        signer: AlertSigner,
    ) -> None:
        self.alerts_topic = alerts_topic
        self.scores_topic = scores_topic
        self.deduper = deduper
        self.signer = signer

    async def emit(self, detections: Sequence[Detection], scores: Sequence[ScoreRecord]) -> None:
        stamp = now_us()
        alerts = [a for d in detections if (a := self.deduper.offer(d, stamp)) is not None]
        await self._send_alerts(alerts)
        for record in scores:
            emitted = record.model_copy(update={"emitted_ts_us": now_us()})
            await self.scores_topic.send(
                key=record.entity.encode(), value=emitted.model_dump_json().encode()
            )
            metrics.STAGE_SECONDS.labels("end_to_end").observe(
                (emitted.emitted_ts_us - record.producer_ts_us) / 1e6
            )

    async def flush_merged(self) -> None:
        """Re-emits alerts whose cool-down ended with repeats, carrying their final count."""
        await self._send_alerts(self.deduper.expire(now_us()))

    async def _send_alerts(self, alerts: list[Alert]) -> None:
        if not alerts:
            return
        signed = await asyncio.to_thread(self.signer.sign, alerts, now_us())
        for alert, record in zip(alerts, signed, strict=True):
            await self.alerts_topic.send(key=record.key, value=record.value, headers=record.headers)
            metrics.ALERTS.labels(alert.kind, alert.typology, alert.severity).inc()


async def observe_end_to_end(batch: VerifiedBatch, ingest_us: int) -> None:
    """The accepted-record handler of a verify-only worker: latency from `qr-ts` only."""
    stamp = now_us()
    for _, verdict in batch.accepted:
        if verdict.envelope is not None:
            metrics.STAGE_SECONDS.labels("end_to_end").observe(
                (stamp - verdict.envelope.ts_us) / 1e6
            )
