"""The loadgen generator: reproducible by seed for any number of processes, heavy-tailed,
valid against the message schemas, with every typology injected and labelled, and a TLS mix
of post-quantum, classical and (labelled) legacy handshakes."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import orjson
import pytest

from loadgen.draft import Craft, Draft
from loadgen.ids import iban_check_digits
from loadgen.plan import WARM_UP
from loadgen.scenarios import TYPOLOGIES
from loadgen.traffic import Traffic, TrafficConfig
from models.aml.rules import TYPOLOGIES as AML_TYPOLOGIES
from models.quantum import classify, host_of
from topics.messages.telemetry import TelemetryEvent
from topics.messages.transaction import Transaction

START = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


def config(**changes: object) -> TrafficConfig:
    base: dict[str, object] = {
        "seed": 7,
        "start_us": START,
        "accounts": 1_000,
        "scenario_every": 150,
    }
    return TrafficConfig(**(base | changes))  # type: ignore[arg-type]


def stream(cfg: TrafficConfig, count: int, processes: int = 1) -> list[Draft]:
    drafts: list[Draft] = []
    for process in range(processes):
        for block in Traffic(cfg).blocks(process, processes, count):
            drafts += block
    return drafts


def fingerprint(drafts: list[Draft]) -> list[bytes]:
    return sorted(orjson.dumps([d.stream, d.key, d.payload, d.ts_us]) for d in drafts)


@pytest.fixture(scope="module")
def sample() -> list[Draft]:
    """Long enough for every typology, exfiltration after the model's warm-up included."""
    return stream(config(), 3 * WARM_UP["bulk_exfiltration"])


def test_same_seed_same_records_for_any_number_of_processes() -> None:
    one = stream(config(), 3_000)
    assert len(one) == 3_000
    assert fingerprint(stream(config(), 3_000)) == fingerprint(one)
    assert fingerprint(stream(config(), 3_000, processes=3)) == fingerprint(one)


def test_another_seed_gives_other_records() -> None:
    assert fingerprint(stream(config(seed=8), 500)) != fingerprint(stream(config(), 500))


def test_the_start_time_only_moves_the_timestamps() -> None:
    def without_times(drafts: list[Draft]) -> list[bytes]:
        # Certificates are valid relative to the start, and references name the month.
        derived = ("ts_us", "cert", "reference")
        return [
            orjson.dumps({k: v for k, v in d.payload.items() if k not in derived}) for d in drafts
        ]

    # A year later: the same hours of the same days of the month (paydays are monthly).
    base = stream(config(scenario_every=0), 400)
    moved = stream(config(scenario_every=0, start_us=START + 365 * 86_400_000_000), 400)
    assert without_times(moved) == without_times(base)
    assert [d.ts_us for d in moved] != [d.ts_us for d in base]


def test_every_payload_validates_against_its_schema(sample: list[Draft]) -> None:
    for draft in sample:
        if draft.label and draft.label.craft is Craft.REPLAY:
            continue  # a replay copies an earlier record; it has no payload of its own
        model = Transaction if draft.stream == "transactions" else TelemetryEvent
        message = model.model_validate_json(orjson.dumps(draft.payload))
        expected_key = (
            message.sender_account if isinstance(message, Transaction) else message.sensor
        )
        assert draft.key == expected_key


def test_ibans_carry_valid_check_digits(sample: list[Draft]) -> None:
    ibans = {
        d.payload["sender_account"]
        for d in sample
        if d.stream == "transactions" and d.payload and d.payload["sender_account"][:2].isalpha()
        and d.payload["sender_account"][2:4].isdigit()
    }  # fmt: skip
    assert len(ibans) > 100
    for iban in ibans:
        assert iban_check_digits(iban[:2], iban[4:]) == iban[2:4]


def test_activity_is_heavy_tailed(sample: list[Draft]) -> None:
    senders = Counter(d.key for d in sample if d.stream == "transactions" and d.label is None)
    counts = np.sort(np.array(list(senders.values())))[::-1]
    top = counts[: len(counts) // 10].sum() / counts.sum()
    # Equally active senders would give the top 10 % of them well under 20 % of the payments.
    assert top > 0.3
    assert counts[0] > 10 * np.median(counts)


def test_every_typology_is_injected_and_labelled(sample: list[Draft]) -> None:
    events: defaultdict[str, list[Draft]] = defaultdict(list)
    for draft in sample:
        if draft.label is not None:
            events[draft.label.scenario.sid].append(draft)
    # Scenarios still under way when the count ran out are cut short.
    complete = [d for d in events.values() if d[0].label and len(d) == d[0].label.scenario.events]
    seen = {drafts[0].label.scenario.typology for drafts in complete if drafts[0].label}
    assert seen == set(TYPOLOGIES)
    assert set(AML_TYPOLOGIES) <= seen
    assert len(complete) >= len(events) - 10
    for drafts in complete:
        info = drafts[0].label.scenario if drafts[0].label else None
        assert info is not None
        assert all(d.label is not None and d.label.scenario is info for d in drafts)
        if info.kind == "integrity":
            assert all(d.label and d.label.craft for d in drafts)
        else:
            assert info.entity is not None
            assert all(info.entity in entities(d) for d in drafts if d.label.role != "history")


def entities(draft: Draft) -> set[str]:
    """Who a record is about: both accounts of a payment; server and client of a handshake."""
    p = draft.payload
    if draft.stream == "transactions":
        return {p["sender_account"], p["receiver_account"]}
    return {host_of(TelemetryEvent.model_validate(p)), p["orig_h"]}


def test_tls_mix_is_mostly_classical_some_post_quantum_and_only_injected_legacy(
    sample: list[Draft],
) -> None:
    kex: Counter[str] = Counter()
    for draft in sample:
        if draft.stream != "telemetry" or (draft.label and draft.label.craft):
            continue
        posture = classify(TelemetryEvent.model_validate(draft.payload))
        if draft.label is None:
            kex[posture.kex] += 1
            assert not posture.findings or {f.code for f in posture.findings} <= {"cbc_sha1"}
        elif draft.label.scenario.typology == "legacy_crypto":
            assert posture.findings
    handshakes = kex["classical"] + kex["pq_hybrid"]
    assert 0.5 < kex["classical"] / handshakes < 0.8
    assert 0.2 < kex["pq_hybrid"] / handshakes < 0.5
