"""The message models, the JSON Schema files generated from them, and proof that the two accept
and reject the same messages."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from streams.cli import cli
from topics import Reason
from topics.examples import EXAMPLES
from topics.schema_files import (
    JSON_SCHEMA_DIALECT,
    SCHEMA_DIR,
    render_schemas,
    schema_document,
    stale_schema_files,
    write_schema_files,
)
from topics.schemas import (
    MESSAGE_MODELS,
    Message,
    QuarantineRecord,
    Transaction,
    model_for_topic,
)
from topics.specs import ALL_TOPICS

Json = dict[str, Any]

EXAMPLE_CASES = [
    pytest.param(name, index, id=f"{name}-{index}")
    for name, examples in EXAMPLES.items()
    for index in range(len(examples))
]


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_files_equal_what_the_models_generate() -> None:
    assert stale_schema_files() == [], "run `qrstream topics schemas` and commit topics/json"


def test_every_model_has_examples_and_a_file() -> None:
    assert set(EXAMPLES) == set(MESSAGE_MODELS)
    assert sorted(render_schemas()) == sorted(p.name for p in SCHEMA_DIR.glob("*.schema.json"))


@pytest.mark.parametrize("name", list(MESSAGE_MODELS))
def test_schema_files_are_valid_2020_12_schemas_with_identity(name: str) -> None:
    document = schema_document(name)
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$schema"] == JSON_SCHEMA_DIALECT
    assert document["$id"] == f"urn:qrstream:schema:{name}:v1"
    assert document["title"] == MESSAGE_MODELS[name].__name__
    assert document["version"] == 1
    assert document["additionalProperties"] is False
    assert document["properties"]["schema_version"]["const"] == 1


def test_writing_into_an_empty_directory_then_checking_finds_nothing_stale(tmp_path: Path) -> None:
    written = write_schema_files(tmp_path)
    assert sorted(written) == sorted(render_schemas())
    assert stale_schema_files(tmp_path) == []
    assert write_schema_files(tmp_path) == []


def test_edited_missing_and_unknown_files_are_stale(tmp_path: Path) -> None:
    write_schema_files(tmp_path)
    (tmp_path / "alert.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "score.schema.json").unlink()
    (tmp_path / "old.schema.json").write_text("{}\n", encoding="utf-8")
    assert stale_schema_files(tmp_path) == [
        "alert.schema.json",
        "old.schema.json",
        "score.schema.json",
    ]
    write_schema_files(tmp_path)
    assert stale_schema_files(tmp_path) == []
    assert not (tmp_path / "old.schema.json").exists()


def test_schemas_command_checks_and_writes(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["topics", "schemas", "--check"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["topics", "schemas", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "out of date" in result.output
    result = runner.invoke(cli, ["topics", "schemas", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert len(list(tmp_path.glob("*.schema.json"))) == len(MESSAGE_MODELS)


@pytest.mark.parametrize(("name", "index"), EXAMPLE_CASES)
def test_examples_round_trip_through_model_and_schema_file(name: str, index: int) -> None:
    model = MESSAGE_MODELS[name]
    example = EXAMPLES[name][index]
    message = model.model_validate_json(orjson.dumps(example))
    assert message.schema_version == 1
    again = model.model_validate_json(message.model_dump_json())
    assert again == message
    assert model.model_validate_json(orjson.dumps(message.model_dump(mode="json"))) == message
    file_validator = validator(name)
    file_validator.validate(example)
    file_validator.validate(message.model_dump(mode="json"))
    # Nothing is lost or changed: only defaults are added.
    assert message.model_dump(mode="json", exclude_unset=True) == example


def test_examples_are_in_the_schema_files() -> None:
    for name, examples in EXAMPLES.items():
        assert schema_document(name)["examples"] == examples


def drop(field: str) -> Callable[[Json], None]:
    return lambda message: message.pop(field)


def put(field: str, value: object) -> Callable[[Json], None]:
    return lambda message: message.__setitem__(field, value)


def put_in(path: tuple[str | int, ...], value: object) -> Callable[[Json], None]:
    def mutate(message: Json) -> None:
        target: Any = message
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


# (schema, example index, what is wrong, mutation): every one must be rejected by the model
# and by the JSON Schema file alike.
INVALID = [
    ("transaction", 0, "missing amount", drop("amount")),
    ("transaction", 0, "missing event_id", drop("event_id")),
    ("transaction", 0, "unknown channel", put("channel", "swift")),
    ("transaction", 0, "negative amount", put("amount", "-5.00")),
    ("transaction", 0, "amount as a number", put("amount", 9450.0)),
    ("transaction", 0, "amount with exponent", put("amount", "1e3")),
    ("transaction", 0, "amount with leading zero", put("amount", "007.5")),
    ("transaction", 0, "too many decimals", put("amount", "1." + "0" * 19)),
    ("transaction", 0, "extra field", put("iban_check", True)),
    ("transaction", 0, "lower-case currency", put("currency", "eur")),
    ("transaction", 0, "alpha-3 country", put("sender_country", "DEU")),
    ("transaction", 0, "upper-case uuid", put("event_id", "3F1C2A4E-8B7D-4C1E-9A2F-6D5E4B3C2A10")),
    ("transaction", 0, "timestamp as string", put("ts_us", "1767225600000000")),
    ("transaction", 0, "negative timestamp", put("ts_us", -1)),
    ("transaction", 0, "timestamp beyond 2**53", put("ts_us", 2**53)),
    ("transaction", 0, "future schema version", put("schema_version", 2)),
    ("transaction", 0, "account with space", put("sender_account", "DE89 3704")),
    ("transaction", 0, "null required field", put("receiver_account", None)),
    ("transaction", 0, "bad BIC", put("sender_bank", "COBA")),
    ("telemetry", 0, "port out of range", put("resp_p", 70000)),
    ("telemetry", 0, "unknown protocol", put("protocol", "http")),
    ("telemetry", 0, "established as string", put("established", "T")),
    ("telemetry", 0, "not an address", put("orig_h", "example.com")),
    ("telemetry", 0, "group with space", put("group", "X25519 MLKEM768")),
    ("telemetry", 0, "offered groups not a list", put("client_groups", "x25519")),
    ("telemetry", 1, "certificate without key type", lambda m: m["cert"].pop("key_type")),
    ("telemetry", 1, "short fingerprint", put_in(("cert", "fingerprint"), "fd95")),
    ("telemetry", 1, "extra certificate field", put_in(("cert", "pem"), "MII")),
    ("alert", 0, "unknown kind", put("kind", "fraud")),
    ("alert", 0, "score above 1", put("score", 1.5)),
    ("alert", 0, "negative score", put("score", -0.1)),
    ("alert", 0, "no reasons", put("reasons", [])),
    ("alert", 0, "reason without text", lambda m: m["reasons"][0].pop("text")),
    ("alert", 0, "unknown severity", put("severity", "urgent")),
    ("alert", 0, "zero count", put("count", 0)),
    ("alert", 0, "event id not a uuid", put("event_ids", ["42"])),
    ("score", 0, "missing stage timestamp", drop("verified_ts_us")),
    ("score", 0, "integrity is no scorer", put("kind", "integrity")),
    ("quarantine", 0, "unknown reason code", put("reason", "forged")),
    ("quarantine", 0, "value not base64", put("value_b64", "not base64!")),
    ("quarantine", 0, "negative offset", put("offset", -1)),
    ("quarantine", 0, "header without value field", lambda m: m["headers"][0].pop("value_b64")),
    ("key", 0, "unknown algorithm", put("algorithm", "ML-DSA-66")),
    ("key", 0, "key of another algorithm's size", put("algorithm", "ML-DSA-44")),
    ("key", 0, "truncated key", put("public_key_b64", EXAMPLES["key"][0]["public_key_b64"][4:])),
    ("key", 0, "kid with space", put("kid", "bank core")),
    ("feedback", 0, "neither event nor entity", lambda m: [m.pop("event_id"), m.pop("entity")]),
    ("feedback", 1, "entity null and no event", put("entity", None)),
    ("feedback", 0, "unknown label", put("label", "fraud")),
]


@pytest.mark.parametrize(
    ("name", "index", "mutate"),
    [
        pytest.param(name, index, mutate, id=f"{name}: {what}")
        for name, index, what, mutate in INVALID
    ],
)
def test_invalid_messages_are_rejected_by_model_and_schema_file(
    name: str, index: int, mutate: Callable[[Json], None]
) -> None:
    message = copy.deepcopy(EXAMPLES[name][index])
    mutate(message)
    with pytest.raises(ValidationError):
        MESSAGE_MODELS[name].model_validate_json(orjson.dumps(message))
    assert list(validator(name).iter_errors(message)), "the JSON Schema file accepts it"


def test_quarantine_reason_codes_are_exactly_those_of_the_design() -> None:
    design = [
        "missing_header",
        "bad_header",
        "unknown_key",
        "revoked_key",
        "alg_mismatch",
        "bad_signature",
        "stale",
        "replay",
        "oversize",
        "bad_payload",
    ]
    assert [reason.value for reason in Reason] == design
    reason_schema = schema_document("quarantine")["$defs"]["Reason"]
    assert reason_schema["enum"] == design


def test_python_callers_may_give_the_reason_code_as_text() -> None:
    record = QuarantineRecord(
        reason="replay",  # type: ignore[arg-type]
        topic="qr.transactions",
        partition=0,
        offset=5,
        key_b64=None,
        value_b64="e30=",
        detected_ts_us=1,
    )
    assert record.reason is Reason.REPLAY
    assert json.loads(record.model_dump_json())["reason"] == "replay"


def test_messages_are_immutable() -> None:
    message = Transaction.model_validate(EXAMPLES["transaction"][0])
    with pytest.raises(ValidationError):
        message.amount = "1.00"  # type: ignore[misc]


def test_amount_converts_exactly() -> None:
    message = Transaction.model_validate_json(orjson.dumps(EXAMPLES["transaction"][0]))
    assert str(message.amount_decimal) == "9450.00"


def test_model_for_topic() -> None:
    assert model_for_topic("qr.transactions") is Transaction
    assert all(issubclass(model_for_topic(name), Message) for name in ALL_TOPICS)
    with pytest.raises(KeyError, match="no schema for topic"):
        model_for_topic("qr.unknown")


def test_descriptions_in_files_are_single_line_paragraphs() -> None:
    for text in render_schemas().values():
        for description in re.findall(r'"description": "((?:[^"\\]|\\.)*)"', text):
            assert "\\n" not in description.replace("\\n\\n", ""), description
