"""What the raw fields of Zeek's ssl.log and x509.log say about a handshake's cryptography,
read here with plain string tests and a ten-line TSV parser, independently of streams.ingest
(which maps the logs) and models.quantum (which classifies the mapped events), so tests can
hold the two against the logs themselves."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from models.quantum import QuantumRulesConfig

__all__ = ["Expected", "baselines", "expect", "raw_certs", "raw_rows"]

Row = dict[str, str | None]

# The hybrid groups by name and by the code points Zeek prints for groups it has no name for.
_PQ_CODES = {0x11EB: "SecP256r1MLKEM768", 0x11EC: "X25519MLKEM768", 0x11ED: "SecP384r1MLKEM1024",
             0x6399: "X25519Kyber768Draft00"}  # fmt: skip
PQ_GROUPS = frozenset(
    [*_PQ_CODES.values(), *(f"unknown-{c}" for c in _PQ_CODES), *(str(c) for c in _PQ_CODES)]
)
CLASSICAL_GROUPS = frozenset(
    {"x25519", "x448", "secp256r1", "secp384r1", "secp521r1", "ffdhe2048", "ffdhe3072", "29",
     "23", "24", "25"}
)  # fmt: skip
LEGACY_VERSIONS = {"SSLv2", "SSLv3", "TLSv10", "TLSv11", "DTLSv10"}
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+#=-]{0,127}$")


def baselines(shared_dir: Path) -> Path:
    return shared_dir / "data" / "tls" / "zeek-testing-baselines"


def raw_rows(path: Path) -> list[Row]:
    """Rows of a TSV log as strings (None for Zeek's unset `-`), under `#fields` or the plain
    header row of zeek-cut output; [] for a file with neither."""
    rows: list[Row] = []
    names: list[str] | None = None
    for line in path.read_text().splitlines():
        if line.startswith("#fields\t"):
            names = line.split("\t")[1:]
        elif line.startswith("#") or not line:
            continue
        elif names is None:
            if "uid" not in line.split("\t"):
                return []
            names = line.split("\t")
        else:
            cells = line.split("\t")
            rows.append({n: (None if v == "-" else v) for n, v in zip(names, cells, strict=True)})
    return rows


def raw_certs(paths: list[Path]) -> dict[str, Row]:
    return {row["fingerprint"] or "": row for p in paths for row in raw_rows(p)}


@dataclass
class Expected:
    host: str
    legacy: set[str] = field(default_factory=set)
    """Finding codes the fields show (a subset of what models.quantum may find)."""
    pq: bool = False
    vulnerable: bool = False
    """The session keys come from a classical public-key exchange."""
    cert_key: str | None = None
    """pq, or a classical family (rsa, ecdsa, dsa) of the server certificate's key."""
    alerts: set[str] = field(default_factory=set)
    """Typologies the stateless quantum rules should raise with `QuantumRulesConfig()`."""


def _cipher_findings(cipher: str) -> set[str]:
    found = set()
    kx = cipher[4 : cipher.find("_WITH_")] if "_WITH_" in cipher else ""
    if kx in ("RSA", "RSA_EXPORT", "RSA_PSK"):
        found.add("static_rsa")
    if "anon" in kx:
        found.add("anon_kx")
    if "EXPORT" in cipher:
        found.add("export_cipher")
    if "_RC4_" in cipher:
        found.add("rc4")
    if "_WITH_NULL_" in cipher:
        found.add("null_cipher")
    if "3DES" in cipher:
        found.add("3des")
    if cipher.endswith("_MD5"):
        found.add("md5_mac")
    return found


def _cert_findings(cert: Row) -> tuple[set[str], str | None]:
    found = set()
    key_type = cert["certificate.key_type"] or ""
    bits = int(cert["certificate.key_length"] or 0)
    sig = (cert["certificate.sig_alg"] or "").lower()
    if "sha1with" in sig or sig.startswith("ecdsa-with-sha1"):
        found.add("cert_sig_sha1")
    if "md5with" in sig:
        found.add("cert_sig_md5")
    if key_type in ("rsa", "dsa") and bits < 2048:
        found.add("cert_key_weak")
    if key_type == "ecdsa" and bits < 224:
        found.add("cert_key_weak")
    if key_type == "dsa":
        found.add("cert_dsa")
    family = "pq" if key_type.startswith(("ML-DSA", "SLH-DSA")) else key_type or None
    return found, family


def _classical_cipher(cipher: str) -> bool:
    if "_WITH_" not in cipher:
        return False  # TLS 1.3 suites name no key exchange
    kx = cipher[4 : cipher.index("_WITH_")]
    return ("PSK" not in kx or kx == "RSA_PSK") and "KRB5" not in kx


def expect(row: Row, certs: dict[str, Row], cfg: QuantumRulesConfig) -> Expected:
    name = (row.get("server_name") or "").lower().rstrip(".")
    resp = f"{row.get('id.resp_h') or '0.0.0.0'}:{row.get('id.resp_p') or 0}"  # noqa: S104
    out = Expected(host=name if name and _HOST.match(name) else resp)
    version, cipher, curve = row.get("version"), row.get("cipher") or "", row.get("curve")
    if version in LEGACY_VERSIONS:
        out.legacy.add("version_" + version.lower())
    out.legacy |= _cipher_findings(cipher)
    chain = row.get("cert_chain_fps")
    cert = certs.get(chain.split(",")[0]) if chain else None
    if cert is not None:
        found, out.cert_key = _cert_findings(cert)
        out.legacy |= found
    out.pq = curve in PQ_GROUPS
    static_rsa = "static_rsa" in out.legacy
    out.vulnerable = not out.pq and (
        curve in CLASSICAL_GROUPS or static_rsa or (curve is None and _classical_cipher(cipher))
    )
    offered = set((row.get("client_curves") or "").split(",")) & PQ_GROUPS
    if {f for f in out.legacy if cfg.legacy_weights.get(f, 0.0) > 0}:
        out.alerts.add("legacy_crypto")
    if offered and out.vulnerable:
        out.alerts.add("pq_downgrade")
    sensitive = int(row.get("id.resp_p") or 0) in cfg.hndl_ports or any(
        fnmatch.fnmatch(name, p) for p in cfg.hndl_server_names if name
    )
    if out.vulnerable and sensitive:
        out.alerts.add("hndl_exposure")
    return out
