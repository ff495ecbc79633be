"""The crypto inventory of one server host: which algorithms it was seen using and when, and
whether it is post-quantum ready, for the ClickHouse `crypto_inventory` table.

Post-quantum ready, at time `now`: within the last `pq_window_days` the host negotiated a
(hybrid) post-quantum group at least once and a classical key exchange never. Handshakes that
show no key exchange (resumptions, failures, pre-shared keys, unrecognised groups) count
neither way. Post-quantum capable is weaker: a post-quantum handshake in the window and no
downgrade (a classical group chosen although the client offered a post-quantum one).

Each algorithm list keeps at most `max_per_kind` names, dropping the least recently seen, so a
host's entry is bounded; it round-trips through a JSON-able dict for a Faust table keyed by
host.

Examples
--------
>>> from models.quantum.posture import Posture
>>> inv = HostInventory("db.example")
>>> day = 86_400_000_000
>>> inv.update(Posture(
...     host="db.example", ts_us=day, protocol="tls", established=True, resumed=False,
...     version="TLSv13", cipher="TLS_AES_128_GCM_SHA256", cipher_kx="TLS13",
...     group="X25519MLKEM768", kex="pq_hybrid", offered_pq=("X25519MLKEM768",),
...     pq_key_share=True, cert_key="rsa", cert_key_type="rsa", cert_bits=2048,
...     cert_sig_alg="sha256WithRSAEncryption", cert_sig_hash="sha256", findings=(),
... ))
>>> row = inv.row()
>>> row["pq_ready"], row["groups"], row["cert_key_types"]
(True, ['X25519MLKEM768'], ['rsa-2048'])
"""

from __future__ import annotations

from typing import Any

from models.quantum.posture import QUANTUM_VULNERABLE_KEYS, Posture

__all__ = ["KINDS", "HostInventory"]

KINDS = ("versions", "ciphers", "groups", "cert_key_types", "cert_sig_algs")
_DAY_US = 86_400_000_000
# Finding codes are a closed set in posture.py (about 25); the cap guards restored state.
_MAX_FINDINGS = 64


def _cert_label(posture: Posture) -> str | None:
    key_type = posture.cert_key_type
    if key_type is None:
        return None
    if posture.cert_bits is not None and posture.cert_key in ("rsa", "dsa", "ecdsa"):
        return f"{key_type}-{posture.cert_bits}"
    return key_type


class HostInventory:
    """Algorithms, counters and post-quantum readiness of one server host."""

    __slots__ = (
        "algs",
        "classical_handshakes",
        "failed_handshakes",
        "findings",
        "first_seen_us",
        "handshakes",
        "host",
        "last_cert_key",
        "last_classical_us",
        "last_downgrade_us",
        "last_pq_us",
        "last_seen_us",
        "legacy_handshakes",
        "max_per_kind",
        "pq_handshakes",
        "pq_window_days",
    )

    def __init__(self, host: str, max_per_kind: int = 16, pq_window_days: float = 7.0) -> None:
        self.host = host
        self.max_per_kind = max_per_kind
        self.pq_window_days = pq_window_days
        self.algs: dict[str, dict[str, list[int]]] = {kind: {} for kind in KINDS}
        """kind -> name -> [first seen, last seen] (microseconds)."""
        self.findings: dict[str, int] = {}
        """Finding code -> handshakes showing it."""
        self.first_seen_us = self.last_seen_us = 0
        self.handshakes = self.pq_handshakes = self.classical_handshakes = 0
        self.failed_handshakes = self.legacy_handshakes = 0
        self.last_pq_us: int | None = None
        self.last_classical_us: int | None = None
        self.last_downgrade_us: int | None = None
        self.last_cert_key: str | None = None

    def _see(self, kind: str, name: str | None, ts_us: int) -> None:
        if name is None:
            return
        seen = self.algs[kind]
        span = seen.get(name)
        if span is not None:
            if ts_us > span[1]:
                span[1] = ts_us
            elif ts_us < span[0]:
                span[0] = ts_us
            return
        if len(seen) >= self.max_per_kind:
            del seen[min(seen, key=lambda n: seen[n][1])]
        seen[name] = [ts_us, ts_us]

    def update(self, posture: Posture, downgrade: bool = False) -> None:
        """Add one handshake; `downgrade` if the pq_downgrade rule fired on it."""
        ts = posture.ts_us
        if not self.handshakes or ts < self.first_seen_us:
            self.first_seen_us = ts
        self.last_seen_us = max(self.last_seen_us, ts)
        self.handshakes += 1
        self._see("versions", posture.version, ts)
        self._see("ciphers", posture.cipher, ts)
        self._see("groups", posture.group, ts)
        self._see("cert_key_types", _cert_label(posture), ts)
        self._see("cert_sig_algs", posture.cert_sig_alg, ts)
        if posture.cert_key is not None:
            self.last_cert_key = posture.cert_key
        if posture.pq_kex:
            self.pq_handshakes += 1
            self.last_pq_us = max(self.last_pq_us or ts, ts)
        elif posture.kex == "classical":
            self.classical_handshakes += 1
            self.last_classical_us = max(self.last_classical_us or ts, ts)
        elif not posture.established and posture.kex == "none":
            self.failed_handshakes += 1
        if downgrade:
            self.last_downgrade_us = max(self.last_downgrade_us or ts, ts)
        if posture.findings:
            self.legacy_handshakes += 1
            for f in posture.findings:
                if f.code in self.findings or len(self.findings) < _MAX_FINDINGS:
                    self.findings[f.code] = self.findings.get(f.code, 0) + 1

    def _recent(self, ts: int | None, now_us: int) -> bool:
        return ts is not None and ts > now_us - self.pq_window_days * _DAY_US

    def pq_ready(self, now_us: int | None = None) -> bool:
        now = self.last_seen_us if now_us is None else now_us
        return self._recent(self.last_pq_us, now) and not self._recent(self.last_classical_us, now)

    def pq_capable(self, now_us: int | None = None) -> bool:
        now = self.last_seen_us if now_us is None else now_us
        return self._recent(self.last_pq_us, now) and not self._recent(self.last_downgrade_us, now)

    def row(self, now_us: int | None = None) -> dict[str, Any]:
        """One flat row of the `crypto_inventory` table; readiness is judged at `now_us`
        (default: when the host was last seen, so replays give the same rows)."""
        return {
            "host": self.host,
            "first_seen_us": self.first_seen_us,
            "last_seen_us": self.last_seen_us,
            "pq_ready": self.pq_ready(now_us),
            "pq_capable": self.pq_capable(now_us),
            "cert_quantum_vulnerable": self.last_cert_key in QUANTUM_VULNERABLE_KEYS,
            **{kind: sorted(self.algs[kind]) for kind in KINDS},
            "handshakes": self.handshakes,
            "pq_handshakes": self.pq_handshakes,
            "classical_handshakes": self.classical_handshakes,
            "failed_handshakes": self.failed_handshakes,
            "legacy_handshakes": self.legacy_handshakes,
            "legacy_findings": sorted(self.findings),
            "last_pq_us": self.last_pq_us,
            "last_classical_us": self.last_classical_us,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "algs": {
                kind: {n: list(s) for n, s in seen.items()} for kind, seen in self.algs.items()
            },
            "findings": dict(self.findings),
            "seen": [self.first_seen_us, self.last_seen_us],
            "counts": [
                self.handshakes,
                self.pq_handshakes,
                self.classical_handshakes,
                self.failed_handshakes,
                self.legacy_handshakes,
            ],
            "last": [self.last_pq_us, self.last_classical_us, self.last_downgrade_us],
            "cert_key": self.last_cert_key,
        }

    @classmethod
    def from_dict(
        cls, d: dict[str, Any], max_per_kind: int = 16, pq_window_days: float = 7.0
    ) -> HostInventory:
        inv = cls(d["host"], max_per_kind, pq_window_days)
        algs = d.get("algs", {})
        for kind in KINDS:
            seen = algs.get(kind, {})
            names = list(seen)
            if len(names) > max_per_kind:
                # The bound shrank since: keep the most recently seen names.
                names = sorted(names, key=lambda n: seen[n][1], reverse=True)[:max_per_kind]
            inv.algs[kind] = {n: [int(seen[n][0]), int(seen[n][1])] for n in names}
        inv.findings = dict(list(d.get("findings", {}).items())[:_MAX_FINDINGS])
        inv.first_seen_us, inv.last_seen_us = d["seen"]
        (
            inv.handshakes,
            inv.pq_handshakes,
            inv.classical_handshakes,
            inv.failed_handshakes,
            inv.legacy_handshakes,
        ) = d["counts"]
        inv.last_pq_us, inv.last_classical_us, inv.last_downgrade_us = d["last"]
        inv.last_cert_key = d.get("cert_key")
        return inv
