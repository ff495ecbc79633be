"""Quantum-threat scoring of telemetry: the crypto posture of each handshake, the rules over it
(harvest-now-decrypt-later exposure, post-quantum downgrade, legacy crypto, bulk exfiltration,
integrity bursts) and the per-host crypto inventory."""

from __future__ import annotations

from models.quantum.exfil import HostVolume, bulk_exfiltration, exfil_model, host_volume
from models.quantum.integrity import KeyBursts, integrity_burst, integrity_entity
from models.quantum.inventory import HostInventory
from models.quantum.posture import Finding, Posture, classify, host_of
from models.quantum.rules import (
    QuantumRulesConfig,
    handshake_rules,
    hndl_exposure,
    legacy_crypto,
    pq_downgrade,
)
from models.rules import Evidence, RuleHit, to_alert_reasons

__all__ = [
    "Evidence",
    "Finding",
    "HostInventory",
    "HostVolume",
    "KeyBursts",
    "Posture",
    "QuantumRulesConfig",
    "RuleHit",
    "bulk_exfiltration",
    "classify",
    "exfil_model",
    "handshake_rules",
    "hndl_exposure",
    "host_of",
    "host_volume",
    "integrity_burst",
    "integrity_entity",
    "legacy_crypto",
    "pq_downgrade",
    "to_alert_reasons",
]
