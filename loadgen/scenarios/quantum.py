"""Quantum-threat patterns: a new host that exposes long-lived secrets to harvest-now-decrypt-
later, one where the post-quantum group offered by the client is not negotiated, one still on
legacy TLS, and a client uploading far more than anyone does (bulk exfiltration).

Each host is new and only the flows of the pattern reach it, so every one of them is labelled;
the clients are the network's own (exfiltration uses a new one).
"""

from __future__ import annotations

from collections.abc import Callable

from loadgen.draft import Draft
from loadgen.network import (
    INTERNAL_DOMAIN,
    SITES,
    TLS12_CIPHERS,
    TLS13_CIPHERS,
    Client,
    Host,
    certificate,
    zeek_uid,
)
from loadgen.scenarios.base import Context, Pattern
from loadgen.telemetry import OFFERS, handshake

__all__ = ["QUANTUM_BUILDERS"]

# (name prefix, port, service): internal services carrying long-lived secrets.
_EXPOSED = (("ldap", 636, "ldap,ssl"), ("pg", 5432, "postgresql,ssl"), ("smtp", 587, "smtp,ssl"),
            ("vpn", 443, "ssl"), ("payments", 443, "ssl"), ("vault", 443, "ssl"))  # fmt: skip
# (version, cipher suite, (key_alg, key_type, bits, sig_alg) of the certificate).
_RSA = "rsaEncryption"
_LEGACY = (
    ("TLSv10", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", (_RSA, "rsa", 1024, "sha1WithRSAEncryption")),
    ("TLSv10", "TLS_RSA_WITH_RC4_128_SHA", (_RSA, "rsa", 2048, "sha1WithRSAEncryption")),
    ("TLSv11", "TLS_RSA_WITH_AES_128_CBC_SHA", (_RSA, "rsa", 1024, "sha256WithRSAEncryption")),
    ("TLSv12", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", (_RSA, "rsa", 2048, "sha1WithRSAEncryption")),
)
_WORDS = ("mainframe", "legacy", "archive", "reports", "gateway", "terminal", "scanner", "print")


def _new_name(ctx: Context, prefix: str, domain: str) -> str:
    """A host name of the pattern (never one of the background's, which number from 01)."""
    return f"{prefix}-{ctx.number + 100}.{domain}"


def _address(ctx: Context, net: int) -> str:
    """An address in 10.`net`.0.0/16 of the pattern's own."""
    return f"10.{net}.{ctx.number // 250 % 250}.{2 + ctx.number % 250}"


def _flows(ctx: Context, p: Pattern, host: Host, pool: str, count: int, **fields: object) -> None:
    """`count` handshakes with `host` within half an hour, from clients of `pool` offering
    what their profile offers, negotiated as `fields` say."""
    gen, net = ctx.gen, ctx.network
    offsets = sorted(ctx.hours(0, 0.5) for _ in range(count))
    for offset, uid in zip(offsets, zeek_uid(gen, count), strict=True):
        client = net.pick_client(pool, float(gen.random()))
        versions, groups, shares = OFFERS[client.profile]
        handshake_fields = {
            "client_versions": versions,
            "client_groups": groups,
            "client_key_shares": shares,
            "orig_bytes": int(gen.integers(800, 20_000)),
            "resp_bytes": int(gen.integers(2_000, 200_000)),
        } | fields
        event = handshake(
            ctx.event_id(), ctx.at_us + offset, net.sensor(client, float(gen.random())), uid,
            client, int(gen.integers(32_768, 61_000)), host, **handshake_fields,
        )  # fmt: skip
        p.telemetry(event, "target")


def hndl_exposure(ctx: Context) -> list[Draft]:
    """An internal service carrying long-lived secrets (directory, database, mail, VPN,
    payments, key management) that clients reach over classical x25519 or secp256r1."""
    gen = ctx.gen
    prefix, port, service = _EXPOSED[int(gen.integers(len(_EXPOSED)))]
    name = _new_name(ctx, prefix, INTERNAL_DOMAIN)
    tls13 = gen.random() < 0.5
    cert = None if tls13 else certificate(gen, name, ctx.start_us)
    host = Host(name, _address(ctx, 3), port, service, "tls", False, tls13, cert)
    p = Pattern(ctx, "hndl_exposure", "quantum", name)
    count = int(gen.integers(3, 7))
    if tls13:
        _flows(ctx, p, host, "tls13", count, version="TLSv13", group="x25519",
               cipher=TLS13_CIPHERS[0], established=True)  # fmt: skip
    else:
        _flows(ctx, p, host, "classic", count, version="TLSv12", group="secp256r1",
               cipher=TLS12_CIPHERS[0], established=True, cert=cert)  # fmt: skip
    return p.drafts()


def pq_downgrade(ctx: Context) -> list[Draft]:
    """Clients send an X25519MLKEM768 key share to a public site, yet x25519 is negotiated
    (a middlebox stripping it, or a downgrade attack), or the handshake fails."""
    gen = ctx.gen
    name = f"www.{_WORDS[int(gen.integers(len(_WORDS)))]}-portal{ctx.number}.com"
    host = Host(name, f"185.{ctx.number % 250}.{gen.integers(256)}.{gen.integers(1, 255)}", 443,
                "ssl", "tls", False, True, None)  # fmt: skip
    p = Pattern(ctx, "pq_downgrade", "quantum", name)
    count = int(gen.integers(3, 7))
    if gen.random() < 0.7:
        _flows(ctx, p, host, "modern", count, version="TLSv13", group="x25519",
               cipher=TLS13_CIPHERS[1], established=True)  # fmt: skip
    else:
        _flows(ctx, p, host, "modern", count, established=False,
               last_alert="handshake_failure")  # fmt: skip
    return p.drafts()


def legacy_crypto(ctx: Context) -> list[Draft]:
    """An old appliance still on TLS 1.0/1.1, static RSA key transport, 3DES or RC4 and a
    SHA-1 signed or 1024-bit certificate."""
    gen = ctx.gen
    version, cipher, key = _LEGACY[int(gen.integers(len(_LEGACY)))]
    name = _new_name(ctx, _WORDS[int(gen.integers(len(_WORDS)))], INTERNAL_DOMAIN)
    cert = certificate(gen, name, ctx.start_us, key=key)
    host = Host(name, _address(ctx, 4), 8443, "ssl", "tls", False, False, cert)
    p = Pattern(ctx, "legacy_crypto", "quantum", name)
    # An old client library, still offering the versions the appliance speaks.
    _flows(ctx, p, host, "classic", int(gen.integers(3, 7)), version=version, cipher=cipher,
           established=True, cert=cert, client_versions=["TLSv12", "TLSv11", "TLSv10"],
           client_key_shares=[])  # fmt: skip
    return p.drafts()


def bulk_exfiltration(ctx: Context) -> list[Draft]:
    """A workstation uploads 15-90 MB per connection, 8-12 connections within a minute, to a
    file-sharing site (a classical TLS site: the upload, not the crypto, is the finding)."""
    gen, net = ctx.gen, ctx.network
    site = SITES[int(gen.integers(len(SITES)))]
    client = Client(_address(ctx, 90 + SITES.index(site)), site, "classic")
    p = Pattern(ctx, "bulk_exfiltration", "quantum", client.address)
    sites = [h for h in net.hosts if not h.pq and h.tls13 and not h.address.startswith("10.")]
    host = sites[int(gen.integers(len(sites)))]
    count = int(gen.integers(8, 13))
    offsets = sorted(int(gen.uniform(0, 40_000_000)) for _ in range(count))
    versions, groups, shares = OFFERS["classic"]
    for offset, uid in zip(offsets, zeek_uid(gen, count), strict=True):
        event = handshake(
            ctx.event_id(), ctx.at_us + offset, net.sensor(client, float(gen.random())), uid,
            client, int(gen.integers(32_768, 61_000)), host, version="TLSv13",
            cipher=TLS13_CIPHERS[1], group="x25519", client_versions=versions,
            client_groups=groups, client_key_shares=shares, established=True,
            orig_bytes=int(gen.integers(15_000_000, 90_000_000)),
            resp_bytes=int(gen.integers(4_000, 40_000)),
        )  # fmt: skip
        p.telemetry(event, "target")
    return p.drafts()


QUANTUM_BUILDERS: dict[str, Callable[[Context], list[Draft]]] = {
    "hndl_exposure": hndl_exposure,
    "pq_downgrade": pq_downgrade,
    "legacy_crypto": legacy_crypto,
    "bulk_exfiltration": bulk_exfiltration,
}
