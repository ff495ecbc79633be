"""Integrity bursts: records the worker must quarantine, enough of them at once (6-8, above the
default burst threshold of 5 within 60 s) to raise an integrity alert for the key id.

- forged: payments from existing accounts whose amount was changed after signing
  (bad_signature, counted under the producer's own key id);
- replay: copies of records this producer sent shortly before (replay, same key id);
- unknown key: a rogue sensor signing with a key id nobody registered (unknown_key, counted
  under that key id).

The signer does the spoiling (loadgen.signer), since only it knows the signatures.
"""

from __future__ import annotations

from collections.abc import Callable

from loadgen.banking import transaction
from loadgen.draft import Craft, Draft
from loadgen.money import format_amount, to_local
from loadgen.network import Client, zeek_uid
from loadgen.scenarios.base import Context, Pattern
from loadgen.telemetry import handshake

__all__ = ["INTEGRITY_BUILDERS", "rogue_kid"]


def rogue_kid(key_prefix: str, number: int) -> str:
    return f"{key_prefix}/rogue-{number}"


def _burst(ctx: Context) -> int:
    return int(ctx.gen.integers(6, 9))


def forged(ctx: Context) -> list[Draft]:
    gen, pop = ctx.gen, ctx.population
    p = Pattern(ctx, "integrity_bad_signature", "integrity", None)
    for k in range(_burst(ctx)):
        victim = pop.accounts[int(gen.integers(pop.size))].party
        payee = ctx.party(victim.country)
        amount = format_amount(to_local(float(gen.uniform(900, 9_000)), victim.currency),
                               victim.currency)  # fmt: skip
        payload = transaction(ctx.event_id(), ctx.at_us + k, victim, payee, amount, "wire")
        p.add("transactions", victim.account, payload, ctx.at_us, "crafted", Craft.FORGED)
    return p.drafts()


def replayed(ctx: Context) -> list[Draft]:
    p = Pattern(ctx, "integrity_replay", "integrity", None)
    for _ in range(_burst(ctx)):
        p.add("transactions", "", {}, ctx.at_us, "crafted", Craft.REPLAY)
    return p.drafts()


def unknown_key(ctx: Context) -> list[Draft]:
    gen, net = ctx.gen, ctx.network
    kid = rogue_kid(ctx.key_prefix, ctx.number)
    p = Pattern(ctx, "integrity_unknown_key", "integrity", kid)
    sensor = f"zeek/rogue-{ctx.number}"
    sites = [h for h in net.hosts if h.protocol == "tls"]
    host = sites[int(gen.integers(len(sites)))]
    count = _burst(ctx)
    for k, uid in enumerate(zeek_uid(gen, count)):
        client = Client(f"10.66.{gen.integers(256)}.{gen.integers(2, 255)}", "dc1", "classic")
        payload = handshake(
            ctx.event_id(), ctx.at_us + k, sensor, uid, client,
            int(gen.integers(32_768, 61_000)), host, version="TLSv13", established=True,
        )  # fmt: skip
        p.add("telemetry", sensor, payload, ctx.at_us, "crafted", Craft.UNKNOWN_KEY, kid)
    return p.drafts()


INTEGRITY_BUILDERS: dict[str, Callable[[Context], list[Draft]]] = {
    "integrity_bad_signature": forged,
    "integrity_replay": replayed,
    "integrity_unknown_key": unknown_key,
}
