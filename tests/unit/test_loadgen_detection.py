"""The main quality bar of loadgen, offline: its stream run through the scoring models as the
worker runs them must alert on every injected entity with the injected typology, and almost
never on a clean one; its crafted records must get the verifier's expected reason codes and
raise the integrity bursts.

AML scoring follows streams/scoring/aml.py (AmlFeatures, AmlRules, RiskScorer; the outgoing
leg, then the incoming leg, per transaction, in stream order), telemetry the quantum handshake
rules and the bulk-exfiltration model. The worker's anomaly model can only add to a rule hit,
so for precision any rule hit counts as an alert, even one below the alert threshold.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from loadgen.draft import Draft, ScenarioInfo, StreamName
from loadgen.signer import Signer
from loadgen.traffic import Traffic, TrafficConfig
from models.aml import AccountState, AmlConfig, AmlFeatures, AmlRules, RiskScorer
from models.quantum import (
    HostVolume,
    KeyBursts,
    QuantumRulesConfig,
    bulk_exfiltration,
    exfil_model,
    handshake_rules,
    host_of,
    host_volume,
    integrity_burst,
)
from streams import signing
from streams.keys.model import KeyInfo
from streams.replay import SqliteReplayGuard
from streams.sequence import SequenceFile
from streams.verifier import InboundRecord, Verifier
from topics.messages.telemetry import TelemetryEvent
from topics.specs import TELEMETRY, TRANSACTIONS

START = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
# About five days of a 5,000-account bank: the businesses' settling-in, the quiet nights and
# steady days after it, and some 300 scenarios.
RECORDS = 100_000


class OfflineScorer:
    """Which (entity, typology) pairs the worker's rules would alert on, and which fire."""

    def __init__(self) -> None:
        config = AmlConfig()
        self.features = AmlFeatures(config.features)
        self.rules = AmlRules(config.rules, config.features)
        self.risk = RiskScorer(config.risk)
        self.accounts: dict[str, AccountState] = {}
        self.quantum = QuantumRulesConfig()
        self.exfil = exfil_model(self.quantum)
        self.volumes: dict[str, HostVolume] = {}
        self.alerts: set[tuple[str, str]] = set()
        self.fired: set[tuple[str, str]] = set()

    def observe(self, draft: Draft) -> None:
        if draft.label is not None and draft.label.craft is not None:
            return  # quarantined by the verifier: never scored
        if draft.stream == "transactions":
            self._payment(draft.payload)
        else:
            self._handshake(TelemetryEvent.model_validate(draft.payload))

    def _payment(self, txn: dict[str, object]) -> None:
        legs = (
            (str(txn["sender_account"]), self.features.outgoing(txn), True),
            (str(txn["receiver_account"]), self.features.incoming(txn), False),
        )
        for account, view, outgoing in legs:
            state = self.accounts.get(account) or self.features.new_state()
            self.accounts[account] = state
            x = state.observe_outgoing(view) if outgoing else state.observe_incoming(view)
            hits = self.rules.evaluate(x, view)
            if not hits:
                continue
            self.fired.update((account, hit.typology) for hit in hits)
            verdict = self.risk.assess(hits)
            if verdict.alert and verdict.typology is not None:
                self.alerts.add((account, verdict.typology))

    def _handshake(self, event: TelemetryEvent) -> None:
        _, hits = handshake_rules(event, self.quantum)
        found = {(host_of(event), hit.typology) for hit in hits}
        volume = self.volumes.get(event.orig_h) or host_volume(self.quantum)
        self.volumes[event.orig_h] = volume
        exfil = bulk_exfiltration(volume, event, self.exfil, self.quantum)
        if exfil is not None:
            found.add((event.orig_h, exfil.typology))
        self.alerts |= found
        self.fired |= found


@pytest.fixture(scope="module")
def scored() -> tuple[OfflineScorer, list[ScenarioInfo], dict[str, int]]:
    """The scorer after the whole stream, the scenarios, and records sent per scenario."""
    config = TrafficConfig(seed=11, start_us=START, accounts=5_000, scenario_every=300)
    scorer = OfflineScorer()
    scenarios: dict[str, ScenarioInfo] = {}
    sent: Counter[str] = Counter()
    for block in Traffic(config).blocks(count=RECORDS):
        for draft in block:
            if draft.label is not None:
                scenarios[draft.label.scenario.sid] = draft.label.scenario
                sent[draft.label.scenario.sid] += 1
            scorer.observe(draft)
    return scorer, list(scenarios.values()), dict(sent)


def test_every_injected_entity_alerts_with_its_typology(
    scored: tuple[OfflineScorer, list[ScenarioInfo], dict[str, int]],
) -> None:
    scorer, scenarios, sent = scored
    recall: defaultdict[str, list[bool]] = defaultdict(list)
    for info in scenarios:
        if info.kind != "integrity" and sent[info.sid] == info.events and info.entity:
            recall[info.typology].append((info.entity, info.typology) in scorer.alerts)
    assert len(recall) == 12  # eight AML typologies, four quantum ones
    for typology, found in recall.items():
        assert len(found) >= 10, typology
        assert sum(found) / len(found) >= 0.95, f"{typology}: {sum(found)} of {len(found)}"


def test_clean_entities_almost_never_alert(
    scored: tuple[OfflineScorer, list[ScenarioInfo], dict[str, int]],
) -> None:
    scorer, scenarios, _ = scored
    injected = {info.entity for info in scenarios if info.entity}
    expected = {(info.entity, info.typology) for info in scenarios if info.entity}
    false = {(e, t) for e, t in scorer.fired if e not in injected}
    # An injected entity alerts with its own typology only (counterparties do not alert).
    assert not {(e, t) for e, t in scorer.alerts if e in injected} - expected
    clean = len(scorer.accounts) + len(scorer.volumes) - len(injected)
    true_alerts = len(scorer.alerts & expected)
    assert true_alerts / (true_alerts + len(false)) >= 0.97, sorted(false)
    assert len(false) <= clean // 2_000, sorted(false)


class StaticKeys:
    """A key registry of fixed entries."""

    def __init__(self, *infos: KeyInfo) -> None:
        self.infos = {info.kid: info for info in infos}

    def resolve(self, kid: str) -> KeyInfo | None:
        return self.infos.get(kid)


def test_crafted_records_get_their_reason_codes_and_raise_integrity_bursts(
    tmp_path: Path,
) -> None:
    pair = signing.generate_keypair("ML-DSA-44", bytes(32))
    kid = "loadgen/p0"
    topics: dict[StreamName, str] = {"transactions": TRANSACTIONS, "telemetry": TELEMETRY}
    signer = Signer(kid, pair, SequenceFile(tmp_path / "p0.seq"), topics, seed=3)
    keys = StaticKeys(KeyInfo(kid, pair.algorithm, pair.public_key, "loadgen", valid_from_us=0))
    verifier = Verifier(keys, SqliteReplayGuard(tmp_path / "replay.db"))
    config = TrafficConfig(seed=3, start_us=START, accounts=1_000, scenario_every=60)
    offsets: Counter[int] = Counter()
    bursts: defaultdict[str, KeyBursts] = defaultdict(KeyBursts)
    alerted: set[tuple[str, str]] = set()
    expected: set[tuple[str, str]] = set()
    detected_us = 0
    for block in Traffic(config).blocks(count=4_000):
        signed = signer.sign(block)
        records = []
        for s in signed:
            partition = zlib.crc32(s.record.key) % 3
            key, value, headers = s.record.key, s.record.value, list(s.record.headers)
            records.append(
                InboundRecord(s.record.topic, partition, offsets[partition], key, value, headers)
            )
            offsets[partition] += 1
        for s, verdict in zip(signed, verifier.verify_batch(records), strict=True):
            label = s.draft.label
            craft = label.craft if label else None
            assert verdict.reason == (craft.reason if craft else None), (label, verdict.detail)
            if label is None or verdict.reason is None:
                continue
            entity = label.scenario.entity or s.kid
            expected.add((entity, label.scenario.typology))
            detected_us += 1_000
            hit = integrity_burst(
                bursts[entity], entity, verdict.reason, detected_us, QuantumRulesConfig()
            )
            if hit is not None:
                alerted.add((entity, hit.typology))
        verifier.commit()
    typologies = {t for _, t in expected}
    assert typologies == {"integrity_bad_signature", "integrity_replay", "integrity_unknown_key"}
    assert alerted == expected
