from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streams import signing
from streams.alerts import AlertDeduper, AlertSigner, Detection
from streams.keys.model import KeyInfo
from streams.replay import SqliteReplayGuard
from streams.sequence import SequenceFile
from streams.verifier import InboundRecord, Verifier
from topics.messages.alert import Alert, AlertReason

REASON = AlertReason(source="rule", name="fan_in", value=12.0, threshold=10.0, text="12 senders")
T0 = 1_800_000_000_000_000


def detection(entity: str = "ACCT1", typology: str = "fan_in", score: float = 0.7) -> Detection:
    return Detection(
        kind="aml",
        typology=typology,
        severity="high",
        score=score,
        entity=entity,
        event_ids=(f"00000000-0000-4000-8000-{int(score * 1000):012d}",),
        reasons=(REASON,),
        producer_ts_us=T0,
        model_version="rules-1",
    )


def test_repeats_inside_the_cooldown_merge_into_one_alert_with_a_count() -> None:
    dedup = AlertDeduper(cooldown_s=60)
    first = dedup.offer(detection(score=0.7), T0)
    assert isinstance(first, Alert) and first.count == 1
    assert dedup.offer(detection(score=0.9), T0 + 1_000_000) is None
    assert dedup.offer(detection(score=0.8), T0 + 2_000_000) is None
    assert dedup.expire(T0 + 59_000_000) == []
    [merged] = dedup.expire(T0 + 60_000_000)
    assert merged.alert_id == first.alert_id
    assert (merged.count, merged.score) == (3, 0.9)
    assert len(merged.event_ids) == 3


def test_other_entities_and_typologies_and_expired_cooldowns_alert_again() -> None:
    dedup = AlertDeduper(cooldown_s=60)
    assert dedup.offer(detection(), T0) is not None
    assert dedup.offer(detection(entity="ACCT2"), T0) is not None
    assert dedup.offer(detection(typology="fan_out"), T0) is not None
    assert dedup.expire(T0 + 61_000_000) == []  # nothing repeated: nothing to update
    assert dedup.offer(detection(), T0 + 61_000_000) is not None


@pytest.mark.native
def test_signed_alerts_verify_as_records_of_the_alert_topic(tmp_path: Path) -> None:
    pair = signing.generate_keypair("ML-DSA-65", bytes([5]) * 32)
    signer = AlertSigner("qr.alerts", "processor/w1", pair, SequenceFile(tmp_path / "seq"))
    alert = AlertDeduper(60).offer(detection(), T0)
    assert alert is not None
    [signed] = signer.sign([alert], T0)
    info = KeyInfo("processor/w1", "ML-DSA-65", pair.public_key, "processor", valid_from_us=0)

    class One:
        def resolve(self, kid: str) -> KeyInfo | None:
            return info if kid == info.kid else None

    verifier = Verifier(One(), SqliteReplayGuard(tmp_path / "r.db"), clock_us=lambda: T0)
    [verdict] = verifier.verify_batch(
        [InboundRecord("qr.alerts", 0, 0, signed.key, signed.value, list(signed.headers))]
    )
    assert verdict.accepted, verdict.detail
    assert orjson.loads(signed.value)["alert_id"] == alert.alert_id
    assert signed.key == b"ACCT1"
