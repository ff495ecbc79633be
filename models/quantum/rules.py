"""Quantum-threat rules over one handshake, and the settings of every quantum-threat rule.

Rules here read one `Posture` (and the event for its service, port and byte counts) and keep no
state: `hndl_exposure`, `pq_downgrade` and `legacy_crypto`. The two stateful rules live next to
their state: `bulk_exfiltration` in models/quantum/exfil.py, `integrity_burst` in
models/quantum/integrity.py. All of them read `QuantumRulesConfig`.

Examples
--------
>>> from topics.messages.telemetry import TelemetryEvent
>>> event = TelemetryEvent(
...     event_id="00000000-0000-4000-8000-000000000001", ts_us=1_700_000_000_000_000,
...     sensor="zeek-1", orig_h="10.0.0.1", orig_p=50000, resp_h="10.0.0.2", resp_p=636,
...     version="TLSv12", cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", group="secp256r1",
...     client_groups=["X25519MLKEM768", "x25519", "secp256r1"], established=True,
... )
>>> posture, hits = handshake_rules(event, QuantumRulesConfig())
>>> [(h.typology, h.score) for h in hits]
[('hndl_exposure', 0.7), ('pq_downgrade', 0.6)]
>>> [r.name for r in hits[0].reasons]
['kex', 'resp_p']
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from models.quantum.posture import Posture, classify
from models.rules import Evidence, RuleHit
from topics.messages.telemetry import TelemetryEvent
from topics.reasons import Reason

__all__ = [
    "QuantumRulesConfig",
    "handshake_rules",
    "hndl_exposure",
    "legacy_crypto",
    "pq_downgrade",
]

Unit = Annotated[float, Field(ge=0.0, le=1.0)]

# Services whose sessions carry secrets that stay valuable for years: directory credentials,
# mail, databases, file transfer, remote access and VPN tunnels, payment messaging.
_SERVICES = ("ldap", "ldaps", "ldap_tcp", "ldap_udp", "smtp", "smtps", "submission", "imap",
             "imaps", "pop3", "pop3s", "mysql", "postgresql", "mssql", "tds", "oracle", "mongodb",
             "redis", "ftp", "ftps", "ftp-data", "gridftp", "ssh", "sftp", "openvpn", "ipsec",
             "ike", "wireguard", "kerberos", "swift", "iso20022", "fix")  # fmt: skip
_PORTS = (22, 25, 389, 465, 587, 636, 110, 143, 993, 995, 1194, 1433, 1521, 2484, 3268, 3269,
          3306, 5432, 6379, 6380, 9042, 27017, 500, 4500, 51820)  # fmt: skip
_SERVER_NAMES = ("*bank*", "*swift*", "*iso20022*", "*sepa*", "*fedwire*", "*payment*",
                 "*treasury*", "*vault*", "kms.*", "*.kms.*", "*hsm*", "ldap*", "*vpn*",
                 "*.rds.amazonaws.com", "*.database.windows.net")  # fmt: skip
# One weight per finding code (models/quantum/posture.py): its share of the legacy_crypto
# score. A code absent or at 0 is not reported; CBC with SHA-1 MACs is still everywhere in
# TLS 1.2, so it is off by default, like certificate expiry, which is not a crypto weakness.
_LEGACY_WEIGHTS = {
    "version_sslv2": 0.9,
    "version_sslv3": 0.8,
    "version_tlsv10": 0.5,
    "version_tlsv11": 0.5,
    "version_dtlsv10": 0.5,
    "version_sshv1": 0.9,
    "null_cipher": 0.9,
    "export_cipher": 0.9,
    "anon_kx": 0.8,
    "rc4": 0.7,
    "des": 0.7,
    "3des": 0.5,
    "block64": 0.5,
    "static_rsa": 0.4,
    "md5_mac": 0.3,
    "cbc_sha1": 0.0,
    "weak_group": 0.6,
    "cert_sig_md5": 0.8,
    "cert_sig_sha1": 0.5,
    "cert_key_weak": 0.6,
    "cert_dsa": 0.3,
    "cert_expired": 0.0,
    "cert_not_yet_valid": 0.0,
}
_INTEGRITY_SCORES = {Reason.BAD_SIGNATURE: 0.9, Reason.REPLAY: 0.8, Reason.UNKNOWN_KEY: 0.6}


class QuantumRulesConfig(BaseModel):
    """Thresholds and lists of the quantum-threat rules; defaults are a starting point."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rsa_min_bits: int = 2048
    """RSA and DSA certificate keys below this size are weak (legacy_crypto)."""
    ec_min_bits: int = 224
    """EC certificate keys below this size are weak."""

    hndl_services: frozenset[str] = frozenset(_SERVICES)
    """Zeek `service` values (lower case) whose sessions carry long-lived secrets."""
    hndl_ports: frozenset[int] = frozenset(_PORTS)
    """Server ports whose sessions carry long-lived secrets."""
    hndl_server_names: tuple[str, ...] = _SERVER_NAMES
    """Shell-style patterns (case-insensitive) of server names carrying long-lived secrets."""
    hndl_min_bytes: int = 1
    """Payload bytes (both directions) a sensitive flow must carry; flows whose byte counts the
    sensor did not report pass, since the handshake alone shows the exposure."""
    hndl_bulk_bytes: int | None = None
    """If set, a classical-key-exchange flow of any service carrying at least this many bytes
    is exposed too."""
    hndl_unknown_kex: bool = False
    """Whether a group nobody has classified counts as quantum-vulnerable. New code points are
    mostly post-quantum experiments, so by default they do not."""
    hndl_score: Unit = 0.7

    downgrade_score_key_share: Unit = 0.9
    """Classical group negotiated although the client sent a post-quantum key share."""
    downgrade_score_offered: Unit = 0.6
    """Classical group negotiated after the client listed a post-quantum group (without a key
    share: the server may simply not support it yet)."""
    downgrade_score_failed: Unit = 0.7
    """Handshake failed after the client offered a post-quantum group."""

    legacy_weights: dict[str, Unit] = Field(default_factory=lambda: dict(_LEGACY_WEIGHTS))
    """Finding code -> weight; the score is 1 - prod(1 - weight) over the findings."""

    exfil_threshold: Unit = 0.85
    """Anomaly score at which bulk_exfiltration fires once the model is warmed up. Half-space
    tree scores are relative: on a synthetic stream of 200 hosts, ordinary flows scored about
    0.5 (99.9th percentile 0.88) and 20-100 MB uploads 0.90-0.93."""
    exfil_trees: int = Field(default=15, ge=1)
    exfil_height: int = Field(default=6, ge=1)
    exfil_window: int = Field(default=250, ge=1)
    """Flows per reference window of the half-space trees."""
    exfil_warm_up: int = Field(default=1000, ge=0)
    """Flows the model must see before bulk_exfiltration may fire."""
    exfil_seed: int | None = 42
    exfil_min_bytes_out: int = 1_000_000
    """Bytes a host must have sent in the window for bulk_exfiltration to fire: an anomalous
    but small upload is not bulk exfiltration."""
    exfil_bucket_s: int = Field(default=10, ge=1)
    exfil_buckets: int = Field(default=6, ge=1, le=60)
    """The per-host rate window is `exfil_buckets` buckets of `exfil_bucket_s` seconds."""
    exfil_top_reasons: int = Field(default=3, ge=1, le=16)

    integrity_codes: frozenset[Reason] = frozenset(_INTEGRITY_SCORES)
    integrity_scores: dict[Reason, Unit] = Field(default_factory=lambda: dict(_INTEGRITY_SCORES))
    integrity_threshold: int = Field(default=5, ge=1, le=1000)
    """Rejections of one code per key id within the window that make a burst."""
    integrity_window_s: float = Field(default=60.0, gt=0)
    integrity_cooldown_s: float = Field(default=300.0, ge=0)
    """After a burst alert, the same key id and code stay quiet this long."""
    integrity_aggregate_unknown_keys: bool = False
    """Count unknown_key rejections of all key ids under one entity, so that a spray of random
    key ids (one each) still adds up to a burst."""


@lru_cache(maxsize=64)
def _name_pattern(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(p.lower()) for p in patterns))


def _sensitive(event: TelemetryEvent, posture: Posture, cfg: QuantumRulesConfig) -> list[Evidence]:
    """Why the flow carries long-lived secrets: its service, its port, its server name."""
    why = []
    if event.service:
        services = [s for s in event.service.lower().split(",") if s in cfg.hndl_services]
        if services:
            text = f"service {services[0]} carries long-lived secrets"
            why.append(Evidence("service", services[0], None, text))
    if event.resp_p in cfg.hndl_ports:
        text = f"port {event.resp_p} serves a protocol carrying long-lived secrets"
        why.append(Evidence("resp_p", float(event.resp_p), None, text))
    pattern = _name_pattern(cfg.hndl_server_names)
    if event.server_name and pattern is not None and pattern.match(posture.host):
        text = f"server {posture.host} matches a long-lived-secrets name pattern"
        why.append(Evidence("server_name", posture.host, None, text))
    return why


def hndl_exposure(
    event: TelemetryEvent, posture: Posture, cfg: QuantumRulesConfig
) -> RuleHit | None:
    """Harvest now, decrypt later: a flow carrying long-lived secrets whose session keys come
    from a classical key exchange, so a recording of it can be decrypted once a large quantum
    computer exists."""
    if not (posture.quantum_vulnerable_kex or (cfg.hndl_unknown_kex and posture.kex == "unknown")):
        return None
    known = event.orig_bytes is not None or event.resp_bytes is not None
    total = (event.orig_bytes or 0) + (event.resp_bytes or 0)
    why = _sensitive(event, posture, cfg)
    if why and known and total < cfg.hndl_min_bytes:
        return None
    if not why:
        if cfg.hndl_bulk_bytes is None or total < cfg.hndl_bulk_bytes:
            return None
        text = f"{total} bytes under classical key exchange"
        why.append(Evidence("bytes", float(total), float(cfg.hndl_bulk_bytes), text))
    elif known:
        why.append(Evidence("bytes", float(total), float(cfg.hndl_min_bytes), f"{total} bytes"))
    kex = posture.group or posture.cipher_kx or posture.kex
    first = Evidence(
        "kex",
        kex,
        None,
        f"session keys from quantum-vulnerable key exchange {kex} (no post-quantum hybrid "
        "group): a recording can be decrypted later",
    )
    return RuleHit("hndl_exposure", "hndl_exposure", cfg.hndl_score, (first, *why))


def pq_downgrade(posture: Posture, cfg: QuantumRulesConfig) -> RuleHit | None:
    """The client offered a post-quantum group, yet a classical one was negotiated or the
    handshake failed: an active downgrade, a middlebox stripping it, or a server without it."""
    if not posture.offered_pq or posture.pq_kex:
        return None
    offered = ",".join(posture.offered_pq)
    share = "a key share for" if posture.pq_key_share else "support for"
    first = Evidence("client_pq_groups", offered[:256], None, f"client sent {share} {offered}")
    if posture.quantum_vulnerable_kex:
        # Zeek never sees QUIC's encrypted Finished (established is always false there), so a
        # negotiated group, not `established`, tells that the server answered.
        kex = posture.group or posture.cipher_kx or "classical"
        score = (
            cfg.downgrade_score_key_share if posture.pq_key_share else cfg.downgrade_score_offered
        )
        over = f" over {posture.version}" if posture.version else ""
        negotiated = Evidence("group", kex, None, f"server negotiated classical {kex}{over}")
        return RuleHit("pq_downgrade", "pq_downgrade", score, (negotiated, first))
    if not posture.established and posture.kex == "none":
        failed = Evidence("established", "false", None, "handshake did not complete")
        return RuleHit("pq_downgrade", "pq_downgrade", cfg.downgrade_score_failed, (failed, first))
    return None


_FINDING_TEXT = {
    "static_rsa": "static RSA key exchange (no forward secrecy) in {}",
    "anon_kx": "anonymous key exchange (no server authentication) in {}",
    "export_cipher": "export-grade cipher suite {}",
    "null_cipher": "no encryption in cipher suite {}",
    "rc4": "RC4 in cipher suite {}",
    "des": "single DES in cipher suite {}",
    "3des": "3DES (64-bit block, Sweet32) in cipher suite {}",
    "block64": "64-bit block cipher in cipher suite {}",
    "md5_mac": "MD5 MAC in cipher suite {}",
    "cbc_sha1": "CBC with SHA-1 MAC in cipher suite {}",
    "weak_group": "weak key-exchange group {}",
    "cert_sig_md5": "certificate signed with MD5 ({})",
    "cert_sig_sha1": "certificate signed with SHA-1 ({})",
    "cert_dsa": "DSA certificate key ({})",
    "cert_expired": "certificate expired",
    "cert_not_yet_valid": "certificate not yet valid",
}


def _finding_evidence(
    code: str, value: str | float, posture: Posture, cfg: QuantumRulesConfig
) -> Evidence:
    if code.startswith("version_"):
        return Evidence(code, value, None, f"deprecated protocol version {value}")
    if code == "cert_key_weak":
        limit = cfg.ec_min_bits if posture.cert_key == "ecdsa" else cfg.rsa_min_bits
        text = f"{posture.cert_key} certificate key of {int(value)} bits"
        return Evidence(code, value, float(limit), text)
    if code in ("cert_expired", "cert_not_yet_valid"):
        return Evidence(code, value, None, _FINDING_TEXT[code])
    return Evidence(code, value, None, _FINDING_TEXT.get(code, code).format(value))


def legacy_crypto(posture: Posture, cfg: QuantumRulesConfig) -> RuleHit | None:
    """Legacy or weak cryptography: one hit per handshake with every enabled finding as a
    reason, heaviest first, scored 1 - prod(1 - weight). Key-size findings are those of
    `classify`, so classify with `cfg`'s sizes (as `handshake_rules` does)."""
    weights = cfg.legacy_weights
    found = [(weights.get(f.code, 0.0), f) for f in posture.findings]
    found = [(w, f) for w, f in found if w > 0.0]
    if not found:
        return None
    found.sort(key=lambda wf: -wf[0])
    keep = 1.0
    for w, _ in found:
        keep *= 1.0 - w
    reasons = tuple(_finding_evidence(f.code, f.value, posture, cfg) for _, f in found)
    return RuleHit("legacy_crypto", "legacy_crypto", round(1.0 - keep, 6), reasons)


def handshake_rules(
    event: TelemetryEvent, cfg: QuantumRulesConfig
) -> tuple[Posture, list[RuleHit]]:
    """Classify one handshake and run the stateless rules on it."""
    posture = classify(event, rsa_min_bits=cfg.rsa_min_bits, ec_min_bits=cfg.ec_min_bits)
    hits = []
    for hit in (
        hndl_exposure(event, posture, cfg),
        pq_downgrade(posture, cfg),
        legacy_crypto(posture, cfg),
    ):
        if hit is not None:
            hits.append(hit)
    return posture, hits
