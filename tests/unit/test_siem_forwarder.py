"""The forwarder's batch step with a fake consumer and destination: forged and replayed alerts
are dropped and counted, never delivered; offsets are committed only after delivery; a
destination that is down and comes back loses nothing; one that stays down stops the forwarder
with nothing committed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import orjson
import pytest
from confluent_kafka import TopicPartition
from prometheus_client import REGISTRY

from streams import signing
from streams.alerts import AlertSigner
from streams.keys.model import KeyInfo
from streams.replay import SqliteReplayGuard
from streams.sequence import SequenceFile
from streams.siem.alert import Event
from streams.siem.errors import DestinationError, DestinationUnavailable, ForwarderError
from streams.siem.forwarder import Forwarder, ForwarderConfig
from streams.siem.retry import RetryPolicy
from streams.siem.transports import Transport
from streams.verifier import Verifier, VerifierLimits
from tests.sink_records import alert
from topics.messages.alert import Alert

TOPIC = "qr.alerts"
KID = "processor/w1"
PAIR = signing.generate_keypair("ML-DSA-44", bytes(range(32)))


@dataclass
class Keys:
    known: dict[str, KeyInfo]

    def resolve(self, kid: str) -> KeyInfo | None:
        return self.known.get(kid)


KEYS = Keys({KID: KeyInfo(KID, "ML-DSA-44", PAIR.public_key, "processor", valid_from_us=0)})


@dataclass
class Msg:
    _offset: int
    _key: bytes
    _value: bytes
    _headers: list[tuple[str, bytes]]
    _partition: int = 0

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return TOPIC

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def key(self) -> bytes:
        return self._key

    def value(self) -> bytes:
        return self._value

    def headers(self) -> list[tuple[str, bytes]]:
        return self._headers


class Consumer:
    def __init__(self) -> None:
        self.commits: list[dict[tuple[str, int], int]] = []

    def commit(self, offsets: list[TopicPartition], asynchronous: bool) -> None:
        self.commits.append({(tp.topic, tp.partition): tp.offset for tp in offsets})


class Destination(Transport):
    description = "test://destination"

    def __init__(self, failures: int = 0, error: type[DestinationError] = DestinationUnavailable):
        self.failures = failures
        self.error = error
        self.attempts = 0
        self.delivered: list[Event] = []

    def send(self, events: Sequence[Event]) -> None:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            raise self.error("down")
        self.delivered.extend(events)


def signed(alerts: list[Alert], tmp_path: Path, first_offset: int = 0) -> list[Msg]:
    signer = AlertSigner(TOPIC, KID, PAIR, SequenceFile(tmp_path / "alerts.seq"))
    records = signer.sign(alerts, time.time_ns() // 1000)
    return [Msg(first_offset + i, r.key, r.value, r.headers) for i, r in enumerate(records)]


def forger(msg: Msg) -> Msg:
    """The same alert with a higher score, under the genuine signature: a forgery."""
    value = orjson.loads(msg._value)
    value["score"] = 0.99
    return replace(msg, _value=orjson.dumps(value))


def make(
    tmp_path: Path,
    destination: Transport,
    budget_s: float = 5.0,
    keys: Keys = KEYS,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Forwarder, Consumer]:
    consumer = Consumer()
    verifier = Verifier(
        keys,
        SqliteReplayGuard(tmp_path / "replay.sqlite"),
        VerifierLimits(float("inf")),
        payload_checks={TOPIC: Alert.model_validate_json},
    )
    config = ForwarderConfig(TOPIC, "cef", 100, RetryPolicy(budget_s, first_delay_s=0.01), 30.0)
    forwarder = Forwarder(
        consumer,  # type: ignore[arg-type]
        destination,
        verifier,
        lambda: KEYS,
        config,
        threading.Event(),
        threading.Event(),
        clock,
    )
    return forwarder, consumer


def dropped(reason: str) -> float:
    value = REGISTRY.get_sample_value("qrstream_siem_alerts_dropped_total", {"reason": reason})
    return value or 0.0


def delivered_ids(destination: Destination) -> list[str]:
    return [e.body.decode().split("externalId=")[1].split(" ")[0] for e in destination.delivered]


def test_forged_alert_is_dropped_counted_and_committed(tmp_path: Path) -> None:
    alerts = [alert(i) for i in range(4)]
    messages = signed(alerts, tmp_path)
    messages[2] = forger(messages[2])
    destination = Destination()
    forwarder, consumer = make(tmp_path, destination)
    before = dropped("bad_signature")
    forwarder.process(messages)  # type: ignore[arg-type]
    assert delivered_ids(destination) == [alerts[i].alert_id for i in (0, 1, 3)]
    assert forwarder.stats.dropped == {"bad_signature": 1}
    assert dropped("bad_signature") == before + 1
    # The forged record is consumed for good: it is never read again.
    assert consumer.commits == [{(TOPIC, 0): 4}]


def test_replayed_alert_is_dropped(tmp_path: Path) -> None:
    messages = signed([alert(0)], tmp_path)
    destination = Destination()
    forwarder, _ = make(tmp_path, destination)
    forwarder.process(messages)  # type: ignore[arg-type]
    forwarder.process([replace(messages[0], _offset=7)])  # type: ignore[list-item]
    assert len(destination.delivered) == 1
    assert forwarder.stats.dropped == {"replay": 1}


def test_unknown_signer_is_looked_up_again_before_it_is_dropped(tmp_path: Path) -> None:
    destination = Destination()
    now = [0.0]
    forwarder, _ = make(tmp_path, destination, keys=Keys({}), clock=lambda: now[0])
    now[0] = 10.0  # the registry was read a while ago; the processor's key is newer
    forwarder.process(signed([alert(0)], tmp_path))  # type: ignore[arg-type]
    assert len(destination.delivered) == 1 and not forwarder.stats.dropped


def test_destination_down_then_up_loses_nothing(tmp_path: Path) -> None:
    alerts = [alert(i) for i in range(3)]
    destination = Destination(failures=3)
    forwarder, consumer = make(tmp_path, destination)
    forwarder.process(signed(alerts, tmp_path))  # type: ignore[arg-type]
    assert destination.attempts == 4
    assert delivered_ids(destination) == [a.alert_id for a in alerts]
    assert consumer.commits == [{(TOPIC, 0): 3}]


def test_destination_that_stays_down_stops_the_forwarder_uncommitted(tmp_path: Path) -> None:
    messages = signed([alert(0)], tmp_path)
    destination = Destination(failures=10**6)
    forwarder, consumer = make(tmp_path, destination, budget_s=0.05)
    with pytest.raises(ForwarderError, match=r"test://destination.*gave up after \d+ attempts"):
        forwarder.process(messages)  # type: ignore[arg-type]
    assert consumer.commits == []
    # A restarted forwarder reads the alert again and delivers it: its replay state was not
    # committed either.
    again = Destination()
    restarted, _ = make(tmp_path, again)
    restarted.process(messages)  # type: ignore[arg-type]
    assert len(again.delivered) == 1


def test_permanent_destination_error_is_not_retried(tmp_path: Path) -> None:
    destination = Destination(failures=1, error=DestinationError)
    forwarder, consumer = make(tmp_path, destination)
    with pytest.raises(DestinationError):
        forwarder.process(signed([alert(0)], tmp_path))  # type: ignore[arg-type]
    assert destination.attempts == 1 and consumer.commits == []


def test_redelivered_alerts_after_a_crash_are_forwarded_again(tmp_path: Path) -> None:
    """At least once: records re-read below a committed replay offset are redeliveries."""
    messages = signed([alert(0), alert(1)], tmp_path)
    first = Destination()
    forwarder, _ = make(tmp_path, first)
    forwarder.process(messages)  # type: ignore[arg-type]
    again = Destination()
    restarted, _ = make(tmp_path, again)
    restarted.process(messages)  # type: ignore[arg-type]
    assert len(again.delivered) == 2 and not restarted.stats.dropped
