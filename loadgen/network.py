"""The monitored network: server hosts with their TLS/SSH configuration, client hosts, and the
Zeek sensors that report their handshakes.

The mix is a bank part-way through its post-quantum migration: public sites behind large CDNs
and every internal service that carries long-lived secrets (directory, databases, mail, VPN,
key management, payments, SSH) negotiate the X25519MLKEM768 hybrid (or OpenSSH's ML-KEM and
sntrup761 hybrids) with clients that offer it; intranet tools and partner portals still use
classical x25519 or secp256r1, talking to clients that offer nothing post-quantum. No clean
host runs a legacy protocol, a cipher without forward secrecy or a weak certificate: those, and
sensitive services on classical key exchange, are what the quantum scenarios inject.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import numpy as np

from loadgen.seeds import Stream, rng
from loadgen.timeline import DAY_US

__all__ = ["Client", "Host", "Network", "certificate", "zeek_uid"]

PQ_GROUP = "X25519MLKEM768"
INTERNAL_DOMAIN = "corp.meridian.example"
MODERN_GROUPS = (PQ_GROUP, "x25519", "secp256r1", "secp384r1")
MODERN_SHARES = (PQ_GROUP, "x25519")
CLASSIC_GROUPS = ("x25519", "secp256r1", "x448", "secp521r1", "secp384r1")
TLS12_GROUPS = ("secp256r1", "secp384r1")
TLS13_CIPHERS = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                 "TLS_CHACHA20_POLY1305_SHA256")  # fmt: skip
TLS12_CIPHERS = ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                 "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                 "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")  # fmt: skip
SSH_PQ_KEX = ("mlkem768x25519-sha256", "sntrup761x25519-sha512@openssh.com")
SSH_CLIENT_KEX = (*SSH_PQ_KEX, "curve25519-sha256", "ecdh-sha2-nistp256")
SSH_CIPHERS = ("chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com")
CAS = ("CN=Atlas Issuing CA 2,O=Atlas Trust Services,C=US",
       "CN=Meridian Internal Issuing CA,O=Meridian,C=DE",
       "CN=Lumen TLS RSA CA G3,O=Lumen PKI,C=GB")  # fmt: skip
# (name, port, service) of internal services that carry long-lived secrets.
SENSITIVE_SERVICES = (
    ("ldap", 636, "ldap,ssl"), ("pg", 5432, "postgresql,ssl"), ("smtp", 587, "smtp,ssl"),
    ("imap", 993, "imap,ssl"), ("vault", 443, "ssl"), ("vpn", 443, "ssl"),
    ("payments", 443, "ssl"), ("swift-gw", 443, "ssl"),
)  # fmt: skip
INTRANET_TOOLS = ("wiki", "jira", "grafana", "intranet", "build", "artifacts", "chat", "hr",
                  "crm", "docs", "status", "monitor")  # fmt: skip
_WORDS = ("northwind", "bluepeak", "lumen", "harbor", "atlas", "cedar", "orbit", "nimbus",
          "quartz", "river", "summit", "tundra", "vivid", "willow", "zephyr", "amber", "cobalt",
          "delta", "ember", "fjord")  # fmt: skip
_TLDS = (".com", ".net", ".io", ".eu", ".de", ".co.uk")
SITES = ("dc1", "dc2", "hq", "branch-01", "branch-02", "branch-03", "branch-04")
_BASE62 = string.digits + string.ascii_letters


@dataclass(frozen=True, slots=True)
class Host:
    name: str | None
    address: str
    port: int
    service: str
    protocol: str
    """tls, quic (served alongside tls) or ssh."""
    pq: bool
    tls13: bool
    cert: dict[str, Any] | None
    """The leaf certificate, visible to the sensor in TLS 1.2 handshakes (TLS 1.3 encrypts
    it); post-quantum hosts only speak TLS 1.3 here."""


@dataclass(frozen=True, slots=True)
class Client:
    address: str
    site: str
    profile: str
    """modern (offers X25519MLKEM768 with a key share), classic (TLS 1.3 and 1.2, classical
    groups) or tls12 (TLS 1.2 only: appliances, old runtimes)."""


def zeek_uid(gen: np.random.Generator, count: int) -> list[str]:
    """`count` connection uids in Zeek's form (C and 17 base-62 characters)."""
    chars = gen.integers(len(_BASE62), size=(count, 17)).tolist()
    return ["C" + "".join([_BASE62[i] for i in row]) for row in chars]


def certificate(
    gen: np.random.Generator,
    host: str,
    start_us: int,
    *,
    key: tuple[str, str, int, str] | None = None,
    issuer: str | None = None,
) -> dict[str, Any]:
    """A leaf certificate as x509.log describes it; `key` is (key_alg, key_type, bits,
    sig_alg), a modern RSA or ECDSA key by default."""
    if key is None:
        key = (
            ("rsaEncryption", "rsa", int(gen.choice((2048, 3072))), "sha256WithRSAEncryption")
            if gen.random() < 0.6
            else ("id-ecPublicKey", "ecdsa", 256, "ecdsa-with-SHA256")
        )
    before = start_us - int(gen.integers(10, 250)) * DAY_US
    cert: dict[str, Any] = {
        "fingerprint": gen.bytes(32).hex(),
        "subject": f"CN={host}",
        "issuer": issuer or CAS[int(gen.integers(len(CAS)))],
        "serial": gen.bytes(16).hex().upper(),
        "not_valid_before_us": before,
        "not_valid_after_us": before + 397 * DAY_US,
        "key_alg": key[0],
        "key_type": key[1],
        "key_length": key[2],
        "sig_alg": key[3],
        "san_dns": [host],
    }
    if key[1] == "ecdsa":
        cert["curve"] = "prime256v1"
    return cert


def _public_address(gen: np.random.Generator) -> str:
    if gen.random() < 0.2:
        net = f"2a0{int(gen.integers(1, 9))}:{gen.bytes(2).hex()}:{gen.bytes(2).hex()}"
        return f"{net}::{int(gen.integers(1, 4096)):x}"
    a, b, c = (int(x) for x in gen.integers(1, 255, size=3))
    return f"{int(gen.choice((23, 34, 52, 104, 151, 185, 198)))}.{a}.{b}.{c}"


class Network:
    """Hosts, clients and sensors, built from the seed alone."""

    def __init__(self, seed: int, start_us: int, clients: int = 600) -> None:
        gen = rng(seed, Stream.NETWORK)
        self.seed = seed
        self.hosts = self._hosts(gen, start_us)
        popularity = 1.0 / np.arange(1, len(self.hosts) + 1) ** 0.8
        order = gen.permutation(len(self.hosts))
        self.host_cdf = np.cumsum(popularity[order] / popularity.sum())
        self.clients = [self._client(gen, n) for n in range(clients)]
        activity = np.minimum(1.0 + gen.pareto(1.5, clients), 50.0)
        # Clients by what they offer: post-quantum groups; classical TLS 1.3 (and 1.2);
        # anything classical, TLS 1.2-only appliances included.
        pools = {"modern": ("modern",), "tls13": ("classic",), "classic": ("classic", "tls12")}
        self._pools = {}
        for pool, profiles in pools.items():
            members = [i for i, c in enumerate(self.clients) if c.profile in profiles]
            weights = activity[members]
            self._pools[pool] = (members, np.cumsum(weights / weights.sum()))

    def _hosts(self, gen: np.random.Generator, start_us: int) -> list[Host]:
        hosts = []
        used: set[str] = set()

        def public_name(prefix: str) -> str:
            while True:
                name = (
                    f"{prefix}.{_WORDS[int(gen.integers(len(_WORDS)))]}"
                    f"{_WORDS[int(gen.integers(len(_WORDS)))]}{_TLDS[int(gen.integers(len(_TLDS)))]}"
                )
                if name not in used:
                    used.add(name)
                    return name

        for n in range(60):  # public sites behind post-quantum CDNs
            name = public_name(("www", "api", "cdn", "static")[n % 4])
            hosts.append(Host(name, _public_address(gen), 443, "ssl", "tls", True, True, None))
        for n, (kind, port, service) in enumerate(SENSITIVE_SERVICES * 4):
            name = f"{kind}-{n // len(SENSITIVE_SERVICES) + 1:02d}.{INTERNAL_DOMAIN}"
            address = f"10.{1 + n % 2}.0.{10 + n}"
            hosts.append(Host(name, address, port, service, "tls", True, True, None))
        for n in range(10):
            address = f"10.{1 + n % 2}.1.{10 + n}"
            hosts.append(Host(None, address, 22, "ssh", "ssh", True, False, None))
        for n in range(60):  # intranet tools on classical TLS
            tool, number = INTRANET_TOOLS[n % len(INTRANET_TOOLS)], n // len(INTRANET_TOOLS) + 1
            name = f"{tool}-{number:02d}.{INTERNAL_DOMAIN}"
            address = f"10.{1 + n % 2}.2.{10 + n}"
            cert = certificate(gen, name, start_us)
            hosts.append(Host(name, address, 443, "ssl", "tls", False, gen.random() < 0.6, cert))
        for n in range(140):  # partner and vendor portals on classical TLS
            name = public_name(("portal", "partners", "login", "app", "my")[n % 5])
            cert = certificate(gen, name, start_us)
            address = _public_address(gen)
            hosts.append(Host(name, address, 443, "ssl", "tls", False, gen.random() < 0.5, cert))
        return hosts

    @staticmethod
    def _client(gen: np.random.Generator, n: int) -> Client:
        site = SITES[n % len(SITES)]
        u = gen.random()
        profile = "modern" if u < 0.35 else "classic" if u < 0.9 else "tls12"
        address = (
            f"10.{20 + SITES.index(site)}.{int(gen.integers(256))}.{int(gen.integers(2, 255))}"
        )
        return Client(address, site, profile)

    def sensor(self, client: Client, u: float) -> str:
        return f"zeek/{client.site}-tap{1 + int(u * 2)}"

    def pick_host(self, u: float) -> Host:
        i = int(np.searchsorted(self.host_cdf, u, side="right"))
        return self.hosts[min(i, len(self.hosts) - 1)]

    def pick_client(self, pool: str, u: float) -> Client:
        members, cdf = self._pools[pool]
        i = int(np.searchsorted(cdf, u, side="right"))
        return self.clients[members[min(i, len(members) - 1)]]
