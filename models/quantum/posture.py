"""The cryptographic posture of one handshake: what the quantum-threat rules and the crypto
inventory read instead of the raw telemetry event.

`classify` works on the fields as Zeek reports them (ssl.log `version`, `cipher`, `curve`;
x509.log `certificate.key_type`, `key_length`, `sig_alg`; ssh.log `kex_alg` as `group`), with
every spelling `models.quantum.algorithms` reads.

Examples
--------
>>> from topics.messages.telemetry import TelemetryEvent
>>> event = TelemetryEvent(
...     event_id="00000000-0000-4000-8000-000000000001", ts_us=1_700_000_000_000_000,
...     sensor="zeek-1", orig_h="10.0.0.1", orig_p=50000, resp_h="10.0.0.2", resp_p=443,
...     server_name="API.Bank.example", version="TLSv10",
...     cipher="TLS_RSA_WITH_RC4_128_MD5", established=True,
... )
>>> p = classify(event)
>>> p.host, p.version, p.kex, p.quantum_vulnerable_kex
('api.bank.example', 'TLSv10', 'classical', True)
>>> [f.code for f in p.findings]
['version_tlsv10', 'static_rsa', 'rc4', 'md5_mac']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

from models.quantum.algorithms import (
    PK_KX,
    PSK_KX,
    WEAK_HASHES,
    cipher_info,
    group_info,
    key_class,
    sig_hash,
    version_info,
)
from topics.messages.telemetry import TelemetryEvent

__all__ = [
    "CIPHER_FINDINGS",
    "QUANTUM_VULNERABLE_KEYS",
    "Finding",
    "Kex",
    "Posture",
    "classify",
    "host_of",
]

Kex = Literal["pq_hybrid", "pq", "classical", "psk", "unknown", "none"]
# Cipher-suite flags that are findings; the others (cbc, aead, sha1_mac) are properties.
CIPHER_FINDINGS = (
    "static_rsa",
    "anon_kx",
    "export_cipher",
    "null_cipher",
    "rc4",
    "des",
    "3des",
    "block64",
    "md5_mac",
    "cbc_sha1",
)
QUANTUM_VULNERABLE_KEYS = frozenset({"rsa", "ecdsa", "eddsa", "dsa", "gost"})
_ENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+#=-]{0,127}$")


class Finding(NamedTuple):
    """A legacy or weak property of the handshake: a code such as `rc4` or `cert_sig_sha1` and
    the value that shows it (the version, the cipher, the key size ...)."""

    code: str
    value: str | float


@dataclass(slots=True)
class Posture:
    host: str
    """The server: SNI name in lower case, else `resp_h:resp_p` (an EntityId either way)."""
    ts_us: int
    protocol: str
    established: bool
    resumed: bool
    version: str | None
    """Negotiated version in Zeek's spelling (TLS 1.3 drafts count as TLSv13)."""
    cipher: str | None
    cipher_kx: str | None
    group: str | None
    """Negotiated group: Zeek's name for a known code point, else as reported."""
    kex: Kex
    """What protects the session secrets: a (hybrid) post-quantum group, a classical public-key
    exchange, a pre-shared key, something unrecognised, or nothing seen (resumption)."""
    offered_pq: tuple[str, ...]
    """Post-quantum groups the client offered in supported_groups or key shares."""
    pq_key_share: bool
    """The client sent a key share for a post-quantum group, so the server needed no retry."""
    cert_key: str | None
    """Family of the server certificate key: rsa, ecdsa, eddsa, dsa, pq, pq_hybrid, unknown."""
    cert_key_type: str | None
    cert_bits: int | None
    cert_sig_alg: str | None
    cert_sig_hash: str | None
    findings: tuple[Finding, ...]

    @property
    def pq_kex(self) -> bool:
        return self.kex == "pq_hybrid" or self.kex == "pq"

    @property
    def quantum_vulnerable_kex(self) -> bool:
        """A quantum computer could recover this session's keys from a recording."""
        return self.kex == "classical"

    @property
    def cert_quantum_vulnerable(self) -> bool:
        return self.cert_key in QUANTUM_VULNERABLE_KEYS


def host_of(event: TelemetryEvent) -> str:
    """The server a handshake belongs to: the SNI name, or `resp_h:resp_p` when there is none
    or it cannot serve as an entity id (spaces, over 128 characters)."""
    name = event.server_name
    if name:
        name = name.lower().rstrip(".")
        if _ENTITY.match(name):
            return name
    return f"{event.resp_h}:{event.resp_p}"


def _kex(event: TelemetryEvent, cipher_kx: str | None) -> tuple[str | None, Kex]:
    group = group_info(event.group) if event.group else None
    if cipher_kx in ("RSA", "RSA_PSK"):
        # Static RSA key transport: a logged curve (never expected) would not protect it.
        return (group.name if group else None), "classical"
    if group is not None and group.kind != "grease":
        kind = group.kind
        if kind == "pq_hybrid" or kind == "pq" or kind == "classical":
            return group.name, kind
        return group.name, "unknown"
    if cipher_kx in PK_KX:
        return None, "classical"  # e.g. TLS 1.2 DHE where the sensor logged no group
    if cipher_kx in PSK_KX:
        return None, "psk"
    if cipher_kx == "CECPQ1":
        return None, "pq_hybrid"  # Google's 2016 X25519+NewHope experiment
    if cipher_kx in ("TLS13", "SSH", "UNKNOWN") and not event.resumed:
        return None, "unknown"
    return None, "none"


def _offered_pq(event: TelemetryEvent) -> tuple[tuple[str, ...], bool]:
    offered: list[str] = []
    key_share = False
    for name in event.client_key_shares:
        g = group_info(name)
        if g.kind == "pq_hybrid" or g.kind == "pq":
            key_share = True
            if g.name not in offered:
                offered.append(g.name)
    for name in event.client_groups:
        g = group_info(name)
        if (g.kind == "pq_hybrid" or g.kind == "pq") and g.name not in offered:
            offered.append(g.name)
    return tuple(offered), key_share


def classify(event: TelemetryEvent, *, rsa_min_bits: int = 2048, ec_min_bits: int = 224) -> Posture:
    """The posture of one handshake. RSA and DSA certificate keys under `rsa_min_bits` and EC
    keys under `ec_min_bits` count as weak."""
    protocol = event.protocol
    findings: list[Finding] = []

    version = version_info(event.version, protocol) if event.version else None
    if version is not None and version.legacy:
        findings.append(Finding("version_" + version.name.lower(), version.name))

    cipher_kx = None
    if event.cipher:
        info = cipher_info(event.cipher, protocol)
        cipher_kx = info.kx
        flags = info.flags
        if flags:
            findings.extend(Finding(c, event.cipher) for c in CIPHER_FINDINGS if c in flags)

    group, kex = _kex(event, cipher_kx)
    if group is not None and group_info(group).weak:
        findings.append(Finding("weak_group", group))
    offered, key_share = _offered_pq(event)

    cert = event.cert
    cert_key = cert_bits = sig_alg = hash_ = None
    if cert is not None:
        cert_key = key_class(cert.key_type)
        if cert_key == "unknown":
            cert_key = key_class(cert.key_alg)
        cert_bits = cert.key_length
        sig_alg = cert.sig_alg
        hash_ = sig_hash(sig_alg)
        if hash_ in WEAK_HASHES:
            findings.append(
                Finding("cert_sig_sha1" if hash_ == "sha1" else "cert_sig_md5", sig_alg)
            )
        if cert_bits is not None:
            if (cert_key == "rsa" or cert_key == "dsa") and cert_bits < rsa_min_bits:
                findings.append(Finding("cert_key_weak", float(cert_bits)))
            elif cert_key == "ecdsa" and cert_bits < ec_min_bits:
                findings.append(Finding("cert_key_weak", float(cert_bits)))
        if cert_key == "dsa":
            findings.append(Finding("cert_dsa", cert.key_type))
        status = event.validation_status or ""
        if event.ts_us > cert.not_valid_after_us or "expired" in status:
            findings.append(Finding("cert_expired", float(cert.not_valid_after_us)))
        elif event.ts_us < cert.not_valid_before_us:
            findings.append(Finding("cert_not_yet_valid", float(cert.not_valid_before_us)))

    return Posture(
        host=host_of(event),
        ts_us=event.ts_us,
        protocol=protocol,
        established=event.established,
        resumed=event.resumed,
        version=version.name if version is not None else None,
        cipher=event.cipher,
        cipher_kx=cipher_kx,
        group=group,
        kex=kex,
        offered_pq=offered,
        pq_key_share=key_share,
        cert_key=cert_key,
        cert_key_type=cert.key_type if cert is not None else None,
        cert_bits=cert_bits,
        cert_sig_alg=sig_alg,
        cert_sig_hash=hash_,
        findings=tuple(findings),
    )
