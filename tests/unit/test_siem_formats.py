"""Alert formats for SIEMs: CEF and LEEF lines read back by independent parsers (escaping
included), ECS field names, OCSF Detection Findings validated against the OCSF schema models of
py-ocsf-models."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from pydantic import BaseModel

from streams.siem.alert import VerifiedAlert, iso_time
from streams.siem.formats import FORMATS, to_event
from streams.siem.formats.cef import escape_extension, escape_header, format_cef
from streams.siem.formats.ecs import ecs_document
from streams.siem.formats.leef import format_leef
from streams.siem.formats.ocsf import ocsf_finding
from tests.siem_parsers import parse_cef, parse_leef
from tests.sink_records import T0, alert
from topics.messages.alert import AlertReason

NASTY = "a|b\\c=d\ne\tf\rg"


def verified(count: int = 1, text: str = "12 senders", entity: str = "acct-1") -> VerifiedAlert:
    base = alert(1, count=count, entity=entity)
    reason = AlertReason(source="rule", name="fan_in", value=12.0, threshold=10.0, text=text)
    return VerifiedAlert(base.model_copy(update={"reasons": [reason]}), "processor/w1", "ML-DSA-65")


def test_cef_round_trips_through_a_spec_parser() -> None:
    item = verified()
    header, ext = parse_cef(format_cef(item).decode())
    assert header[1:3] == ["QuantumResilient", "qrstream"]
    assert header[4] == "fan_in"
    assert header[6] == "8"  # high
    assert ext["externalId"] == item.alert.alert_id
    assert ext["rt"] == str((T0 + 2000) // 1000)
    assert ext["cs1Label"] == "entity" and ext["cs1"] == "acct-1"
    assert ext["cs4"] == "processor/w1"
    assert ext["cn1"] == "1" and float(ext["cfp1"]) == 0.8
    assert ext["cs3"] == ",".join(item.alert.event_ids)


def test_cef_escapes_backslashes_equals_and_line_breaks_in_values() -> None:
    line = format_cef(verified(text=NASTY, entity="acct=1")).decode()
    assert "\n" not in line and "\r" not in line
    header, ext = parse_cef(line)
    assert ext["msg"] == NASTY
    assert ext["cs1"] == "acct=1"
    assert header[5] == "aml fan_in on acct=1"  # '=' needs no escape in the header


def test_cef_header_escapes_pipes_and_backslashes() -> None:
    assert escape_header("a|b\\c\nd") == "a\\|b\\\\c d"
    assert escape_extension("x=y|z\r") == "x\\=y|z\\r"


def test_leef_round_trips_and_keeps_each_attribute_on_its_own() -> None:
    item = verified(text=NASTY)
    line = format_leef(item).decode()
    assert "\n" not in line and "\r" not in line
    header, attrs = parse_leef(line)
    assert header == ["LEEF:1.0", "QuantumResilient", "qrstream", header[3], "fan_in"]
    assert attrs["alertId"] == item.alert.alert_id
    assert attrs["sev"] == "8" and attrs["cat"] == "aml"
    assert attrs["devTime"] == "2026-01-01T00:00:00.002Z"
    assert attrs["devTimeFormat"] == "yyyy-MM-dd'T'HH:mm:ss.SSSX"
    # LEEF has no escapes: tab and line breaks in a value become spaces, the rest stays.
    assert attrs["reason"] == "a|b\\c=d e f g"
    assert attrs["signerKeyId"] == "processor/w1"


def test_ecs_document_uses_ecs_field_names() -> None:
    item = verified()
    doc = ecs_document(item)
    assert doc["event"]["kind"] == "alert"
    assert doc["event"]["id"] == item.alert.alert_id
    assert doc["@timestamp"] == iso_time(item.alert.detected_ts_us) == "2026-01-01T00:00:00.002000Z"
    assert doc["event"]["severity"] == 8
    assert doc["rule"]["name"] == "fan_in"
    assert doc["ecs"]["version"].startswith("8.")
    assert doc["qrstream"]["entity"] == "acct-1"
    assert doc["qrstream"]["signer"] == {"key_id": "processor/w1", "algorithm": "ML-DSA-65"}
    # JSON out: every value is serialisable and nothing is lost on the way.
    assert orjson.loads(orjson.dumps(doc)) == doc


def _unknown_keys(data: Any, model: type[BaseModel], path: str = "") -> list[str]:
    """Keys of `data` that are not attributes of the OCSF model (py-ocsf-models ignores them
    silently, so validation alone would not catch a misspelt attribute)."""
    unknown = []
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            unknown.append(path + key)
            continue
        nested = [
            a
            for a in getattr(field.annotation, "__args__", (field.annotation,))
            for a in getattr(a, "__args__", (a,))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if nested and isinstance(value, dict):
            unknown += _unknown_keys(value, nested[0], f"{path}{key}.")
        elif nested and isinstance(value, list):
            for item in value:
                unknown += _unknown_keys(item, nested[0], f"{path}{key}[].")
    return unknown


@pytest.mark.parametrize(("count", "activity"), [(1, 1), (3, 2)], ids=["create", "update"])
def test_ocsf_detection_finding_validates_against_the_schema(count: int, activity: int) -> None:
    finding = ocsf_finding(verified(count=count))
    model = DetectionFinding.model_validate(finding)
    assert model.class_uid == 2004
    assert model.activity_id == activity
    assert model.type_uid == 200400 + activity
    assert model.finding_info.uid == finding["metadata"]["uid"]
    assert model.severity_id == 4
    assert _unknown_keys(finding, DetectionFinding) == []


def test_ocsf_rejects_what_the_schema_forbids() -> None:
    """The schema models do catch a broken finding (so the test above proves something)."""
    finding = ocsf_finding(verified())
    del finding["finding_info"]["uid"]
    with pytest.raises(ValueError, match="uid"):
        DetectionFinding.model_validate(finding)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_gives_one_line(name: str) -> None:
    event = to_event(verified(text=NASTY), name)
    assert b"\n" not in event.body and b"\r" not in event.body
    assert event.key == b"acct-1" and event.severity == "high"
