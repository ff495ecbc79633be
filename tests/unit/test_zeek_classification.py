"""Every handshake of Zeek's real test-suite logs, ingested and classified by models.quantum,
is quantum-vulnerable, post-quantum ready or legacy exactly when its raw log fields say so
(tests/zeek_oracle.py reads those fields on its own)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from models.quantum import HostInventory, QuantumRulesConfig, handshake_rules
from streams.ingest import ZeekIngest
from tests.zeek_oracle import baselines, expect, raw_certs, raw_rows

NOW_US = 1_767_225_600_000_000
# The finding codes the oracle reads from the fields; models.quantum knows a few more
# (des, block64, weak_group, cbc_sha1, certificate expiry) that these logs do not need.
MODELLED = {
    *("version_sslv2", "version_sslv3", "version_tlsv10", "version_tlsv11", "version_dtlsv10"),
    *("static_rsa", "anon_kx", "export_cipher", "rc4", "null_cipher", "3des", "md5_mac"),
    *("cert_sig_sha1", "cert_sig_md5", "cert_key_weak", "cert_dsa"),
}


def _logs(shared_dir: Path) -> tuple[list[Path], list[Path]]:
    ssl, x509 = [], []
    for path in sorted(p for p in baselines(shared_dir).rglob("*") if p.is_file()):
        rows = raw_rows(path)
        if rows and "fingerprint" in rows[0]:
            x509.append(path)
        elif rows and "uid" in rows[0] and "cipher" in rows[0]:
            ssl.append(path)
    return ssl, x509


def test_classification_agrees_with_the_raw_fields_of_every_handshake(shared_dir: Path) -> None:
    ssl_logs, x509_logs = _logs(shared_dir)
    certs = raw_certs(x509_logs)
    cfg = QuantumRulesConfig()
    seen: Counter[str] = Counter()
    wrong: list[str] = []
    for path in ssl_logs:
        rows = raw_rows(path)
        run = ZeekIngest([path, *x509_logs], sensor="zeek/test", fallback_ts_us=NOW_US)
        events = list(run.events())
        assert (run.stats.invalid, len(events)) == (0, len(rows)), path
        for row, event in zip(rows, events, strict=True):
            want = expect(row, certs, cfg)
            posture, hits = handshake_rules(event, cfg)
            inventory = HostInventory(posture.host)
            inventory.update(posture)
            got = {
                "host": posture.host,
                "legacy": {f.code for f in posture.findings} & MODELLED,
                "pq": posture.kex == "pq_hybrid",
                "vulnerable": posture.quantum_vulnerable_kex,
                "cert_key": posture.cert_key,
                "alerts": {h.typology for h in hits},
                "pq_ready": inventory.pq_ready(),
            }
            expected = {**vars(want), "pq_ready": want.pq}
            if got != expected:
                wrong.append(
                    f"{path.parent.name}/{path.name} {row.get('uid')}: {got} != {expected}"
                )
            seen.update(k for k in ("pq", "vulnerable") if expected[k])
            seen.update(want.legacy | want.alerts | {f"cert_{want.cert_key}"})
    assert wrong == []
    # The logs cover what the rules are about, so the agreement above is not vacuous.
    assert seen["pq"] == 2  # X25519MLKEM768 (QUIC) and X25519Kyber768Draft00 (Chrome 125)
    assert seen["vulnerable"] >= 100
    assert seen["cert_pq"] == 1  # the ML-DSA-44 certificate
    for code in ("version_tlsv10", "version_tlsv11", "version_dtlsv10", "rc4", "md5_mac",
                 "static_rsa", "null_cipher", "cert_key_weak", "cert_sig_sha1", "cert_sig_md5",
                 "hndl_exposure", "legacy_crypto"):  # fmt: skip
        assert seen[code] >= 1, code
