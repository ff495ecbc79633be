from __future__ import annotations

import logging

import orjson

from streams.logs import JsonFormatter


def test_json_lines_carry_the_message_and_extra_fields() -> None:
    record = logging.makeLogRecord(
        {
            "name": "streams.x",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "rejected %d",
            "args": (3,),
            "key_id": "bank/p1",
        }
    )
    entry = orjson.loads(JsonFormatter().format(record))
    assert entry["level"] == "warning"
    assert entry["logger"] == "streams.x"
    assert entry["msg"] == "rejected 3"
    assert entry["key_id"] == "bank/p1"
    assert entry["ts"].endswith("+00:00")
