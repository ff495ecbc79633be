"""Money-laundering patterns, one builder per typology of models/aml/rules.py. Each makes its
target do exactly what the typology describes and nothing that another rule reads more
strongly, so the alert it earns carries the injected typology.
"""

from __future__ import annotations

from collections.abc import Callable

from loadgen.banking import transaction
from loadgen.draft import Draft
from loadgen.money import format_amount, to_local
from loadgen.population import Party
from loadgen.scenarios.base import Context, Pattern
from loadgen.timeline import DAY_US
from models.aml.jurisdictions import FATF_CALL_FOR_ACTION, FATF_INCREASED_MONITORING

__all__ = ["AML_BUILDERS"]

# Foreign counterparties of clean cross-border transfers (never a listed jurisdiction).
_ABROAD = ("GB", "CH", "US", "PL", "SE", "SG", "AE")
_HIGH_RISK = tuple(sorted(FATF_CALL_FOR_ACTION))
_MONITORED = tuple(sorted(FATF_INCREASED_MONITORING - {"BG", "MC"}))


def _pay(
    p: Pattern,
    ts: int,
    sender: Party,
    receiver: Party,
    eur: float,
    channel: str,
    role: str,
    *,
    exact: bool = False,
    mcc: str | None = None,
) -> None:
    """`eur` paid in the sender's currency; `exact` keeps a round amount round."""
    amount = format_amount(to_local(eur, sender.currency), sender.currency, avoid_round=not exact)
    payload = transaction(p.ctx.event_id(), ts, sender, receiver, amount, channel, mcc=mcc)
    p.transaction(payload, role)


def _abroad(ctx: Context) -> str:
    return _ABROAD[int(ctx.gen.integers(len(_ABROAD)))]


def structuring(ctx: Context) -> list[Draft]:
    """3-5 legs of 9,000-9,900 EUR within a day: cash deposits by different people into the
    target (smurfing), or transfers from the target to different receivers."""
    gen, country = ctx.gen, ctx.home_country()
    target = ctx.party(country)
    p = Pattern(ctx, "structuring", "aml", target.account)
    legs = int(gen.integers(3, 6))
    offsets = sorted(ctx.hours(0, 20) for _ in range(legs))
    deposits = gen.random() < 0.5
    for offset in offsets:
        eur = float(gen.uniform(9_000, 9_900))
        if deposits:
            smurf = ctx.party(country)
            cash = Party("cash:" + smurf.account, smurf.name, country, target.currency, smurf.bic)
            _pay(p, ctx.at_us + offset, cash, target, eur, "cash", "counterparty")
        else:
            channel = "wire" if gen.random() < 0.5 else "ach"
            _pay(p, ctx.at_us + offset, target, ctx.party(country), eur, channel, "target")
    return p.drafts()


def rapid_movement(ctx: Context) -> list[Draft]:
    """A new account receives 8,000-40,000 EUR in one or two transfers and sends 85-98 % of
    it on within hours, abroad or to another new account."""
    gen, country = ctx.gen, ctx.home_country()
    mule = ctx.party(country)
    p = Pattern(ctx, "rapid_movement", "aml", mule.account)
    inflow = float(gen.uniform(8_000, 40_000))
    parts = [inflow] if gen.random() < 0.5 else [inflow * 0.55, inflow * 0.45]
    t = ctx.at_us
    for part in parts:
        t += ctx.hours(0.2, 3)
        _pay(p, t, ctx.party(country, business=True), mule, part, "wire", "counterparty")
    outflow = inflow * float(gen.uniform(0.85, 0.98))
    outs = [outflow] if gen.random() < 0.6 else [outflow * 0.6, outflow * 0.4]
    for out in outs:
        t += ctx.hours(0.3, 4)
        receiver = ctx.party(_abroad(ctx) if gen.random() < 0.6 else country)
        _pay(p, t, mule, receiver, out, "wire", "target")
    return p.drafts()


def _fan(ctx: Context, typology: str, incoming: bool) -> list[Draft]:
    gen, country = ctx.gen, ctx.home_country()
    hub = ctx.party(country)
    p = Pattern(ctx, typology, "aml", hub.account)
    spread = ctx.hours(2, 10)
    for _ in range(int(gen.integers(12, 19))):
        other = ctx.party(country)
        eur = float(gen.uniform(250, 1_200))
        channel = "ach" if gen.random() < 0.6 else "wire"
        ts = ctx.at_us + int(gen.uniform(0, spread))
        if incoming:
            _pay(p, ts, other, hub, eur, channel, "counterparty")
        else:
            _pay(p, ts, hub, other, eur, channel, "target")
    return p.drafts()


def fan_in(ctx: Context) -> list[Draft]:
    """12-18 different people pay 250-1,200 EUR each into one new account within hours."""
    return _fan(ctx, "fan_in", incoming=True)


def fan_out(ctx: Context) -> list[Draft]:
    """One new account pays 250-1,200 EUR each to 12-18 different people within hours."""
    return _fan(ctx, "fan_out", incoming=False)


def high_risk_jurisdiction(ctx: Context) -> list[Draft]:
    """Transfers with a counterparty in a FATF black-listed country (2,000-40,000 EUR, either
    direction) or a grey-listed one (12,000-60,000 EUR)."""
    gen, country = ctx.gen, ctx.home_country()
    client = ctx.party(country)
    p = Pattern(ctx, "high_risk_jurisdiction", "aml", client.account)
    u = gen.random()
    listed = _HIGH_RISK if u < 0.8 else _MONITORED
    where = listed[int(gen.integers(len(listed)))]
    # Their own currencies are outside the scorer's rate table; such transfers settle in USD.
    other = ctx.party(where, business=True, currency="USD")
    lo, hi = (2_000, 40_000) if listed is _HIGH_RISK else (12_000, 60_000)
    t = ctx.at_us
    for _ in range(int(gen.integers(1, 3))):
        t += ctx.hours(0.1, 8)
        eur = float(gen.uniform(lo, hi))
        if u < 0.6 or listed is _MONITORED:
            _pay(p, t, client, other, eur, "wire", "target")
        else:
            _pay(p, t, other, client, eur, "wire", "counterparty")
    return p.drafts()


def dormant_reactivation(ctx: Context) -> list[Draft]:
    """An account quiet for 120-400 days (its last small payments backdated that far) suddenly
    sends 6,000-45,000 EUR, and maybe again within days."""
    gen, country = ctx.gen, ctx.home_country()
    sleeper = ctx.party(country)
    p = Pattern(ctx, "dormant_reactivation", "aml", sleeper.account)
    quiet_since = ctx.at_us - int(gen.uniform(120, 400) * DAY_US)
    for _ in range(int(gen.integers(2, 5))):
        ts = quiet_since - int(gen.uniform(0, 30) * DAY_US)
        other = ctx.party(country)
        if gen.random() < 0.5:
            _pay(p, ts, other, sleeper, float(gen.uniform(50, 800)), "ach", "history")
        else:
            _pay(p, ts, sleeper, other, float(gen.uniform(20, 400)), "ach", "history")
    t = ctx.at_us
    for _ in range(int(gen.integers(1, 3))):
        receiver = ctx.party(_abroad(ctx) if gen.random() < 0.5 else country)
        _pay(p, t, sleeper, receiver, float(gen.uniform(6_000, 45_000)), "wire", "target")
        t += ctx.hours(12, 72)
    return p.drafts()


def velocity_spike(ctx: Context) -> list[Draft]:
    """An account with a few payments over the last days makes 12-20 card payments at
    different shops within the hour (a stolen card), or receives 12-20 small transfers from
    a few senders within the hour."""
    gen, country = ctx.gen, ctx.home_country()
    holder = ctx.party(country)
    p = Pattern(ctx, "velocity_spike", "aml", holder.account)
    for _ in range(int(gen.integers(3, 7))):
        ts = ctx.at_us - int(gen.uniform(1.5, 6) * DAY_US)
        shop = ctx.party(country, business=True)
        shop = Party(f"merchant:{country}-{int(gen.integers(100_000, 1_000_000))}", shop.name,
                     country, shop.currency, "")  # fmt: skip
        _pay(p, ts, holder, shop, float(gen.uniform(10, 120)), "card", "history", mcc="5411")
    burst = int(gen.integers(12, 21))
    window = ctx.hours(0.4, 0.8)
    offsets = sorted(int(gen.uniform(0, window)) for _ in range(burst))
    if gen.random() < 0.7:
        # A different shop each time, as card testers go: no shop sees a burst of its own.
        merchants = ctx.population.merchants
        for offset, m in zip(
            offsets, gen.choice(len(merchants), burst, replace=False), strict=True
        ):
            merchant = merchants[int(m)]
            eur = float(gen.uniform(15, 250))
            _pay(p, ctx.at_us + offset, holder, merchant.party, eur, "card", "target",
                 mcc=merchant.mcc)  # fmt: skip
    else:
        senders = [ctx.party(country) for _ in range(int(gen.integers(2, 5)))]
        for offset in offsets:
            sender = senders[int(gen.integers(len(senders)))]
            eur = float(gen.uniform(20, 200))
            _pay(p, ctx.at_us + offset, sender, holder, eur, "ach", "counterparty")
    return p.drafts()


def large_round_amount(ctx: Context) -> list[Draft]:
    """One transfer of a round amount in the sender's own currency, worth 10,000-200,000
    EUR."""
    gen, country = ctx.gen, ctx.home_country()
    sender = ctx.party(country, business=gen.random() < 0.5)
    p = Pattern(ctx, "large_round_amount", "aml", sender.account)
    rate_eur = to_local(1.0, sender.currency)
    thousands = int(gen.uniform(11, 200) * rate_eur)
    eur = thousands * 1_000 / rate_eur
    receiver = ctx.party(_abroad(ctx) if gen.random() < 0.3 else country, business=True)
    _pay(p, ctx.at_us, sender, receiver, eur, "wire", "target", exact=True)
    return p.drafts()


AML_BUILDERS: dict[str, Callable[[Context], list[Draft]]] = {
    "structuring": structuring,
    "rapid_movement": rapid_movement,
    "fan_in": fan_in,
    "fan_out": fan_out,
    "high_risk_jurisdiction": high_risk_jurisdiction,
    "dormant_reactivation": dormant_reactivation,
    "velocity_spike": velocity_spike,
    "large_round_amount": large_round_amount,
}
