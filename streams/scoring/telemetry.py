"""Quantum-threat scoring of verified telemetry: the crypto posture of each handshake and the
handshake rules (harvest-now-decrypt-later exposure, post-quantum downgrade, legacy crypto).

These rules need no state, so they run wherever the record lands. Per-host inventory and the
exfiltration model need state keyed by host, which the sensor-keyed input topic does not give.
"""

from __future__ import annotations

import time

from models.quantum import QuantumRulesConfig, handshake_rules, host_of, to_alert_reasons
from streams import metrics
from streams.agents.inputs import VerifiedBatch
from streams.alerts import Detection
from streams.scoring.emit import Emitter, severity_for
from topics.messages.score import ScoreRecord
from topics.messages.telemetry import TelemetryEvent

__all__ = ["TelemetryScorer"]


def now_us() -> int:
    return time.time_ns() // 1000


class TelemetryScorer:
    def __init__(self, config: QuantumRulesConfig, emitter: Emitter, model_version: str) -> None:
        self.config = config
        self.emitter = emitter
        self.model_version = model_version

    async def __call__(self, batch: VerifiedBatch, ingest_us: int) -> None:
        verified_us = now_us()
        started = time.perf_counter()
        detections: list[Detection] = []
        scores: list[ScoreRecord] = []
        for _, verdict in batch.accepted:
            event = verdict.payload
            if not isinstance(event, TelemetryEvent) or verdict.envelope is None:
                continue
            _, hits = handshake_rules(event, self.config)
            entity = host_of(event)
            producer_us = verdict.envelope.ts_us
            for hit in hits:
                detections.append(
                    Detection(
                        kind="quantum",
                        typology=hit.typology,
                        severity=severity_for(hit.score),
                        score=hit.score,
                        entity=entity,
                        event_ids=(event.event_id,),
                        reasons=tuple(to_alert_reasons(hit)),
                        producer_ts_us=producer_us,
                        model_version=self.model_version,
                    )
                )
            scored_us = now_us()
            scores.append(
                ScoreRecord(
                    event_id=event.event_id,
                    kind="quantum",
                    entity=entity,
                    score=max((h.score for h in hits), default=0.0),
                    model_version=self.model_version,
                    alerted=bool(hits),
                    producer_ts_us=producer_us,
                    ingest_ts_us=ingest_us,
                    verified_ts_us=verified_us,
                    scored_ts_us=scored_us,
                    emitted_ts_us=scored_us,
                )
            )
        metrics.STAGE_SECONDS.labels("score_quantum").observe(time.perf_counter() - started)
        await self.emitter.emit(detections, scores)
