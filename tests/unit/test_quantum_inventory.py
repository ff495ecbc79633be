"""Per-host crypto inventory: algorithms with first and last seen, post-quantum readiness, the
ClickHouse row, the bound on its size and its JSON round trip."""

from __future__ import annotations

import json
from typing import Any

import pytest

from models.quantum.inventory import KINDS, HostInventory
from models.quantum.posture import Posture, classify
from models.quantum.rules import QuantumRulesConfig, handshake_rules
from topics.messages.telemetry import Certificate, TelemetryEvent

DAY = 86_400_000_000
T0 = 1_700_000_000_000_000


def event(day: float = 0.0, **fields: Any) -> TelemetryEvent:
    base: dict[str, Any] = {
        "event_id": "00000000-0000-4000-8000-000000000001",
        "ts_us": T0 + int(day * DAY),
        "sensor": "zeek-test",
        "orig_h": "10.0.0.1",
        "orig_p": 50000,
        "resp_h": "10.0.0.2",
        "resp_p": 443,
        "server_name": "api.example",
        "version": "TLSv13",
        "cipher": "TLS_AES_128_GCM_SHA256",
        "group": "X25519MLKEM768",
        "established": True,
    }
    return TelemetryEvent(**(base | fields))


def posture(day: float = 0.0, **fields: Any) -> Posture:
    return classify(event(day, **fields))


CERT = Certificate(
    fingerprint="0" * 64,
    subject="CN=api.example",
    issuer="CN=ca",
    not_valid_before_us=T0 - 100 * DAY,
    not_valid_after_us=T0 + 100 * DAY,
    key_alg="rsaEncryption",
    key_type="rsa",
    key_length=1024,
    sig_alg="sha1WithRSAEncryption",
    san_dns=["api.example"],
)


def test_row_of_one_host() -> None:
    inv = HostInventory("api.example")
    inv.update(posture(0, cert=CERT))
    inv.update(
        posture(
            1, version="TLSv12", cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", group="secp256r1"
        )
    )
    inv.update(posture(2, version=None, cipher=None, group=None, established=False))
    row = inv.row()
    assert row == {
        "host": "api.example",
        "first_seen_us": T0,
        "last_seen_us": T0 + 2 * DAY,
        "pq_ready": False,
        "pq_capable": True,
        "cert_quantum_vulnerable": True,
        "versions": ["TLSv12", "TLSv13"],
        "ciphers": ["TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        "groups": ["X25519MLKEM768", "secp256r1"],
        "cert_key_types": ["rsa-1024"],
        "cert_sig_algs": ["sha1WithRSAEncryption"],
        "handshakes": 3,
        "pq_handshakes": 1,
        "classical_handshakes": 1,
        "failed_handshakes": 1,
        "legacy_handshakes": 1,
        "legacy_findings": ["cert_key_weak", "cert_sig_sha1"],
        "last_pq_us": T0,
        "last_classical_us": T0 + DAY,
    }
    json.dumps(row)  # flat and JSON-able, as the sink writes it
    assert inv.algs["versions"]["TLSv13"] == [T0, T0]
    assert inv.algs["versions"]["TLSv12"] == [T0 + DAY, T0 + DAY]


def test_pq_ready_needs_only_pq_handshakes_in_the_window() -> None:
    inv = HostInventory("h", pq_window_days=7)
    assert not inv.pq_ready()  # nothing seen
    inv.update(posture(0, group="x25519"))
    assert not inv.pq_ready()
    inv.update(posture(1))
    assert not inv.pq_ready()  # a classical handshake a day ago
    assert inv.pq_ready(now_us=T0 + 7 * DAY + 1)  # ... has left the 7-day window
    inv.update(posture(8))
    assert inv.pq_ready()
    # Post-quantum handshakes must keep coming: none for 7 days is not ready either.
    assert not inv.pq_ready(now_us=T0 + 16 * DAY)


def test_handshakes_without_key_exchange_count_neither_way() -> None:
    inv = HostInventory("h")
    inv.update(posture(0))
    for p in (
        posture(1, group=None, resumed=True),
        posture(1, version=None, cipher=None, group=None, established=False),
        posture(1, group="unknown-9999"),
        posture(1, version="TLSv12", cipher="TLS_PSK_WITH_AES_128_GCM_SHA256", group=None),
    ):
        inv.update(p)
    assert inv.pq_ready() and (inv.pq_handshakes, inv.classical_handshakes) == (1, 0)


def test_pq_capable_is_lost_by_a_downgrade() -> None:
    cfg = QuantumRulesConfig()
    inv = HostInventory("h")
    inv.update(posture(0))
    e = event(1, group="x25519", client_key_shares=["X25519MLKEM768"])
    p, hits = handshake_rules(e, cfg)
    inv.update(p, downgrade=any(h.typology == "pq_downgrade" for h in hits))
    assert not inv.pq_capable() and not inv.pq_ready()
    # A classical handshake with a client that offered nothing post-quantum is no downgrade.
    other = HostInventory("h")
    other.update(posture(0))
    other.update(posture(1, group="x25519"))
    assert other.pq_capable() and not other.pq_ready()


def test_bounded_per_kind() -> None:
    inv = HostInventory("h", max_per_kind=4)
    for i in range(100):
        inv.update(posture(i / 100, cipher=f"TLS_AES_{i}_GCM_SHA256", group=f"unknown-{1000 + i}"))
    assert len(inv.algs["ciphers"]) == 4 and len(inv.algs["groups"]) == 4
    # The most recently seen stay.
    assert sorted(inv.algs["ciphers"]) == [f"TLS_AES_{i}_GCM_SHA256" for i in (96, 97, 98, 99)]
    assert inv.handshakes == 100
    assert len(json.dumps(inv.to_dict())) < 2000


def test_out_of_order_events() -> None:
    inv = HostInventory("h")
    inv.update(posture(5))
    inv.update(posture(2))
    assert (inv.first_seen_us, inv.last_seen_us) == (T0 + 2 * DAY, T0 + 5 * DAY)
    assert inv.algs["groups"]["X25519MLKEM768"] == [T0 + 2 * DAY, T0 + 5 * DAY]
    assert inv.last_pq_us == T0 + 5 * DAY


def test_round_trip_through_json() -> None:
    inv = HostInventory("api.example")
    inv.update(posture(0, cert=CERT, version="TLSv10"))
    inv.update(posture(1, group="x25519"), downgrade=True)
    inv.update(posture(2))
    d = json.loads(json.dumps(inv.to_dict()))
    again = HostInventory.from_dict(d)
    assert again.to_dict() == inv.to_dict()
    assert again.row() == inv.row()
    # Restoring with a smaller bound keeps the most recently seen names.
    small = HostInventory.from_dict(d, max_per_kind=1)
    assert small.algs["groups"] == {"X25519MLKEM768": [T0, T0 + 2 * DAY]}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_in_the_row(kind: str) -> None:
    inv = HostInventory("h")
    inv.update(posture(0, cert=CERT))
    assert inv.row()[kind], kind
