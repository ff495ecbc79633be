"""Integrity alerts: bursts of bad_signature, replay and unknown_key rejections per producer
key id, from the verify step of every input agent.

Rejections of one key id arrive on every partition, so this state is per worker process (not a
co-partitioned table): with several workers a burst spread over partitions of different workers
is counted separately by each. Bounded: the least recently seen key ids are forgotten first, so
an attacker spraying random key ids cannot grow it.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from models.quantum import KeyBursts, QuantumRulesConfig, integrity_burst, to_alert_reasons
from models.quantum.integrity import integrity_entity
from streams.agents.inputs import VerifiedBatch
from streams.alerts import Detection
from streams.scoring.emit import severity_for

__all__ = ["IntegrityMonitor"]

MAX_KEY_IDS = 100_000


class IntegrityMonitor:
    def __init__(self, config: QuantumRulesConfig, model_version: str) -> None:
        self.config = config
        self.model_version = model_version
        self._state: OrderedDict[str, KeyBursts] = OrderedDict()

    def observe(self, batch: VerifiedBatch) -> list[Detection]:
        detected_us = time.time_ns() // 1000
        detections: list[Detection] = []
        for (reason, kid), count in batch.rejected.items():
            if reason not in self.config.integrity_codes:
                continue
            entity = integrity_entity(None if kid == "-" else kid, reason, self.config)
            state = self._state.pop(entity, None) or KeyBursts()
            self._state[entity] = state
            if len(self._state) > MAX_KEY_IDS:
                self._state.popitem(last=False)
            for _ in range(count):
                hit = integrity_burst(state, entity, reason, detected_us, self.config)
                if hit is not None:
                    detections.append(
                        Detection(
                            kind="integrity",
                            typology=hit.typology,
                            severity=severity_for(hit.score),
                            score=hit.score,
                            entity=entity,
                            event_ids=(),
                            reasons=tuple(to_alert_reasons(hit)),
                            producer_ts_us=detected_us,
                            model_version=self.model_version,
                        )
                    )
        return detections
