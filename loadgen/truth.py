"""The ground truth of a run, as JSON lines:

- one `run` line: how the traffic was made (seed, processes, key ids, mode, counts);
- one `scenario` line per injected pattern whose records were all sent: the typology, the
  alert kind (aml, quantum, integrity) and the entity that should alert;
- one `event` line per injected record sent: its event id, topic, record key, key id and
  sequence number, its role in the pattern and, for integrity records, the quarantine reason
  the worker must give it. Records of a scenario cut short by the end of the run say so
  (`complete` false) and name no entity: nothing needs to alert on them.

Each process writes its own part; the parent merges them into one file, scenarios in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import KafkaError, Message, Producer

from loadgen.signer import Signed
from streams.errors import KafkaAdminError
from streams.kafka_admin import TopicAdmin
from topics.specs import TopicSpec

__all__ = ["TruthPart", "TruthSummary", "event_line", "merge", "publish"]

PUBLISH_TIMEOUT_S = 30.0


def event_line(signed: Signed) -> dict[str, Any] | None:
    """The truth line of a signed record, None for background records."""
    label = signed.draft.label
    if label is None:
        return None
    info = label.scenario
    return {
        "record": "event",
        "scenario": info.sid,
        "typology": info.typology,
        "kind": info.kind,
        # Forged and replayed records count under the key id they claim: this producer's.
        "entity": info.entity or signed.kid,
        "role": label.role,
        "events": info.events,
        "event_id": signed.event_id,
        "topic": signed.record.topic,
        "key": signed.record.key.decode(),
        "ts_us": signed.draft.ts_us,
        "kid": signed.kid,
        "seq": signed.seq,
        "expected_reason": str(label.craft.reason) if label.craft else None,
    }


class TruthPart:
    """The truth lines of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("wb")

    def write(self, signed: Iterable[Signed]) -> int:
        lines = [line for s in signed if (line := event_line(s)) is not None]
        self._file.write(
            b"".join(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE) for line in lines)
        )
        return len(lines)

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class TruthSummary:
    path: Path
    events: int
    scenarios: int
    """Scenarios with every record sent."""
    by_typology: dict[str, int]
    lines: list[dict[str, Any]]


def merge(parts: Iterable[Path], path: Path, run: dict[str, Any]) -> TruthSummary:
    """Joins the part files into `path` (deleting them), with scenario lines for the complete
    scenarios."""
    events: list[dict[str, Any]] = []
    for part in parts:
        if part.exists():
            events += [orjson.loads(line) for line in part.read_bytes().splitlines() if line]
            part.unlink()
    events.sort(key=lambda e: (e["scenario"], e["ts_us"], e["kid"], e["seq"]))
    grouped: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        grouped[event["scenario"]].append(event)
    scenarios = []
    for sid, items in grouped.items():
        first = items[0]
        complete = len(items) == first["events"]
        for event in items:
            event["complete"] = complete
            if not complete:
                event["entity"] = None
        if not complete:
            continue
        scenarios.append(
            {
                "record": "scenario",
                "scenario": sid,
                "typology": first["typology"],
                "kind": first["kind"],
                "entity": first["entity"],
                "events": first["events"],
                "first_ts_us": items[0]["ts_us"],
                "last_ts_us": items[-1]["ts_us"],
            }
        )
    by_typology: defaultdict[str, int] = defaultdict(int)
    for scenario in scenarios:
        by_typology[scenario["typology"]] += 1
    # Readers that take (entity, typology) from every line skip this one: it has neither.
    header = {
        "record": "run",
        "entity": None,
        "typology": None,
        **run,
        "scenarios": len(scenarios),
        "events": len(events),
    }
    lines = [header, *scenarios, *events]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"".join(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE) for line in lines)
    )
    return TruthSummary(path, len(events), len(scenarios), dict(sorted(by_typology.items())), lines)


def publish(
    summary: TruthSummary,
    bootstrap: str,
    topic: str,
    partitions: int,
    client_config: Mapping[str, str] | None = None,
) -> None:
    """Produces the truth lines to `topic` (created if missing), keyed by entity."""
    TopicAdmin(bootstrap, client_config=client_config).create(
        [TopicSpec(topic, partitions=partitions)]
    )
    producer = Producer(
        {"bootstrap.servers": bootstrap, "compression.type": "lz4", **(client_config or {})}
    )
    failures: list[str] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            failures.append(err.str())

    for line in summary.lines:
        key = str(line.get("entity") or line["record"]).encode()
        producer.produce(topic, orjson.dumps(line), key, on_delivery=delivered)
        producer.poll(0)
    left = producer.flush(PUBLISH_TIMEOUT_S)
    if failures or left:
        raise KafkaAdminError(
            f"ground truth to {topic}: {failures[0] if failures else f'{left} not delivered'}",
            bootstrap,
        )
