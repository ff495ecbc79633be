"""Quantum-threat rules on hand-made handshakes, flows and rejections: firing and not firing,
their reasons, state round trips and bounds."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from models.base import Features, OnlineModel
from models.explain import Contribution
from models.quantum.exfil import FEATURES, HostVolume, bulk_exfiltration, exfil_model, host_volume
from models.quantum.integrity import (
    UNKNOWN_KEYS_ENTITY,
    KeyBursts,
    integrity_burst,
    integrity_entity,
)
from models.quantum.posture import classify
from models.quantum.rules import (
    QuantumRulesConfig,
    handshake_rules,
    hndl_exposure,
    legacy_crypto,
    pq_downgrade,
)
from models.rules import Evidence, RuleHit, to_alert_reasons
from topics.messages.alert import AlertReason
from topics.messages.telemetry import Certificate, TelemetryEvent
from topics.reasons import Reason

TS = 1_700_000_000_000_000
S = 1_000_000
CFG = QuantumRulesConfig()


def event(**fields: Any) -> TelemetryEvent:
    base: dict[str, Any] = {
        "event_id": "00000000-0000-4000-8000-000000000001",
        "ts_us": TS,
        "sensor": "zeek-test",
        "orig_h": "10.0.0.1",
        "orig_p": 50000,
        "resp_h": "10.0.0.2",
        "resp_p": 443,
        "version": "TLSv13",
        "cipher": "TLS_AES_128_GCM_SHA256",
        "group": "x25519",
        "established": True,
    }
    return TelemetryEvent(**(base | fields))


def cert(**fields: Any) -> Certificate:
    base: dict[str, Any] = {
        "fingerprint": "0" * 64,
        "subject": "CN=example",
        "issuer": "CN=ca",
        "not_valid_before_us": TS - 10**13,
        "not_valid_after_us": TS + 10**13,
        "key_alg": "rsaEncryption",
        "key_type": "rsa",
        "key_length": 2048,
        "sig_alg": "sha256WithRSAEncryption",
    }
    return Certificate(**(base | fields))


def hndl(cfg: QuantumRulesConfig = CFG, **fields: Any) -> RuleHit | None:
    e = event(**fields)
    return hndl_exposure(e, classify(e), cfg)


# --- hndl_exposure ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"service": "ldap"}, "service"),
        ({"service": "ssl,smtp"}, "service"),
        ({"resp_p": 636}, "resp_p"),
        ({"resp_p": 5432}, "resp_p"),
        ({"server_name": "api.MyBank.example"}, "server_name"),
        ({"server_name": "gw.swift.example"}, "server_name"),
        ({"server_name": "db1.abc.us-east-1.rds.amazonaws.com"}, "server_name"),
    ],
)
def test_hndl_fires_on_sensitive_flows(fields: dict[str, Any], why: str) -> None:
    hit = hndl(**fields)
    assert hit is not None
    assert (hit.rule, hit.typology, hit.score) == ("hndl_exposure", "hndl_exposure", 0.7)
    assert hit.reasons[0].name == "kex" and hit.reasons[0].value == "x25519"
    assert why in [r.name for r in hit.reasons]


@pytest.mark.parametrize(
    "fields",
    [
        {"version": "TLSv12", "cipher": "TLS_RSA_WITH_AES_128_GCM_SHA256", "group": None},
        {"version": "TLSv12", "cipher": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "group": None},
        {"group": "secp384r1"},
        {"protocol": "ssh", "version": "2", "cipher": "aes128-ctr", "group": "curve25519-sha256"},
    ],
)
def test_hndl_fires_on_every_classical_key_exchange(fields: dict[str, Any]) -> None:
    assert hndl(resp_p=389, **fields) is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"group": "X25519MLKEM768"},  # post-quantum hybrid
        {"group": "unknown-4588"},
        {"group": "MLKEM768"},
        {
            "protocol": "ssh",
            "version": "2",
            "cipher": "aes128-ctr",
            "group": "sntrup761x25519-sha512@openssh.com",
        },
        {"cipher": "TLS_PSK_WITH_AES_128_GCM_SHA256", "version": "TLSv12", "group": None},
        {"group": None, "resumed": True},  # nothing exchanged in this handshake
        {"group": "unknown-9999"},  # unrecognised: not counted by default
    ],
)
def test_hndl_not_on_safe_or_unknown_key_exchange(fields: dict[str, Any]) -> None:
    assert hndl(resp_p=389, **fields) is None


def test_hndl_not_on_ordinary_web_traffic() -> None:
    assert hndl(server_name="www.example.com", service="https") is None


def test_hndl_bytes() -> None:
    # No payload at all: nothing to harvest.
    assert hndl(resp_p=389, orig_bytes=0, resp_bytes=0) is None
    hit = hndl(resp_p=389, orig_bytes=100, resp_bytes=5000)
    assert hit is not None and hit.reasons[-1] == Evidence("bytes", 5100.0, 1.0, "5100 bytes")
    strict = QuantumRulesConfig(hndl_min_bytes=10_000)
    assert hndl(strict, resp_p=389, orig_bytes=100, resp_bytes=5000) is None
    # Unknown byte counts pass: the handshake alone shows the exposure.
    assert hndl(strict, resp_p=389) is not None


def test_hndl_bulk_bytes_for_any_service() -> None:
    cfg = QuantumRulesConfig(hndl_bulk_bytes=10**9)
    assert hndl(cfg, orig_bytes=10**9, resp_bytes=0) is not None
    assert hndl(cfg, orig_bytes=10**6, resp_bytes=0) is None
    assert hndl(CFG, orig_bytes=10**9, resp_bytes=0) is None  # off by default


def test_hndl_settings() -> None:
    assert hndl(QuantumRulesConfig(hndl_unknown_kex=True), resp_p=389, group="unknown-9999")
    cfg = QuantumRulesConfig(
        hndl_services=frozenset(), hndl_ports=frozenset({8443}), hndl_server_names=("*.internal",)
    )
    assert hndl(cfg, resp_p=389, service="ldap") is None
    assert hndl(cfg, resp_p=8443) is not None
    assert hndl(cfg, server_name="vault.internal") is not None


# --- pq_downgrade -----------------------------------------------------------------------------


def downgrade(**fields: Any) -> RuleHit | None:
    return pq_downgrade(classify(event(**fields)), CFG)


def test_downgrade_after_pq_key_share() -> None:
    hit = downgrade(
        client_groups=["X25519MLKEM768", "x25519"], client_key_shares=["X25519MLKEM768", "x25519"]
    )
    assert hit is not None and (hit.typology, hit.score) == ("pq_downgrade", 0.9)
    assert [(r.name, r.value) for r in hit.reasons] == [
        ("group", "x25519"),
        ("client_pq_groups", "X25519MLKEM768"),
    ]
    assert hit.reasons[0].text == "server negotiated classical x25519 over TLSv13"


def test_downgrade_after_pq_listed_only() -> None:
    hit = downgrade(client_groups=["4588", "29"])
    assert hit is not None and hit.score == 0.6


def test_downgrade_to_tls12() -> None:
    hit = downgrade(
        version="TLSv12",
        cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        group="secp256r1",
        client_groups=["X25519Kyber768Draft00", "secp256r1"],
    )
    assert hit is not None and hit.reasons[0].text.endswith("over TLSv12")


def test_downgrade_on_handshake_failure() -> None:
    hit = downgrade(
        version=None,
        cipher=None,
        group=None,
        established=False,
        last_alert="handshake_failure",
        client_key_shares=["X25519MLKEM768"],
    )
    assert hit is not None and hit.score == 0.7
    assert hit.reasons[0].name == "established"


def test_downgrade_over_quic_is_not_a_failure() -> None:
    # Zeek logs every QUIC handshake as not established; the negotiated group decides.
    hit = downgrade(protocol="quic", established=False, client_key_shares=["X25519MLKEM768"])
    assert hit is not None and hit.reasons[0].name == "group"


@pytest.mark.parametrize(
    "fields",
    [
        {"group": "X25519MLKEM768", "client_key_shares": ["X25519MLKEM768"]},
        {"group": "SecP256r1MLKEM768", "client_groups": ["X25519MLKEM768", "0x11EB"]},
        {"group": "x25519", "client_groups": ["x25519", "secp256r1", "grease_0x0A0A"]},
        {"group": "x25519"},
        # Failure without a post-quantum offer is not a downgrade.
        {"group": None, "version": None, "cipher": None, "established": False},
        # Resumed: the server chose nothing in this handshake.
        {"group": None, "resumed": True, "client_groups": ["X25519MLKEM768"]},
    ],
)
def test_no_downgrade(fields: dict[str, Any]) -> None:
    assert downgrade(**fields) is None


# --- legacy_crypto ----------------------------------------------------------------------------


def legacy(cfg: QuantumRulesConfig = CFG, **fields: Any) -> RuleHit | None:
    posture = classify(event(**fields), rsa_min_bits=cfg.rsa_min_bits, ec_min_bits=cfg.ec_min_bits)
    return legacy_crypto(posture, cfg)


@pytest.mark.parametrize(
    ("fields", "codes"),
    [
        ({"version": "SSLv3", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, "version_sslv3"),
        (
            {"version": "TLSv10", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
            "version_tlsv10",
        ),
        (
            {"version": "TLSv11", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
            "version_tlsv11",
        ),
        ({"version": "TLSv12", "cipher": "TLS_ECDHE_RSA_WITH_RC4_128_SHA"}, "rc4"),
        ({"version": "TLSv12", "cipher": "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"}, "3des"),
        ({"version": "TLSv12", "cipher": "TLS_ECDHE_RSA_WITH_NULL_SHA"}, "null_cipher"),
        (
            {"version": "TLSv12", "cipher": "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
            "export_cipher des",
        ),
        (
            {"version": "TLSv12", "cipher": "TLS_RSA_WITH_AES_128_GCM_SHA256", "group": None},
            "static_rsa",
        ),
        (
            {"version": "TLSv12", "cipher": "TLS_DH_anon_WITH_AES_128_GCM_SHA256", "group": None},
            "anon_kx",
        ),
        ({"cert": cert(sig_alg="sha1WithRSAEncryption")}, "cert_sig_sha1"),
        ({"cert": cert(sig_alg="md5WithRSAEncryption")}, "cert_sig_md5"),
        ({"cert": cert(key_length=1024)}, "cert_key_weak"),
        ({"group": "secp160r1"}, "weak_group"),
    ],
)
def test_legacy_findings(fields: dict[str, Any], codes: str) -> None:
    hit = legacy(**fields)
    assert hit is not None and hit.typology == "legacy_crypto"
    assert [r.name for r in hit.reasons] == codes.split()
    keep = 1.0
    for code in codes.split():
        keep *= 1.0 - CFG.legacy_weights[code]
    assert hit.score == pytest.approx(1.0 - keep)


def test_legacy_many_findings_one_hit() -> None:
    hit = legacy(
        version="TLSv10",
        cipher="TLS_RSA_WITH_RC4_128_MD5",
        group=None,
        cert=cert(key_length=1024, sig_alg="sha1WithRSAEncryption"),
    )
    assert hit is not None
    # Heaviest first; noisy-or of 0.7, 0.6, 0.5, 0.5, 0.4, 0.3.
    assert [r.name for r in hit.reasons] == [
        "rc4",
        "cert_key_weak",
        "version_tlsv10",
        "cert_sig_sha1",
        "static_rsa",
        "md5_mac",
    ]
    assert hit.score == pytest.approx(1 - 0.3 * 0.4 * 0.5 * 0.5 * 0.6 * 0.7)
    weak = next(r for r in hit.reasons if r.name == "cert_key_weak")
    assert (weak.value, weak.threshold, weak.text) == (
        1024.0,
        2048.0,
        "rsa certificate key of 1024 bits",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"version": "TLSv12", "cipher": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
        # CBC with SHA-1 MACs and expired certificates are findings, off by default.
        {"version": "TLSv12", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
        {"cert": cert(not_valid_after_us=TS - 1)},
        {
            "cert": cert(
                key_type="ML-DSA-44", key_alg="ML-DSA-44", key_length=10496, sig_alg="ML-DSA-44"
            )
        },
    ],
)
def test_no_legacy(fields: dict[str, Any]) -> None:
    assert legacy(**fields) is None


def test_legacy_weights_are_settings() -> None:
    cfg = QuantumRulesConfig(legacy_weights={"cbc_sha1": 0.2, "cert_expired": 0.5})
    hit = legacy(
        cfg,
        version="TLSv10",
        cipher="TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        cert=cert(not_valid_after_us=TS - 1),
    )
    assert hit is not None
    assert [r.name for r in hit.reasons] == ["cert_expired", "cbc_sha1"]  # TLS 1.0 now off
    ecdsa = QuantumRulesConfig(ec_min_bits=384)
    weak = legacy(ecdsa, cert=cert(key_type="ecdsa", key_alg="id-ecPublicKey", key_length=256))
    assert weak is not None and weak.reasons[0].threshold == 384.0


def test_handshake_rules_clean() -> None:
    posture, hits = handshake_rules(event(group="X25519MLKEM768", resp_p=636), CFG)
    assert posture.pq_kex and hits == []


# --- alert reasons ----------------------------------------------------------------------------


def test_to_alert_reasons() -> None:
    _, hits = handshake_rules(
        event(version="TLSv10", resp_p=389, client_groups=["X25519MLKEM768"]), CFG
    )
    reasons = to_alert_reasons(hits)
    assert all(isinstance(r, AlertReason) for r in reasons)
    assert [r.name for r in reasons] == [
        "kex",
        "resp_p",
        "group",
        "client_pq_groups",
        "version_tlsv10",
    ]
    assert reasons[1].value == 389.0 and reasons[0].source == "rule"
    many = RuleHit("r", "t", 1.0, tuple(Evidence(f"e{i}", i, None, "x") for i in range(100)))
    assert len(to_alert_reasons(many)) == 64
    feature = Evidence("bytes_out", 1e9, None, "big", "feature")
    (r,) = to_alert_reasons(RuleHit("r", "t", 1.0, (feature,)))
    assert (r.source, r.value) == ("feature", 1e9)


def test_config_is_frozen_and_serialisable() -> None:
    cfg = QuantumRulesConfig(integrity_threshold=3)
    with pytest.raises(ValueError, match="frozen"):
        cfg.integrity_threshold = 4  # type: ignore[misc]
    again = QuantumRulesConfig.model_validate_json(cfg.model_dump_json())
    assert again == cfg
    with pytest.raises(ValueError, match="extra"):
        QuantumRulesConfig(no_such_setting=1)  # type: ignore[call-arg]


# --- bulk_exfiltration ------------------------------------------------------------------------


class StubModel(OnlineModel):
    """Scores what it is told to, to test the rule apart from the trees."""

    def __init__(self, score: float = 0.0, warm: bool = True, explain: bool = False) -> None:
        self.score = score
        self.warm = warm
        self.explain = explain
        self.learnt: list[Features] = []

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        yield {}

    @property
    def warmed_up(self) -> bool:
        return self.warm

    def learn_one(self, x: Features) -> None:
        self.learnt.append(x)

    def score_one(self, x: Features) -> float:
        return self.score if self.warm else 0.0

    def explain_one(self, x: Features, top: int = 3) -> list[Contribution]:
        if not self.explain:
            return []
        return [Contribution("bytes_out", x["bytes_out"], 9.0, "bytes_out is 9 sd above")]


def flow(out: int | None, inn: int | None, ts: int = TS, host: str = "10.0.0.7") -> TelemetryEvent:
    return event(orig_h=host, ts_us=ts, orig_bytes=out, resp_bytes=inn)


def test_exfil_fires_with_raw_features_when_model_has_no_explanation() -> None:
    model = StubModel(score=0.95)
    hit = bulk_exfiltration(HostVolume(), flow(5_000_000, 1_000), model, CFG)
    assert hit is not None and (hit.typology, hit.score) == ("bulk_exfiltration", 0.95)
    assert [r.name for r in hit.reasons] == ["exfil_score", *FEATURES]
    assert hit.reasons[0].threshold == CFG.exfil_threshold
    assert hit.reasons[1] == Evidence("bytes_out", 5e6, None, "bytes_out=5,000,000", "feature")
    assert model.learnt == []  # what fires is not learnt as normal


def test_exfil_uses_the_model_explanation() -> None:
    hit = bulk_exfiltration(
        HostVolume(), flow(5_000_000, 1_000), StubModel(0.95, explain=True), CFG
    )
    assert hit is not None
    assert [(r.name, r.source) for r in hit.reasons] == [
        ("exfil_score", "rule"),
        ("bytes_out", "feature"),
    ]


@pytest.mark.parametrize(
    ("model", "out"),
    [
        (StubModel(score=0.5), 5_000_000),  # not anomalous
        (StubModel(score=0.95, warm=False), 5_000_000),  # cold model
        (StubModel(score=0.95), 10_000),  # anomalous but small
    ],
)
def test_exfil_does_not_fire(model: StubModel, out: int) -> None:
    assert bulk_exfiltration(HostVolume(), flow(out, 1_000), model, CFG) is None
    assert len(model.learnt) == 1


def test_exfil_window_adds_up_a_host_uploads() -> None:
    state, model = HostVolume(), StubModel(score=0.95)
    assert bulk_exfiltration(state, flow(600_000, 0, TS), model, CFG) is None
    hit = bulk_exfiltration(state, flow(600_000, 0, TS + 20 * S), model, CFG)
    assert hit is not None
    per_min = {r.name: r.value for r in hit.reasons}
    assert (per_min["flows_per_min"], per_min["bytes_out_per_min"]) == (2.0, 1_200_000.0)
    # A minute later the first upload has left the window.
    assert bulk_exfiltration(state, flow(600_000, 0, TS + 85 * S), model, CFG) is None


def test_exfil_skips_flows_without_byte_counts() -> None:
    model = StubModel(score=0.95)
    assert bulk_exfiltration(HostVolume(), flow(None, None), model, CFG) is None
    assert model.learnt == []


def test_host_volume_is_bounded_and_round_trips() -> None:
    state = HostVolume(buckets=6, bucket_s=10)
    rng = random.Random(3)  # noqa: S311 - seeded test data, not crypto
    for i in range(10_000):
        ts = TS + i * 37_000
        state.add(ts, rng.randint(0, 10**6), rng.randint(0, 10**6))
        state.learn_mean(1000)
    d = json.loads(json.dumps(state.to_dict()))
    assert len(d["b"]) <= 6 and len(json.dumps(d)) < 400
    again = HostVolume.from_dict(d)
    assert again.window(ts) == state.window(ts)
    assert (again.n, again.mean_log_out) == (state.n, state.mean_log_out)
    # Changed window settings drop the buckets, keep the host's mean.
    other = HostVolume.from_dict(d, buckets=12, bucket_s=5)
    assert other.window(ts) == (0, 0, 0) and other.n == state.n


def test_host_volume_follows_the_config() -> None:
    cfg = QuantumRulesConfig(exfil_buckets=3, exfil_bucket_s=20)
    state = host_volume(cfg)
    assert (state.buckets, state.bucket_s) == (3, 20)
    state.add(TS, 10, 20)
    again = host_volume(cfg, json.loads(json.dumps(state.to_dict())))
    assert again.window(TS) == (1, 10, 20)


def test_host_volume_late_flows() -> None:
    state = HostVolume()
    state.add(TS + 100 * S, 10, 0)
    state.add(TS, 5, 0)  # 100 s late: its bucket slot holds newer data now
    assert state.window(TS + 100 * S) == (1, 10, 0)


def test_exfil_with_half_space_trees() -> None:
    cfg = QuantumRulesConfig(exfil_warm_up=300, exfil_window=100)
    model = exfil_model(cfg)
    rng = random.Random(5)  # noqa: S311 - seeded test data, not crypto
    hosts = [f"10.1.0.{i}" for i in range(1, 50)]
    states = {h: HostVolume() for h in hosts}
    ts = TS
    hits = []
    for _ in range(2000):
        ts += rng.randint(10_000, 100_000)
        h = rng.choice(hosts)
        e = flow(int(rng.lognormvariate(7.5, 1.0)), int(rng.lognormvariate(10.5, 1.5)), ts, h)
        hits.append(bulk_exfiltration(states[h], e, model, cfg))
    assert model.warmed_up and not any(hits)
    ts += S
    hit = bulk_exfiltration(states[hosts[0]], flow(80_000_000, 2_000, ts, hosts[0]), model, cfg)
    assert hit is not None and hit.score >= cfg.exfil_threshold
    assert hit.reasons[1].source == "feature" and "sd above its running mean" in hit.reasons[1].text


# --- integrity_burst --------------------------------------------------------------------------


def burst(
    state: KeyBursts, code: str, seconds: list[float], cfg: QuantumRulesConfig = CFG
) -> list[RuleHit | None]:
    return [integrity_burst(state, "bank-core/p1", code, int(TS + s * S), cfg) for s in seconds]


@pytest.mark.parametrize(
    ("code", "typology", "score"),
    [
        (Reason.BAD_SIGNATURE, "integrity_bad_signature", 0.9),
        (Reason.REPLAY, "integrity_replay", 0.8),
        (Reason.UNKNOWN_KEY, "integrity_unknown_key", 0.6),
    ],
)
def test_integrity_burst_fires_at_threshold(code: Reason, typology: str, score: float) -> None:
    hits = burst(KeyBursts(), code, [0, 1, 2, 3, 4])
    assert hits[:4] == [None] * 4
    hit = hits[4]
    assert hit is not None and (hit.rule, hit.typology, hit.score) == (
        "integrity_burst",
        typology,
        score,
    )
    assert (hit.reasons[0].name, hit.reasons[0].value, hit.reasons[0].threshold) == (
        code,
        5.0,
        5.0,
    )
    assert "bank-core/p1" in hit.reasons[0].text


def test_integrity_spread_out_does_not_fire() -> None:
    assert not any(burst(KeyBursts(), "bad_signature", [0, 20, 40, 60, 80, 100, 120]))


def test_integrity_codes_count_apart() -> None:
    state = KeyBursts()
    hits = [
        integrity_burst(state, "k", code, TS + i * S, CFG)
        for i, code in enumerate(["replay", "bad_signature"] * 4)
    ]
    assert not any(hits)


@pytest.mark.parametrize("code", ["stale", "missing_header", "revoked_key", "oversize"])
def test_integrity_ignores_other_codes(code: str) -> None:
    state = KeyBursts()
    assert not any(burst(state, code, [0, 0, 0, 0, 0, 0]))
    assert state.to_dict()["t"] == {}


def test_integrity_cooldown() -> None:
    state = KeyBursts()
    first = burst(state, "replay", [0, 1, 2, 3, 4])[-1]
    assert first is not None
    # Another burst inside the 300 s cool-down is counted, not alerted.
    assert not any(burst(state, "replay", [10, 11, 12, 13, 14, 15]))
    assert state.suppressed == {"replay": 2}
    again = burst(state, "replay", [400, 401, 402, 403, 404])[-1]
    assert again is not None
    assert again.reasons[1] == Evidence(
        "suppressed", 2.0, None, "2 more replay rejections during the previous alert's cool-down"
    )
    assert state.suppressed == {}


def test_integrity_state_is_bounded_and_round_trips() -> None:
    cfg = QuantumRulesConfig(integrity_threshold=5, integrity_cooldown_s=0)
    state = KeyBursts()
    hits = burst(state, "bad_signature", [i * 0.01 for i in range(10_000)], cfg)
    assert sum(h is not None for h in hits) == 2000
    burst(state, "replay", [200, 201], cfg)
    d = json.loads(json.dumps(state.to_dict()))
    assert all(len(times) <= 5 for times in d["t"].values())
    again = KeyBursts.from_dict(d, threshold=5)
    assert again.to_dict() == state.to_dict()
    # The restored state continues the count.
    assert burst(again, "replay", [202, 203], cfg) == [None, None]
    assert burst(again, "replay", [204], cfg)[0] is not None


def test_integrity_threshold_change_resizes_state() -> None:
    state = KeyBursts()
    burst(state, "replay", [0, 1, 2, 3])
    small = QuantumRulesConfig(integrity_threshold=2)
    assert burst(state, "replay", [5], small)[0] is not None


@pytest.mark.parametrize(
    ("kid", "code", "aggregate", "entity"),
    [
        ("bank-core/p1", "replay", False, "bank-core/p1"),
        ("processor/worker-2", "unknown_key", False, "processor/worker-2"),
        ("random-kid-123", "unknown_key", True, UNKNOWN_KEYS_ENTITY),
        ("random-kid-123", "replay", True, "random-kid-123"),
        (None, "replay", False, "no-kid"),
    ],
)
def test_integrity_entity(kid: str | None, code: str, aggregate: bool, entity: str) -> None:
    cfg = QuantumRulesConfig(integrity_aggregate_unknown_keys=aggregate)
    assert integrity_entity(kid, code, cfg) == entity


def test_integrity_entity_of_hostile_kid() -> None:
    entity = integrity_entity("evil kid\n" + "x" * 2000, "unknown_key", CFG)
    assert entity.startswith("kid-") and len(entity) == 20
    assert entity == integrity_entity("evil kid\n" + "x" * 2000, "unknown_key", CFG)
