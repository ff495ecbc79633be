"""Crypto posture of one handshake: the name tables, `classify`, and what real Zeek logs (read in
place from the shared folder) classify as."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models.quantum.algorithms import cipher_info, group_info, key_class, sig_hash, version_info
from models.quantum.posture import Posture, classify, host_of
from models.quantum.rules import QuantumRulesConfig, handshake_rules
from topics.messages.telemetry import Certificate, TelemetryEvent

TS = 1_700_000_000_000_000
YEAR_US = 365 * 86_400_000_000


def event(**fields: Any) -> TelemetryEvent:
    base: dict[str, Any] = {
        "event_id": "00000000-0000-4000-8000-000000000001",
        "ts_us": TS,
        "sensor": "zeek-test",
        "orig_h": "10.0.0.1",
        "orig_p": 50000,
        "resp_h": "10.0.0.2",
        "resp_p": 443,
        "established": True,
    }
    return TelemetryEvent(**(base | fields))


def cert(**fields: Any) -> Certificate:
    base: dict[str, Any] = {
        "fingerprint": "0" * 64,
        "subject": "CN=example",
        "issuer": "CN=ca",
        "not_valid_before_us": TS - YEAR_US,
        "not_valid_after_us": TS + YEAR_US,
        "key_alg": "rsaEncryption",
        "key_type": "rsa",
        "key_length": 2048,
        "sig_alg": "sha256WithRSAEncryption",
    }
    return Certificate(**(base | fields))


def codes(p: Posture) -> set[str]:
    return {f.code for f in p.findings}


# --- name tables ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "protocol", "canonical", "legacy"),
    [
        ("SSLv2", "tls", "SSLv2", True),
        ("SSLv3", "tls", "SSLv3", True),
        ("TLSv10", "tls", "TLSv10", True),
        ("TLSv1", "tls", "TLSv10", True),
        ("TLSv11", "tls", "TLSv11", True),
        ("TLS 1.1", "tls", "TLSv11", True),
        ("TLSv12", "tls", "TLSv12", False),
        ("tls1_2", "tls", "TLSv12", False),
        ("TLSv13", "tls", "TLSv13", False),
        ("TLSv13-draft23", "tls", "TLSv13", False),
        ("unknown-32257", "tls", "TLSv13", False),  # Facebook's draft variant 0x7E01
        ("unknown-771", "tls", "TLSv12", False),
        ("0x0301", "tls", "TLSv10", True),
        ("DTLSv10", "dtls", "DTLSv10", True),
        ("DTLSv12", "dtls", "DTLSv12", False),
        ("DTLSv13", "dtls", "DTLSv13", False),
        ("TLSv13", "quic", "TLSv13", False),
        ("2", "ssh", "SSHv2", False),
        ("1", "ssh", "SSHv1", True),
    ],
)
def test_versions(name: str, protocol: str, canonical: str, legacy: bool) -> None:
    info = version_info(name, protocol)
    assert info is not None
    assert (info.name, info.legacy) == (canonical, legacy)


@pytest.mark.parametrize("name", ["garbage", "unknown-12345", "TLSv99"])
def test_unreadable_versions(name: str) -> None:
    assert version_info(name, "tls") is None


PQ_HYBRID_SPELLINGS = {
    "X25519MLKEM768": [
        "X25519MLKEM768",
        "x25519mlkem768",
        "x25519_mlkem768",
        "X25519-MLKEM768",
        "unknown-4588",
        "4588",
        "0x11EC",
        "0x11ec",
    ],
    "SecP256r1MLKEM768": ["SecP256r1MLKEM768", "secp256r1_mlkem768", "unknown-4587", "0x11EB"],
    "SecP384r1MLKEM1024": ["SecP384r1MLKEM1024", "SECP384R1MLKEM1024", "4589", "0x11ED"],
    "X25519Kyber768Draft00": [
        "X25519Kyber768Draft00",
        "x25519_kyber768_draft00",
        "x25519_kyber768",
        "unknown-25497",
        "0x6399",
    ],
    "X25519Kyber512Draft00": ["X25519Kyber512Draft00", "0xFE30", "unknown-65072"],
}


@pytest.mark.parametrize(
    ("canonical", "spelling"),
    [(c, s) for c, spellings in PQ_HYBRID_SPELLINGS.items() for s in spellings],
)
def test_hybrid_groups_in_every_spelling(canonical: str, spelling: str) -> None:
    g = group_info(spelling)
    assert (g.name, g.kind) == (canonical, "pq_hybrid")


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("MLKEM512", "MLKEM512"),
        ("ML-KEM-768", "MLKEM768"),
        ("ml_kem_1024", "MLKEM1024"),
        ("0x0200", "MLKEM512"),
        ("unknown-513", "MLKEM768"),
        ("0x0202", "MLKEM1024"),
    ],
)
def test_pure_mlkem(spelling: str, canonical: str) -> None:
    g = group_info(spelling)
    assert (g.name, g.kind) == (canonical, "pq")


@pytest.mark.parametrize(
    ("spelling", "canonical", "weak"),
    [
        ("x25519", "x25519", False),
        ("X25519", "x25519", False),
        ("29", "x25519", False),
        ("secp256r1", "secp256r1", False),
        ("prime256v1", "secp256r1", False),
        ("P-256", "secp256r1", False),
        ("secp384r1", "secp384r1", False),
        ("x448", "x448", False),
        ("ffdhe2048", "ffdhe2048", False),
        ("unknown-256", "ffdhe2048", False),
        ("brainpoolP256r1", "brainpoolP256r1", False),
        ("secp192r1", "secp192r1", True),
        ("sect163k1", "sect163k1", True),
        ("arbitrary_explicit_prime_curves", "arbitrary_explicit_prime_curves", True),
        # SSH kex_alg values, which the telemetry carries as `group`.
        ("curve25519-sha256", "curve25519-sha256", False),
        ("ecdh-sha2-nistp256", "ecdh-sha2-nistp256", False),
        ("diffie-hellman-group14-sha256", "diffie-hellman-group14-sha256", False),
        ("diffie-hellman-group1-sha1", "diffie-hellman-group1-sha1", True),
    ],
)
def test_classical_groups(spelling: str, canonical: str, weak: bool) -> None:
    g = group_info(spelling)
    assert (g.name, g.kind, g.weak) == (canonical, "classical", weak)


@pytest.mark.parametrize(
    "name", ["mlkem768x25519-sha256", "sntrup761x25519-sha512@openssh.com", "p256_frodo640aes"]
)
def test_unlisted_hybrids_by_marker(name: str) -> None:
    assert group_info(name).kind == "pq_hybrid"


@pytest.mark.parametrize("name", ["grease_0x0A0A", "39578", "unknown-6682", "0xDADA"])
def test_grease(name: str) -> None:
    assert group_info(name).kind == "grease"


@pytest.mark.parametrize("name", ["unknown-9999", "0x1234", "mystery"])
def test_unknown_groups(name: str) -> None:
    assert group_info(name).kind == "unknown"


@pytest.mark.parametrize(
    ("name", "kx", "flags"),
    [
        ("TLS_RSA_WITH_RC4_128_MD5", "RSA", "static_rsa rc4 md5_mac"),
        ("TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "static_rsa cbc sha1_mac cbc_sha1"),
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "static_rsa aead"),
        ("TLS_RSA_WITH_NULL_SHA", "RSA", "static_rsa null_cipher sha1_mac"),
        ("TLS_NULL_WITH_NULL_NULL", "NULL", "null_cipher"),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "RSA", "static_rsa 3des cbc sha1_mac cbc_sha1"),
        ("TLS_DHE_RSA_WITH_DES_CBC_SHA", "DHE", "des cbc sha1_mac cbc_sha1"),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "RSA", "static_rsa export_cipher rc4 md5_mac"),
        (
            "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
            "RSA",
            "static_rsa export_cipher des cbc sha1_mac cbc_sha1",
        ),
        ("TLS_DH_anon_WITH_AES_128_GCM_SHA256", "ANON", "anon_kx aead"),
        ("TLS_ECDH_anon_WITH_RC4_128_SHA", "ANON", "anon_kx rc4 sha1_mac"),
        ("TLS_RSA_WITH_IDEA_CBC_SHA", "RSA", "static_rsa block64 cbc sha1_mac cbc_sha1"),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE", "aead"),
        ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE", "aead"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE", "cbc sha1_mac cbc_sha1"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE", "cbc"),
        ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE", "cbc sha1_mac cbc_sha1"),
        ("TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", "ECDH", "cbc sha1_mac cbc_sha1"),
        ("TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK", "aead"),
        ("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", "ECDHE_PSK", "cbc"),
        ("TLS_RSA_PSK_WITH_AES_128_GCM_SHA256", "RSA_PSK", "static_rsa aead"),
        ("TLS_AES_128_GCM_SHA256", "TLS13", "aead"),
        ("TLS_CHACHA20_POLY1305_SHA256", "TLS13", "aead"),
        ("TLS_SHA256_SHA256", "TLS13", "null_cipher"),
        ("SSLv20_CK_RC4_128_WITH_MD5", "RSA", "static_rsa rc4 md5_mac"),
        ("SSLv20_CK_DES_192_EDE3_CBC_WITH_MD5", "RSA", "static_rsa 3des cbc md5_mac"),
        ("SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA", "RSA", "static_rsa 3des cbc sha1_mac cbc_sha1"),
        # OpenSSL's names.
        ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE", "aead"),
        ("AES128-SHA", "RSA", "static_rsa cbc sha1_mac cbc_sha1"),
        ("DES-CBC3-SHA", "RSA", "static_rsa 3des cbc sha1_mac cbc_sha1"),
        ("RC4-MD5", "RSA", "static_rsa rc4 md5_mac"),
        ("EXP-RC4-MD5", "RSA", "static_rsa export_cipher rc4 md5_mac"),
        ("ADH-AES256-SHA", "ANON", "anon_kx cbc sha1_mac cbc_sha1"),
        # Zeek's name for a code point it does not know, and nonsense.
        ("unknown-65000", "UNKNOWN", ""),
        ("FOO", "UNKNOWN", ""),
    ],
)
def test_cipher_suites(name: str, kx: str, flags: str) -> None:
    info = cipher_info(name, "tls")
    assert (info.kx, set(info.flags)) == (kx, set(flags.split()))


@pytest.mark.parametrize(
    ("name", "flags"),
    [
        ("chacha20-poly1305@openssh.com", {"aead"}),
        ("aes256-gcm@openssh.com", {"aead"}),
        ("aes128-ctr", set()),
        ("aes128-cbc", {"cbc"}),
        ("3des-cbc", {"3des", "cbc"}),
        ("arcfour256", {"rc4"}),
        ("blowfish-cbc", {"block64", "cbc"}),
        ("none", {"null_cipher"}),
    ],
)
def test_ssh_ciphers(name: str, flags: set[str]) -> None:
    assert set(cipher_info(name, "ssh").flags) == flags


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("rsa", "rsa"),
        ("rsaEncryption", "rsa"),
        ("RSASSA-PSS", "rsa"),
        ("ecdsa", "ecdsa"),
        ("id-ecPublicKey", "ecdsa"),
        ("dsa", "dsa"),
        ("ssh-dss", "dsa"),
        ("ED25519", "eddsa"),
        ("ssh-ed25519", "eddsa"),
        ("ML-DSA-44", "pq"),
        ("ml-dsa-87", "pq"),
        ("id-ml-dsa-65", "pq"),
        ("SLH-DSA-SHA2-128s", "pq"),
        ("MLDSA65-ECDSA-P256-SHA512", "pq_hybrid"),
        ("something", "unknown"),
    ],
)
def test_key_families(name: str, family: str) -> None:
    assert key_class(name) == family


@pytest.mark.parametrize(
    ("name", "hash_"),
    [
        ("sha1WithRSAEncryption", "sha1"),
        ("sha1WithRSA", "sha1"),
        ("ecdsa-with-SHA1", "sha1"),
        ("dsaWithSHA1", "sha1"),
        ("md5WithRSAEncryption", "md5"),
        ("md2WithRSAEncryption", "md2"),
        ("sha256WithRSAEncryption", "sha256"),
        ("ecdsa-with-SHA384", "sha384"),
        ("RSA-SHA3-256", "sha3-256"),
        ("ML-DSA-44", None),
        ("SLH-DSA-SHA2-128s", None),
        ("ED25519", None),
    ],
)
def test_signature_hashes(name: str, hash_: str | None) -> None:
    assert sig_hash(name) == hash_


# --- classify ---------------------------------------------------------------------------------


def test_modern_pq_handshake_has_no_findings() -> None:
    p = classify(
        event(
            server_name="pq.example",
            version="TLSv13",
            cipher="TLS_AES_128_GCM_SHA256",
            group="X25519MLKEM768",
            client_groups=["X25519MLKEM768", "x25519"],
            client_key_shares=["X25519MLKEM768", "x25519"],
            cert=cert(
                key_type="ecdsa",
                key_alg="id-ecPublicKey",
                key_length=256,
                sig_alg="ecdsa-with-SHA256",
            ),
        )
    )
    assert (p.version, p.kex, p.pq_kex, p.quantum_vulnerable_kex) == (
        "TLSv13",
        "pq_hybrid",
        True,
        False,
    )
    assert p.offered_pq == ("X25519MLKEM768",) and p.pq_key_share
    assert p.findings == ()
    # The certificate is still classical: quantum-vulnerable to an active attacker, not a
    # harvest-now-decrypt-later exposure.
    assert p.cert_key == "ecdsa" and p.cert_quantum_vulnerable


@pytest.mark.parametrize(
    ("fields", "kex", "group"),
    [
        (
            {"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "group": "x25519"},
            "classical",
            "x25519",
        ),
        ({"version": "TLSv12", "cipher": "TLS_RSA_WITH_AES_128_CBC_SHA"}, "classical", None),
        # A curve logged next to static RSA (never expected) does not make it safe.
        (
            {
                "version": "TLSv12",
                "cipher": "TLS_RSA_WITH_AES_128_CBC_SHA",
                "group": "X25519MLKEM768",
            },
            "classical",
            "X25519MLKEM768",
        ),
        ({"version": "TLSv12", "cipher": "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"}, "classical", None),
        ({"version": "TLSv12", "cipher": "TLS_PSK_WITH_AES_128_GCM_SHA256"}, "psk", None),
        ({"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "resumed": True}, "none", None),
        ({"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256"}, "unknown", None),
        (
            {"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "group": "unknown-9999"},
            "unknown",
            "unknown-9999",
        ),
        (
            {"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "group": "MLKEM1024"},
            "pq",
            "MLKEM1024",
        ),
        ({"established": False}, "none", None),
    ],
)
def test_key_exchange(fields: dict[str, Any], kex: str, group: str | None) -> None:
    p = classify(event(**fields))
    assert (p.kex, p.group) == (kex, group)


def test_offered_pq_from_groups_and_key_shares() -> None:
    # ssl-log-ext writes client_curves as decimal code points, GREASE included.
    p = classify(
        event(group="x25519", client_groups=["39578", "4588", "29", "23"], client_key_shares=[])
    )
    assert p.offered_pq == ("X25519MLKEM768",) and not p.pq_key_share
    p = classify(event(group="x25519", client_key_shares=["unknown-25497", "x25519"]))
    assert p.offered_pq == ("X25519Kyber768Draft00",) and p.pq_key_share
    p = classify(event(group="x25519", client_groups=["grease_0x0A0A", "x25519", "secp256r1"]))
    assert p.offered_pq == ()


@pytest.mark.parametrize(
    ("cert_fields", "finding", "value"),
    [
        ({"key_length": 1024}, "cert_key_weak", 1024.0),
        ({"key_length": 512}, "cert_key_weak", 512.0),
        (
            {"key_type": "dsa", "key_alg": "dsaEncryption", "key_length": 1024},
            "cert_key_weak",
            1024.0,
        ),
        (
            {"key_type": "ecdsa", "key_alg": "id-ecPublicKey", "key_length": 192},
            "cert_key_weak",
            192.0,
        ),
        ({"sig_alg": "sha1WithRSAEncryption"}, "cert_sig_sha1", "sha1WithRSAEncryption"),
        ({"sig_alg": "md5WithRSAEncryption"}, "cert_sig_md5", "md5WithRSAEncryption"),
        ({"key_type": "dsa", "key_alg": "dsaEncryption"}, "cert_dsa", "dsa"),
        ({"not_valid_after_us": TS - 1}, "cert_expired", float(TS - 1)),
        ({"not_valid_before_us": TS + 1}, "cert_not_yet_valid", float(TS + 1)),
    ],
)
def test_certificate_findings(cert_fields: dict[str, Any], finding: str, value: object) -> None:
    p = classify(
        event(
            version="TLSv12",
            cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            group="x25519",
            cert=cert(**cert_fields),
        )
    )
    assert [(f.code, f.value) for f in p.findings if f.code == finding] == [(finding, value)]


def test_good_certificates_have_no_findings() -> None:
    for c in (
        cert(),
        cert(key_length=4096, sig_alg="sha384WithRSAEncryption"),
        cert(
            key_type="ecdsa",
            key_alg="id-ecPublicKey",
            key_length=256,
            curve="prime256v1",
            sig_alg="ecdsa-with-SHA256",
        ),
        cert(key_type="ML-DSA-44", key_alg="ML-DSA-44", key_length=10496, sig_alg="ML-DSA-44"),
    ):
        p = classify(
            event(version="TLSv13", cipher="TLS_AES_128_GCM_SHA256", group="x25519", cert=c)
        )
        assert p.findings == (), c


def test_validation_status_expired() -> None:
    p = classify(event(cert=cert(), validation_status="certificate has expired"))
    assert "cert_expired" in codes(p)


def test_pq_certificate() -> None:
    c = cert(key_type="ML-DSA-65", key_alg="ML-DSA-65", key_length=15616, sig_alg="ML-DSA-65")
    p = classify(event(cert=c))
    assert (p.cert_key, p.cert_quantum_vulnerable, p.cert_sig_hash) == ("pq", False, None)
    # key_type is authoritative; key_alg is the fallback when it says nothing.
    c = cert(key_type="unknown-type", key_alg="id-ml-dsa-44", sig_alg="ML-DSA-44")
    assert classify(event(cert=c)).cert_key == "pq"


def test_rsa_threshold_is_a_setting() -> None:
    e = event(cert=cert(key_length=2048))
    assert "cert_key_weak" not in codes(classify(e))
    assert "cert_key_weak" in codes(classify(e, rsa_min_bits=3072))


def test_legacy_handshake_findings_in_order() -> None:
    p = classify(
        event(
            version="SSLv3",
            cipher="TLS_RSA_EXPORT_WITH_RC4_40_MD5",
            cert=cert(key_length=512, sig_alg="md5WithRSAEncryption"),
        )
    )
    assert [f.code for f in p.findings] == [
        "version_sslv3",
        "static_rsa",
        "export_cipher",
        "rc4",
        "md5_mac",
        "cert_sig_md5",
        "cert_key_weak",
    ]


def test_ssh_posture() -> None:
    pq = classify(
        event(
            protocol="ssh",
            resp_p=22,
            version="2",
            cipher="chacha20-poly1305@openssh.com",
            group="mlkem768x25519-sha256",
            cert=cert(
                key_type="ssh-ed25519",
                key_alg="ssh-ed25519",
                key_length=None,
                sig_alg="ssh-ed25519",
            ),
        )
    )
    assert (pq.version, pq.kex, pq.cert_key, pq.findings) == ("SSHv2", "pq_hybrid", "eddsa", ())
    old = classify(
        event(protocol="ssh", version="1", cipher="3des-cbc", group="diffie-hellman-group1-sha1")
    )
    assert old.kex == "classical"
    assert codes(old) == {"version_sshv1", "3des", "weak_group"}


@pytest.mark.parametrize(
    ("fields", "host"),
    [
        ({"server_name": "API.Bank.Example."}, "api.bank.example"),
        ({"server_name": None}, "10.0.0.2:443"),
        ({"server_name": "has space.example"}, "10.0.0.2:443"),
        ({"server_name": "x" * 200}, "10.0.0.2:443"),
        ({"server_name": None, "resp_h": "fd42::1", "resp_p": 8443}, "fd42::1:8443"),
    ],
)
def test_host(fields: dict[str, Any], host: str) -> None:
    assert host_of(event(**fields)) == host


# --- real Zeek logs ---------------------------------------------------------------------------

BASELINES = "data/tls/zeek-testing-baselines"
# Most baselines mask `ts` as XXXXXXXXXX.XXXXXX, so certificate validity is not checked on them.
MASKED_TS = TS


def read_zeek(path: Path) -> Iterator[dict[str, str | None]]:
    """Records of a Zeek TSV log (several logs may be concatenated; zeek-cut output has a
    plain header line), with `-` and `(empty)` as None."""
    fields: list[str] | None = None
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
        elif line.startswith("ts\t"):
            fields = line.split("\t")
        elif line and not line.startswith("#") and fields is not None:
            values = line.split("\t")
            yield {
                k: (None if v in ("-", "(empty)") else v)
                for k, v in zip(fields, values, strict=False)
            }


def _vector(value: str | None) -> list[str]:
    return value.split(",") if value else []


def _us(value: str | None, default: int) -> int:
    if value is None or value.startswith("X"):
        return default
    return round(float(value) * 1_000_000)


def _cert(row: dict[str, str | None]) -> Certificate | None:
    fp = row.get("fingerprint") or ""
    if len(fp) != 64 or not row.get("certificate.key_type"):
        return None
    bits = row.get("certificate.key_length")
    return Certificate(
        fingerprint=fp,
        subject=row.get("certificate.subject") or "",
        issuer=row.get("certificate.issuer") or "",
        not_valid_before_us=_us(row.get("certificate.not_valid_before"), 0),
        not_valid_after_us=_us(row.get("certificate.not_valid_after"), 0),
        key_alg=row.get("certificate.key_alg") or "unknown",
        key_type=row["certificate.key_type"] or "unknown",
        key_length=int(bits) if bits else None,
        curve=row.get("certificate.curve"),
        sig_alg=row.get("certificate.sig_alg") or "unknown",
        san_dns=_vector(row.get("san.dns")),
    )


def _protocol(test: str) -> str:
    return "quic" if ".quic." in test else "dtls" if "dtls" in test else "tls"


def zeek_events(shared_dir: Path) -> list[tuple[str, dict[str, str | None], TelemetryEvent]]:
    """Every ssl.log record of the baselines, mapped minimally onto TelemetryEvent: the
    handshake fields, the leaf certificate from x509.log, service and bytes from conn.log."""
    out: list[tuple[str, dict[str, str | None], TelemetryEvent]] = []
    for test_dir in sorted((shared_dir / BASELINES).iterdir()):
        certs: dict[str, Certificate] = {}
        conns: dict[str, dict[str, str | None]] = {}
        for log in test_dir.iterdir():
            if log.name.startswith("x509"):
                for row in read_zeek(log):
                    c = _cert(row)
                    if c is not None:
                        certs[c.fingerprint] = c
            elif log.name == "conn.log":
                conns.update({r["uid"] or "": r for r in read_zeek(log)})
        for log in sorted(test_dir.iterdir()):
            if not log.name.startswith("ssl"):
                continue
            for i, row in enumerate(read_zeek(log)):
                chain = _vector(row.get("cert_chain_fps"))
                conn = conns.get(row.get("uid") or "", {})
                orig_bytes, resp_bytes = conn.get("orig_bytes"), conn.get("resp_bytes")
                e = TelemetryEvent(
                    event_id=f"00000000-0000-4000-8000-{len(out):012d}",
                    ts_us=_us(row.get("ts"), MASKED_TS),
                    sensor="zeek-baselines",
                    uid=row.get("uid"),
                    protocol=_protocol(test_dir.name),  # type: ignore[arg-type]
                    orig_h=row.get("id.orig_h") or "192.0.2.1",
                    orig_p=int(row.get("id.orig_p") or 0),
                    resp_h=row.get("id.resp_h") or "192.0.2.2",
                    resp_p=int(row.get("id.resp_p") or 0),
                    server_name=row.get("server_name"),
                    service=conn.get("service"),
                    version=row.get("version"),
                    cipher=row.get("cipher"),
                    group=row.get("curve"),
                    client_groups=_vector(row.get("client_curves")),
                    client_key_shares=_vector(row.get("client_key_share_groups")),
                    resumed=row.get("resumed") == "T",
                    established=row.get("established") == "T",
                    last_alert=row.get("last_alert"),
                    validation_status=row.get("validation_status"),
                    cert=certs.get(chain[0]) if chain else None,
                    orig_bytes=int(orig_bytes) if orig_bytes else None,
                    resp_bytes=int(resp_bytes) if resp_bytes else None,
                )
                out.append((f"{test_dir.name}/{log.name}#{i}", row, e))
    return out


@pytest.fixture(scope="module")
def zeek(shared_dir: Path) -> list[tuple[str, dict[str, str | None], TelemetryEvent]]:
    records = zeek_events(shared_dir)
    assert len(records) > 100  # about 140 ssl events in the baselines (SOURCES.md)
    return records


def test_real_versions_match_the_log(
    zeek: list[tuple[str, dict[str, Any], TelemetryEvent]],
) -> None:
    legacy = {"SSLv2", "SSLv3", "TLSv10", "TLSv11", "DTLSv10"}
    seen = set()
    for where, row, e in zeek:
        p = classify(e)
        version = row.get("version")
        if version is None:
            assert p.version is None, where
            continue
        seen.add(version)
        # Every version Zeek wrote is readable, including drafts and unknown-NNNN.
        assert p.version is not None, (where, version)
        is_legacy = version in legacy
        assert any(f.code.startswith("version_") for f in p.findings) == is_legacy, where
    assert {"TLSv10", "TLSv11", "TLSv12", "TLSv13", "DTLSv10"} <= seen


def test_real_ciphers_match_the_log(zeek: list[tuple[str, dict[str, Any], TelemetryEvent]]) -> None:
    for where, row, e in zeek:
        p = classify(e)
        cipher = row.get("cipher") or ""
        found = codes(p)
        assert ("rc4" in found) == ("RC4" in cipher), where
        assert ("null_cipher" in found) == ("_WITH_NULL_" in cipher), where
        assert ("static_rsa" in found) == cipher.startswith("TLS_RSA_WITH_"), where
        assert ("3des" in found) == ("3DES" in cipher), where


def test_real_groups_match_the_log(zeek: list[tuple[str, dict[str, Any], TelemetryEvent]]) -> None:
    kinds: dict[str, set[str]] = {}
    for where, row, e in zeek:
        p = classify(e)
        curve = row.get("curve")
        if curve is None:
            continue
        kinds.setdefault(p.kex, set()).add(curve)
        if curve.startswith(("x25519", "secp")):
            assert p.kex == "classical" and p.quantum_vulnerable_kex, where
    assert kinds["pq_hybrid"] == {"X25519Kyber768Draft00", "X25519MLKEM768"}
    assert kinds["classical"] == {"x25519", "secp256r1", "secp384r1"}


def test_real_certificates_match_the_log(
    zeek: list[tuple[str, dict[str, Any], TelemetryEvent]],
) -> None:
    checked = 0
    for where, _row, e in zeek:
        if e.cert is None:
            continue
        checked += 1
        p = classify(e)
        found = codes(p)
        c = e.cert
        sig = c.sig_alg.lower()
        assert ("cert_sig_sha1" in found) == sig.startswith("sha1"), where
        assert ("cert_sig_md5" in found) == sig.startswith("md5"), where
        weak_rsa = c.key_type == "rsa" and c.key_length is not None and c.key_length < 2048
        assert ("cert_key_weak" in found) == weak_rsa, where
        assert p.cert_quantum_vulnerable == (c.key_type in ("rsa", "ecdsa")), where
    assert checked > 20


def _one(zeek: list[tuple[str, dict[str, Any], TelemetryEvent]], where: str) -> TelemetryEvent:
    matches = [e for w, _, e in zeek if w.startswith(where)]
    assert matches, where
    return matches[0]


def test_real_kyber_handshake(zeek: list[tuple[str, dict[str, Any], TelemetryEvent]]) -> None:
    e = next(e for _, _, e in zeek if e.server_name == "lh3.google.com")
    p = classify(e)
    assert (p.version, p.group, p.kex) == ("TLSv13", "X25519Kyber768Draft00", "pq_hybrid")
    assert not handshake_rules(e, QuantumRulesConfig())[1]


def test_real_mlkem_over_quic(zeek: list[tuple[str, dict[str, Any], TelemetryEvent]]) -> None:
    e = _one(zeek, "scripts.base.protocols.quic.decrypt-fail-google-de-51833/")
    p = classify(e)
    # Zeek never sees QUIC's Finished, so established is false; the group still counts.
    assert (p.protocol, p.established, p.group, p.kex) == (
        "quic",
        False,
        "X25519MLKEM768",
        "pq_hybrid",
    )


def test_real_ml_dsa_certificate(zeek: list[tuple[str, dict[str, Any], TelemetryEvent]]) -> None:
    p = classify(_one(zeek, "scripts.base.protocols.ssl.ml-dsa-44-cert/"))
    assert (p.cert_key, p.cert_bits, p.cert_quantum_vulnerable) == ("pq", 10496, False)
    # A post-quantum certificate does not help the key exchange: static RSA. (Validity is not
    # compared: the baselines mask the connection timestamps.)
    assert (p.kex, codes(p) - {"cert_not_yet_valid", "cert_expired"}) == (
        "classical",
        {"static_rsa", "cbc_sha1"},
    )


def test_real_tls11(zeek: list[tuple[str, dict[str, Any], TelemetryEvent]]) -> None:
    e = _one(zeek, "scripts.base.protocols.ssl.tls1_1/")
    posture, hits = handshake_rules(e, QuantumRulesConfig())
    assert posture.version == "TLSv11"
    legacy = [h for h in hits if h.typology == "legacy_crypto"]
    assert legacy and legacy[0].reasons[0].name == "version_tlsv11"


def test_real_ldap_starttls_is_hndl_exposed(
    zeek: list[tuple[str, dict[str, Any], TelemetryEvent]],
) -> None:
    e = _one(zeek, "scripts.base.protocols.ldap.starttls/")
    assert (e.service, e.resp_p, e.group) == ("ldap_tcp,ssl", 389, "secp256r1")
    _, hits = handshake_rules(e, QuantumRulesConfig())
    hndl = [h for h in hits if h.typology == "hndl_exposure"]
    assert hndl and [r.name for r in hndl[0].reasons] == ["kex", "service", "resp_p", "bytes"]


def test_real_ssh_mlkem(shared_dir: Path) -> None:
    (row,) = read_zeek(shared_dir / BASELINES / "scripts.base.protocols.ssh.mlkem_kex/ssh.log")
    e = event(
        protocol="ssh",
        resp_p=int(row["id.resp_p"] or 0),
        version=row["version"],
        cipher=row["cipher_alg"],
        group=row["kex_alg"],
        cert=cert(
            key_type=row["host_key_alg"],
            key_alg=row["host_key_alg"],
            key_length=None,
            sig_alg=row["host_key_alg"],
        ),
    )
    p = classify(e)
    assert (p.version, p.kex, p.cert_key, p.findings) == ("SSHv2", "pq_hybrid", "eddsa", ())
