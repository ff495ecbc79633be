"""The worker's agents inside Faust, without a broker: `agent.test_context()` feeds records
through the agent's real stream (`take_events` batching, event contexts, memory-backed tables)
while the output topics are recorders."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import faust
import orjson
import pytest

from models.aml import AmlConfig, AmlFeatures
from streams import signing
from streams.agents.inputs import AcceptedHandler, InputAgent, VerifiedBatch
from streams.alerts import AlertDeduper, AlertSigner
from streams.app import _batch_agent
from streams.envelope import build_headers, signed_message
from streams.keys.model import KeyInfo
from streams.scoring.aml import AmlScorer
from streams.scoring.emit import Emitter
from streams.sequence import SequenceFile
from streams.settings import Settings
from streams.table_replay import TableReplayGuard
from streams.verifier import Verifier
from tests.utils import Timeout
from topics.examples import EXAMPLES
from topics.messages.alert import Alert
from topics.messages.quarantine import QuarantineRecord
from topics.messages.transaction import Transaction
from topics.reasons import Reason
from topics.specs import ALERTS, TRANSACTIONS

pytestmark = pytest.mark.native  # records are signed and verified

KID = "bank/p1"
PAIR = signing.generate_keypair("ML-DSA-65", bytes(32))

T = TypeVar("T")


class Keys:
    def resolve(self, kid: str) -> KeyInfo | None:
        return KeyInfo(KID, PAIR.algorithm, PAIR.public_key, "bank", 0) if kid == KID else None


class RecordingTopic:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes | None, bytes]] = []

    async def send(self, *, key: bytes | None, value: bytes | None, headers: Any = None) -> None:
        assert value is not None
        self.sent.append((key, value))


class Flushes:
    """Stands in for `Outputs`: the recording topics keep what was sent, a flush is counted."""

    def __init__(self) -> None:
        self.count = 0

    async def flush(self) -> None:
        self.count += 1


def in_faust_app(scenario: Callable[[faust.App], Awaitable[T]]) -> T:
    """Runs `scenario` with a fresh app on a new event loop (Faust objects made outside a
    running loop create their own)."""

    async def run() -> T:
        app = faust.App(
            f"test-agents-{uuid.uuid4().hex[:8]}",
            store="memory://",
            key_serializer="raw",
            value_serializer="raw",
            web_enabled=False,
        )
        app.finalize()
        try:
            return await scenario(app)
        finally:
            # Iterating an agent's stream creates the app's consumer and the event loop of its
            # thread; test_context never starts that thread, so nothing else closes the loop.
            if app._consumer is not None:
                app.consumer._thread.thread_loop.close()  # type: ignore[attr-defined]

    return asyncio.run(run())


def now_us() -> int:
    return time.time_ns() // 1000


def payment(sender: str, receiver: str, amount: str, ts_us: int | None = None) -> bytes:
    txn = dict(EXAMPLES["transaction"][0])
    txn.update(
        event_id=str(uuid.uuid4()),
        ts_us=now_us() if ts_us is None else ts_us,
        sender_account=sender,
        receiver_account=receiver,
        amount=amount,
        receiver_country="DE",
    )
    return orjson.dumps(txn)


def signed_headers(key: bytes, value: bytes, seq: int, *, forged: bool = False) -> Any:
    ts = now_us()
    sig = signing.sign(
        PAIR.algorithm, PAIR.private_key, signed_message(TRANSACTIONS, key, ts, seq, KID, value)
    )
    if forged:
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    return build_headers(PAIR.algorithm, KID, ts, seq, sig)


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Faust's `put` returns once the stream took the event, before its batch is processed."""
    timeout = Timeout(10, what)
    while not condition() and timeout:
        await asyncio.sleep(0.01)


class VerifyingAgent:
    """An input agent on qr.transactions as `build_worker` wires it; accepted records go to
    `on_verified` after being recorded."""

    def __init__(self, app: faust.App, on_verified: AcceptedHandler | None = None) -> None:
        self.app = app
        self.table = self.app.Table("replay", default=None, key_type=bytes, value_type=bytes)
        guard = TableReplayGuard(self.table)
        verifier = Verifier(
            Keys(), guard, payload_checks={TRANSACTIONS: Transaction.model_validate_json}
        )
        self.quarantine = RecordingTopic()
        self.outputs = Flushes()
        self.batches: list[VerifiedBatch] = []
        self.on_verified = on_verified
        agent = InputAgent(
            TRANSACTIONS,
            verifier,
            guard,
            self.quarantine,
            self.handle,
            self.outputs,  # type: ignore[arg-type]
            batch_max=8,
            within_s=0.05,
        )

        async def run(stream: Any) -> None:
            await agent(stream)

        topic = self.app.topic(TRANSACTIONS, key_serializer="raw", value_serializer="raw")
        self.agent = self.app.agent(topic, name="verify")(run)

    async def handle(self, batch: VerifiedBatch, ingest_us: int) -> None:
        if self.on_verified is not None:
            await self.on_verified(batch, ingest_us)
        self.batches.append(batch)

    @property
    def accepted(self) -> list[Transaction]:
        return [verdict.payload for b in self.batches for _, verdict in b.accepted]

    @property
    def quarantined(self) -> list[QuarantineRecord]:
        return [QuarantineRecord.model_validate_json(v) for _, v in self.quarantine.sent]

    def seen(self, count: int) -> bool:
        return len(self.accepted) + len(self.quarantine.sent) >= count


def test_the_input_agent_quarantines_forged_and_unsigned_records_and_hands_on_the_rest() -> None:
    async def route(app: faust.App) -> VerifyingAgent:
        wired = VerifyingAgent(app)
        good_a, forged_a, unsigned_b, good_b = (
            payment("A", "X", "10.00"),
            payment("A", "X", "20.00"),
            payment("B", "X", "30.00"),
            payment("B", "X", "40.00"),
        )
        async with wired.agent.test_context() as agent:
            await agent.put(good_a, key=b"A", headers=signed_headers(b"A", good_a, 1))
            await agent.put(
                forged_a, key=b"A", headers=signed_headers(b"A", forged_a, 2, forged=True)
            )
            await agent.put(unsigned_b, key=b"B")
            await agent.put(good_b, key=b"B", headers=signed_headers(b"B", good_b, 1))
            await wait_until(lambda: wired.seen(4), "4 records routed")
        return wired

    wired = in_faust_app(route)

    assert [t.amount for t in wired.accepted] == ["10.00", "40.00"]
    assert [(q.reason, q.offset) for q in wired.quarantined] == [
        (Reason.BAD_SIGNATURE, 1),
        (Reason.MISSING_HEADER, 2),
    ]
    assert [k for k, _ in wired.quarantine.sent] == [b"A", b"B"]
    rejected = sum((b.rejected for b in wired.batches), Counter[tuple[Reason, str]]())
    assert rejected == {(Reason.BAD_SIGNATURE, KID): 1, (Reason.MISSING_HEADER, "-"): 1}
    assert wired.outputs.count == len(wired.batches)  # each batch flushed before its ack
    # The forged record did not advance A's sequence number: only accepted records count.
    assert orjson.loads(wired.table[b"A"]) == {KID: [1, 0, 0]}
    assert orjson.loads(wired.table[b"B"]) == {KID: [1, 0, 3]}


def test_a_record_sent_again_in_a_later_batch_is_quarantined_as_a_replay() -> None:
    async def route(app: faust.App) -> VerifyingAgent:
        wired = VerifyingAgent(app)
        value = payment("A", "X", "10.00")
        headers = signed_headers(b"A", value, 7)
        async with wired.agent.test_context() as agent:
            await agent.put(value, key=b"A", headers=headers)
            # Its batch is done (and the replay state stored) before the copy arrives.
            await wait_until(lambda: wired.seen(1), "the original accepted")
            await agent.put(value, key=b"A", headers=headers)
            await wait_until(lambda: wired.seen(2), "the copy routed")
        return wired

    wired = in_faust_app(route)

    assert len(wired.accepted) == 1
    [replay] = wired.quarantined
    assert (replay.reason, replay.offset, replay.kid) == (Reason.REPLAY, 1, KID)
    assert orjson.loads(wired.table[b"A"]) == {KID: [7, 0, 0]}


def test_a_late_incoming_leg_completes_a_pass_through(tmp_path: Path) -> None:
    """The incoming leg takes an extra hop (the repartition topic), so a mule's outflow can be
    scored before the inflow that preceded it: the pattern then fires on the inflow's incoming
    leg, in the second agent, against the state both agents share."""
    alerts, scores, repartition = RecordingTopic(), RecordingTopic(), RecordingTopic()
    t0 = now_us()
    inflow = payment("SRC", "MULE", "19750.00", ts_us=t0 - 600_000_000)
    outflow = payment("MULE", "DST", "18950.00", ts_us=t0)

    async def score(app: faust.App) -> bytes:
        accounts = app.Table("aml-accounts", default=None, key_type=bytes, value_type=bytes)
        emitter = Emitter(
            alerts,
            scores,
            AlertDeduper(300.0),
            AlertSigner(ALERTS, "processor/t", PAIR, SequenceFile(tmp_path / "alerts.seq")),
        )
        scorer = AmlScorer(AmlConfig(), accounts, emitter, repartition, "qrstream.1")
        verifying = VerifyingAgent(app, scorer.outgoing)
        incoming = app.topic("aml-incoming", key_serializer="raw", value_serializer="raw")
        settings = Settings(batch_max=8, batch_within_s=0.05)
        _batch_agent(app, settings, Flushes(), incoming, "aml-in", scorer.incoming)  # type: ignore[arg-type]

        async with verifying.agent.test_context() as verify:
            await verify.put(inflow, key=b"SRC", headers=signed_headers(b"SRC", inflow, 1))
            await verify.put(outflow, key=b"MULE", headers=signed_headers(b"MULE", outflow, 1))
            await wait_until(lambda: len(repartition.sent) == 2, "both incoming legs forwarded")
        # The mule's outflow was scored before any inflow reached its state: nothing to see yet.
        assert alerts.sent == []
        async with app.agents["aml-in"].test_context() as second:
            for key, value in repartition.sent:
                await second.put(value, key=key)
            await wait_until(lambda: bool(alerts.sent), "the pass-through alert")
        state: bytes = accounts[b"MULE"]
        return state

    mule = AmlFeatures().loads(in_faust_app(score))

    [(key, raw)] = alerts.sent
    alert = Alert.model_validate_json(raw)
    assert (key, alert.typology) == (b"MULE", "rapid_movement")
    assert alert.event_ids == [orjson.loads(inflow)["event_id"]]
    assert {k for k, _ in repartition.sent} == {b"MULE", b"DST"}
    assert (mule.out.n, mule.inc.n) == (1, 1)
