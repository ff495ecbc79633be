"""Per-host quantum-threat state, after repartitioning telemetry by host (the input topic is
keyed by sensor): the crypto inventory per server host, and the bulk-exfiltration detector over
the volume of each client host.

The inventory lives in the `crypto-inventory` table, one `HostInventory` JSON per host: its
changelog topic (`<app id>-crypto-inventory-changelog`, compacted) is what the ClickHouse sink
reads. The exfiltration model is per worker, like the AML anomaly model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from faust.types import EventT

from models.hst import HalfSpaceTrees
from models.quantum import (
    HostInventory,
    QuantumRulesConfig,
    bulk_exfiltration,
    classify,
    host_of,
    host_volume,
    pq_downgrade,
    to_alert_reasons,
)
from streams.alerts import Detection
from streams.faust_events import event_context
from streams.outputs import TopicSender
from streams.scoring.emit import Emitter, severity_for
from topics.messages.telemetry import TelemetryEvent

__all__ = ["HostScorer", "forwarded", "parse_forwarded"]


def forwarded(event: TelemetryEvent, producer_ts_us: int) -> bytes:
    """The repartitioned record: the verified event and its producer time."""
    return orjson.dumps({"e": event.model_dump(mode="json"), "p": producer_ts_us})


def parse_forwarded(raw: bytes) -> tuple[TelemetryEvent, int]:
    data = orjson.loads(raw)
    return TelemetryEvent.model_validate(data["e"]), int(data["p"])


class HostScorer:
    def __init__(
        self,
        config: QuantumRulesConfig,
        inventory: Any,
        volumes: Any,
        exfil: HalfSpaceTrees,
        emitter: Emitter,
        model_version: str,
    ) -> None:
        self.config = config
        self.inventory = inventory
        self.volumes = volumes
        self.exfil = exfil
        self.emitter = emitter
        self.model_version = model_version

    async def forward(
        self,
        by_server: TopicSender,
        by_client: TopicSender,
        event: TelemetryEvent,
        producer_ts_us: int,
    ) -> None:
        value = forwarded(event, producer_ts_us)
        await by_server.send(key=host_of(event).encode(), value=value)
        await by_client.send(key=event.orig_h.encode(), value=value)

    async def servers(self, events: Sequence[EventT[bytes]]) -> None:
        """Crypto inventory, on the server host's partition."""
        for record in events:
            event, _ = parse_forwarded(record.value)
            posture = classify(
                event, rsa_min_bits=self.config.rsa_min_bits, ec_min_bits=self.config.ec_min_bits
            )
            host = host_of(event).encode()
            with event_context(record):
                raw = self.inventory.get(host)
                inv = (
                    HostInventory.from_dict(orjson.loads(raw))
                    if raw is not None
                    else HostInventory(host.decode())
                )
                inv.update(posture, downgrade=pq_downgrade(posture, self.config) is not None)
                self.inventory[host] = orjson.dumps(inv.to_dict())

    async def clients(self, events: Sequence[EventT[bytes]]) -> None:
        """Bulk exfiltration, on the client host's partition."""
        detections: list[Detection] = []
        for record in events:
            event, producer_us = parse_forwarded(record.value)
            key = event.orig_h.encode()
            with event_context(record):
                raw = self.volumes.get(key)
                state = host_volume(self.config, orjson.loads(raw) if raw is not None else None)
                hit = bulk_exfiltration(state, event, self.exfil, self.config)
                self.volumes[key] = orjson.dumps(state.to_dict())
            if hit is not None:
                detections.append(
                    Detection(
                        kind="quantum",
                        typology=hit.typology,
                        severity=severity_for(hit.score),
                        score=hit.score,
                        entity=event.orig_h,
                        event_ids=(event.event_id,),
                        reasons=tuple(to_alert_reasons(hit)),
                        producer_ts_us=producer_us,
                        model_version=self.model_version,
                    )
                )
        await self.emitter.emit(detections, [])
