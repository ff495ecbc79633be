"""The input agents (qr.transactions, qr.telemetry): verify each batch, route rejects to
qr.quarantine with their reason codes, hand accepted records to the scorer.

Signatures are checked in a worker thread (the native verifier releases the GIL), so the event
loop keeps fetching while a batch verifies; the replay state lives in a Faust table and is
checked on the event loop, record by record, in each record's partition context.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from faust import Stream
from faust.types import EventT

from streams import metrics
from streams.faust_events import event_context, inbound_record
from streams.outputs import Outputs, TopicSender
from streams.quarantine import quarantine_record
from streams.table_replay import TableReplayGuard
from streams.verifier import Verdict, Verifier
from topics.reasons import Reason

__all__ = [
    "BATCH_MAX",
    "BATCH_WITHIN_S",
    "InputAgent",
    "VerifiedBatch",
    "guarded",
    "route_verdicts",
]

logger = logging.getLogger(__name__)

BATCH_MAX = 512
BATCH_WITHIN_S = 0.01


def now_us() -> int:
    return time.time_ns() // 1000


@dataclass
class VerifiedBatch:
    accepted: list[tuple[EventT[bytes], Verdict]] = field(default_factory=list)
    # (record key, quarantine record JSON) for qr.quarantine
    quarantined: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    # rejections per (reason, producer key id or "-"), for integrity counters and alerts
    rejected: Counter[tuple[Reason, str]] = field(default_factory=Counter)


def route_verdicts(
    events: Sequence[EventT[bytes]], verdicts: Sequence[Verdict], detected_us: int
) -> VerifiedBatch:
    """Splits a verified batch into accepted records and quarantine records (pure)."""
    batch = VerifiedBatch()
    for event, verdict in zip(events, verdicts, strict=True):
        if verdict.reason is None:
            batch.accepted.append((event, verdict))
        else:
            batch.quarantined.append((verdict.record.key, quarantine_record(verdict, detected_us)))
            batch.rejected[(verdict.reason, verdict.key_id or "-")] += 1
    return batch


async def guarded(agent: str, scoring: Awaitable[None]) -> None:
    """Runs a batch's scoring; a bug there is logged and counted instead of crashing the agent,
    which would acknowledge (and so drop) the rest of the batch and stop consuming."""
    try:
        await scoring
    except Exception:
        logger.exception("scoring a batch of %s failed", agent)
        metrics.SCORING_ERRORS.labels(agent).inc()


# Called with the accepted records of a batch and the time it was taken from Kafka.
AcceptedHandler = Callable[[VerifiedBatch, int], Awaitable[None]]


class InputAgent:
    def __init__(
        self,
        topic_name: str,
        verifier: Verifier,
        replay: TableReplayGuard,
        quarantine: TopicSender,
        on_verified: AcceptedHandler,
        outputs: Outputs,
        batch_max: int = BATCH_MAX,
        within_s: float = BATCH_WITHIN_S,
    ) -> None:
        self.topic_name = topic_name
        self.verifier = verifier
        self.replay = replay
        self.quarantine = quarantine
        self.on_verified = on_verified
        self.outputs = outputs
        self.batch_max = batch_max
        self.within_s = within_s
        self._contexts: dict[bytes, EventT[bytes]] = {}
        replay.bind(self._context_for)

    def _context_for(self, key: bytes) -> AbstractContextManager[None]:
        return event_context(self._contexts[key])

    async def __call__(self, stream: Stream[bytes]) -> None:
        async for events in stream.take_events(self.batch_max, within=self.within_s):
            await self.process(events)

    async def process(self, events: Sequence[EventT[bytes]]) -> None:
        ingest_us = now_us()
        metrics.RECORDS_IN.labels(self.topic_name).inc(len(events))
        metrics.BATCH_SIZE.observe(len(events))
        records = [inbound_record(e) for e in events]
        started = time.perf_counter()
        verdicts = await asyncio.to_thread(self.verifier.check_signatures, records)
        self._contexts = {r.key or b"": e for r, e in zip(records, events, strict=True)}
        for event, verdict in zip(events, verdicts, strict=True):
            with event_context(event):
                self.verifier.check_sequence([verdict])
        metrics.STAGE_SECONDS.labels("verify").observe(time.perf_counter() - started)
        batch = route_verdicts(events, verdicts, now_us())
        for key, value in batch.quarantined:
            await self.quarantine.send(key=key, value=value)
        for (reason, _kid), count in batch.rejected.items():
            metrics.RECORDS_QUARANTINED.labels(self.topic_name, reason.value).inc(count)
        metrics.RECORDS_ACCEPTED.labels(self.topic_name).inc(len(batch.accepted))
        await guarded(self.topic_name, self.on_verified(batch, ingest_us))
        self.verifier.commit()
        # Everything the batch produced, its replay state included, is in Kafka before Faust
        # acknowledges its records.
        await self.outputs.flush()
        self._contexts = {}
