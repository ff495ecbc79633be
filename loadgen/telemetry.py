"""Clean background telemetry: the handshakes the sensors see in one block of event time, each
negotiated the way its host and client configurations would (see loadgen.network).

Uploads stay small (a client sends kilobytes, rarely a few hundred), so no clean client
approaches the volume that the bulk-exfiltration detector needs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from loadgen.draft import Draft
from loadgen.network import (
    CLASSIC_GROUPS,
    MODERN_GROUPS,
    MODERN_SHARES,
    PQ_GROUP,
    SSH_CIPHERS,
    SSH_CLIENT_KEX,
    SSH_PQ_KEX,
    TLS12_CIPHERS,
    TLS12_GROUPS,
    TLS13_CIPHERS,
    Client,
    Host,
    Network,
    zeek_uid,
)
from loadgen.seeds import Stream, event_ids, rng

__all__ = ["OFFERS", "Telemetry", "handshake"]

# What each client profile offers: (versions, groups, key shares).
OFFERS = {
    "modern": (["TLSv13", "TLSv12"], list(MODERN_GROUPS), list(MODERN_SHARES)),
    "classic": (["TLSv13", "TLSv12"], list(CLASSIC_GROUPS), ["x25519"]),
    "tls12": (["TLSv12"], list(TLS12_GROUPS), []),
}
MAX_UPLOAD = 250_000
_ALERTS = ("unknown_ca", "certificate_unknown", "bad_certificate")


def handshake(
    event_id: str,
    ts_us: int,
    sensor: str,
    uid: str,
    client: Client,
    orig_p: int,
    host: Host,
    /,
    **fields: Any,
) -> dict[str, Any]:
    """A `TelemetryEvent` payload: the connection, then the handshake `fields` (version,
    cipher, group, offers, established, cert, byte counts ...); None fields are left out."""
    event: dict[str, Any] = {
        "schema_version": 1,
        "event_id": event_id,
        "ts_us": ts_us,
        "sensor": sensor,
        "uid": uid,
        "protocol": host.protocol,
        "orig_h": client.address,
        "orig_p": orig_p,
        "resp_h": host.address,
        "resp_p": host.port,
        "server_name": host.name,
        "service": host.service,
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def _bytes(median: float, sigma: float, z: float, cap: float) -> int:
    return int(min(math.exp(math.log(median) + sigma * z), cap))


class Telemetry:
    def __init__(self, network: Network, seed: int) -> None:
        self.network = network
        self.seed = seed

    def block(self, block: int, start_us: int, end_us: int, count: int) -> list[Draft]:
        """`count` handshakes in [start_us, end_us), in time order."""
        gen = rng(self.seed, Stream.TELEMETRY, block)
        times = np.sort(gen.integers(start_us, end_us, count)).tolist()
        u = gen.random((count, 6)).tolist()
        z = gen.standard_normal((count, 2)).tolist()
        ports = gen.integers(32_768, 61_000, count).tolist()
        eids = event_ids(gen, count)
        uids = zeek_uid(gen, count)
        drafts = []
        for i in range(count):
            event = self._flow(eids[i], uids[i], times[i], ports[i], u[i], z[i])
            drafts.append(Draft("telemetry", event["sensor"], event, times[i]))
        return drafts

    def _flow(
        self, eid: str, uid: str, ts: int, port: int, u: list[float], z: list[float]
    ) -> dict[str, Any]:
        net = self.network
        host = net.pick_host(u[0])
        client = net.pick_client("modern" if host.pq else "classic", u[1])
        sensor = net.sensor(client, u[5])
        sizes = {
            "orig_bytes": _bytes(1_500, 1.2, z[0], MAX_UPLOAD),
            "resp_bytes": _bytes(20_000, 1.8, z[1], 50_000_000),
        }
        args = (eid, ts, sensor, uid, client, port, host)
        if host.protocol == "ssh":
            return handshake(
                *args, version="2", cipher=SSH_CIPHERS[int(u[2] * 2)],
                group=SSH_PQ_KEX[int(u[3] * 2)], client_groups=list(SSH_CLIENT_KEX),
                established=True, **sizes,
            )  # fmt: skip
        versions, groups, shares = OFFERS[client.profile]
        offers = {"client_versions": versions, "client_groups": groups, "client_key_shares": shares}
        public = host.name is not None and not host.address.startswith("10.")
        if host.pq and public and u[2] < 0.2:
            # QUIC: Zeek never sees the encrypted Finished, so `established` stays false.
            return handshake(
                *args, protocol="quic", service="quic,ssl", version="TLSv13",
                cipher=TLS13_CIPHERS[int(u[3] * 3)], group=PQ_GROUP, established=False,
                next_protocol="h3", **offers, **sizes,
            )  # fmt: skip
        resumed = u[4] < 0.15
        alpn = ("h2", "http/1.1")[int(u[3] * 2)] if public else None
        if host.pq or (host.tls13 and client.profile != "tls12"):
            return handshake(
                *args, version="TLSv13", cipher=TLS13_CIPHERS[int(u[3] * 3)],
                group=None if resumed else (PQ_GROUP if host.pq else "x25519"),
                resumed=resumed, established=True, next_protocol=alpn, **offers, **sizes,
            )  # fmt: skip
        failed = u[4] > 0.98
        if failed:
            sizes = {"orig_bytes": 517, "resp_bytes": int(3_000 + 2_000 * u[2])}
        return handshake(
            *args, version="TLSv12", cipher=TLS12_CIPHERS[int(u[2] * len(TLS12_CIPHERS))],
            group=None if resumed else "secp256r1" if client.profile == "tls12" else "x25519",
            resumed=resumed, established=not failed,
            last_alert=_ALERTS[int(u[3] * 3)] if failed else None,
            next_protocol=alpn if not failed else None,
            sni_matches_cert=None if resumed else True,
            validation_status=None if resumed or failed else "ok",
            cert=None if resumed else host.cert, **offers, **sizes,
        )  # fmt: skip
