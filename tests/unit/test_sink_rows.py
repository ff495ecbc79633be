"""Row mapping of the ClickHouse sink: one row per record of each topic, from the message models
that write them, with every time kept to the microsecond."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from streams.sinks.rows import (
    Mapper,
    alert_row,
    ch_time,
    inventory_changelog,
    inventory_row,
    quarantine_row,
    score_row,
    sink_topics,
)
from tests.sink_records import (
    SIGNER_KID,
    T0,
    alert,
    inventory,
    inventory_value,
    quarantine,
    score,
    signed_alerts,
)

KAFKA_TS_US = T0 + 9_000


def test_ch_time_keeps_every_microsecond() -> None:
    assert ch_time(1_767_225_600_000_001) == "1767225600.000001"
    assert ch_time(999_999) == "0.999999"
    assert ch_time(0) == "0.000000"


@pytest.mark.native
def test_a_signed_alert_gives_its_signer_and_its_own_qr_ts_as_emission_time(
    tmp_path: Path,
) -> None:
    [record] = signed_alerts([alert(1, count=3)], T0 + 5_000, tmp_path)
    row = alert_row(record.value, record.headers, KAFKA_TS_US)
    assert row["signer_kid"] == SIGNER_KID
    assert row["emitted_ts"] == ch_time(T0 + 5_000)
    assert row["producer_ts"] == ch_time(T0)
    assert row["detected_ts"] == ch_time(T0 + 2_000)
    assert row["count"] == 3
    assert row["alert_id"] == alert(1).alert_id
    assert (row["kind"], row["typology"], row["severity"]) == ("aml", "fan_in", "high")
    assert row["reason_names"] == ["fan_in"]
    assert orjson.loads(row["reasons"])[0]["text"] == "12 senders"


def test_an_unsigned_alert_keeps_its_kafka_time() -> None:
    row = alert_row(alert(1).model_dump_json().encode(), None, KAFKA_TS_US)
    assert (row["signer_kid"], row["emitted_ts"]) == ("", ch_time(KAFKA_TS_US))


def test_a_score_record_gives_every_stage_time() -> None:
    record = score(7, stage_us=(1, 20, 300, 4000))
    row = score_row(record.model_dump_json().encode(), None, KAFKA_TS_US)
    assert row == {
        "event_id": record.event_id,
        "kind": "aml",
        "entity": "acct-1",
        "score": 0.25,
        "model_version": "qrstream.1",
        "alerted": False,
        "producer_ts": ch_time(T0),
        "ingest_ts": ch_time(T0 + 1),
        "verified_ts": ch_time(T0 + 20),
        "scored_ts": ch_time(T0 + 300),
        "emitted_ts": ch_time(T0 + 4000),
    }


def test_a_quarantine_record_is_identified_by_where_the_rejected_record_was() -> None:
    row = quarantine_row(quarantine(4).model_dump_json().encode(), None, KAFKA_TS_US)
    assert (row["source_topic"], row["source_partition"], row["source_offset"]) == (
        "qr.transactions",
        1,
        4,
    )
    assert (row["reason"], row["kid"], row["value_b64"]) == ("bad_signature", "bank/p1", None)
    assert row["headers"] == [{"name": "qr-kid", "value_b64": "YmFuay9wMQ=="}]
    assert (row["record_ts"], row["detected_ts"]) == (ch_time(T0), ch_time(T0 + 500))


def test_an_inventory_changelog_value_gives_the_hosts_inventory_row() -> None:
    row = inventory_row(inventory_value(inventory("db.example", 3)), None, KAFKA_TS_US)
    assert row["host"] == "db.example"
    assert (row["handshakes"], row["pq_handshakes"], row["pq_ready"]) == (3, 3, True)
    assert row["groups"] == ["X25519MLKEM768"]
    assert (row["first_seen"], row["last_seen"]) == (ch_time(T0), ch_time(T0 + 2))
    assert (row["last_pq"], row["last_classical"]) == (ch_time(T0 + 2), None)
    assert not any(name.endswith("_us") for name in row)


@pytest.mark.parametrize("mapper", [alert_row, score_row, quarantine_row, inventory_row])
@pytest.mark.parametrize("value", [b"not json", b"{}", b'{"schema_version": 2}'])
def test_unreadable_records_raise_what_the_sink_skips(mapper: Mapper, value: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        mapper(value, None, KAFKA_TS_US)


def test_a_score_record_that_breaks_its_schema_is_a_validation_error() -> None:
    data = orjson.loads(score(1).model_dump_json()) | {"score": 2.0}
    with pytest.raises(ValidationError):
        score_row(orjson.dumps(data), None, KAFKA_TS_US)


def test_the_sink_reads_four_topics_into_four_tables() -> None:
    topics = {t.name: t.table for t in sink_topics("qrstream-x")}
    assert topics == {
        "qr.alerts": "qrstream.alerts",
        "qr.scores": "qrstream.scores",
        "qr.quarantine": "qrstream.quarantine",
        inventory_changelog("qrstream-x"): "qrstream.crypto_inventory",
    }
    assert inventory_changelog("qrstream-x") == "qrstream-x-crypto-inventory-changelog"
