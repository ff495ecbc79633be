"""Clean background payments: what the population pays in one block of event time, plus the
salaries of the employers whose payday falls in it.

Card payments go to favourite or popular merchants, bills and ATMs; transfers go only to each
account's regular payees; cash and crypto stay with the holder's own cash source and wallet.
Amounts of transfers just under the 10,000 EUR reporting threshold are rare (most are thinned
to below half of it), as in a population where nobody structures; large amounts carry cents.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np

from loadgen.draft import Draft
from loadgen.money import format_amount, to_local
from loadgen.population import Account, Employer, Party, Population
from loadgen.seeds import Stream, event_ids, rng
from loadgen.timeline import DAY_US

__all__ = ["Banking", "transaction"]

# Candidate structuring band of the AML features (5,000-9,999.99 EUR on cash and transfers):
# only this share of transfers drawn into it stays there.
BAND_EUR = (5_000.0, 10_000.0)
BAND_KEEP = 0.15
# The AML state knows nothing of an account before its first leg in the stream, so in its
# first days a business that pays suppliers about as fast as its invoices come in looks like
# money passed straight through (the rules' documented cold start: an account's typical day is
# the floor until it has history, and the estimate from its first, night-time hours stays low
# for another day). Businesses settle in: their payments to suppliers grow to their full size
# while the counts stay steady. Most start at a twentieth and grow slowly at first, over three
# days. Busy ones (from BUSY_RATE transfers a day) can reach the velocity rule's 10 legs an
# hour, where fast-growing amounts would look like a spike in the hourly sum: they start at
# 30 % and grow evenly over a week.
BUSY_RATE = 30.0
QUIET_SETTLING = (3 * DAY_US, 0.05, 2.0)
BUSY_SETTLING = (7 * DAY_US, 0.3, 1.0)


def settled(progress: float, first: float, power: float) -> float:
    """Share of its usual size a business's payment has, `progress` of the way (0-1) through
    its settling time."""
    return first + (1.0 - first) * math.pow(progress, power)


ATM_AMOUNTS = (20, 50, 100, 100, 200, 200, 300, 500)
_RETAIL_TRANSFERS = (("p2p", 0.45), ("rent", 0.15), ("foreign", 0.08), ("crypto", 0.12),
                     ("cash", 0.20))  # fmt: skip
_BUSINESS_TRANSFERS = (("supplier", 0.70), ("foreign", 0.12), ("cash", 0.18))


def transaction(
    event_id: str,
    ts_us: int,
    sender: Party,
    receiver: Party,
    amount: str,
    channel: str,
    *,
    mcc: str | None = None,
    reference: str | None = None,
) -> dict[str, Any]:
    """A `Transaction` payload in the sender's currency; banks only on the bank rails."""
    txn: dict[str, Any] = {
        "schema_version": 1,
        "event_id": event_id,
        "ts_us": ts_us,
        "sender_account": sender.account,
        "receiver_account": receiver.account,
        "sender_name": sender.name,
        "receiver_name": receiver.name,
        "amount": amount,
        "currency": sender.currency,
        "channel": channel,
        "sender_country": sender.country,
        "receiver_country": receiver.country,
    }
    if channel in ("wire", "ach"):
        txn["sender_bank"] = sender.bic
        txn["receiver_bank"] = receiver.bic
    if mcc is not None:
        txn["mcc"] = mcc
    if reference is not None:
        txn["reference"] = reference
    return txn


def _month(ts_us: int) -> str:
    return datetime.fromtimestamp(ts_us / 1e6, UTC).strftime("%m/%Y")


def _choose(options: tuple[tuple[str, float], ...], allowed: set[str], u: float) -> str | None:
    usable = [(kind, w) for kind, w in options if kind in allowed]
    total = sum(w for _, w in usable)
    for kind, w in usable:
        u -= w / total
        if u < 0:
            return kind
    return usable[-1][0] if usable else None


def _thin_band(eur: float, u: float) -> float:
    if BAND_EUR[0] <= eur < BAND_EUR[1] and u >= BAND_KEEP:
        return eur * 0.45
    return eur


class Banking:
    def __init__(self, population: Population, seed: int, start_us: int) -> None:
        self.population = population
        self.seed = seed
        self.start_us = start_us
        rate = population.transfer_rate
        self._settling = {
            i: BUSY_SETTLING if rate[i] >= BUSY_RATE else QUIET_SETTLING
            for i, a in enumerate(population.accounts)
            if a.business
        }
        self._paydays: dict[int, list[int]] = {}
        for i, employer in enumerate(population.employers):
            self._paydays.setdefault(employer.payday, []).append(i)

    def block(self, block: int, start_us: int, end_us: int, count: int) -> list[Draft]:
        """`count` payments initiated in [start_us, end_us), in time order."""
        pop = self.population
        gen = rng(self.seed, Stream.BANKING, block)
        who = pop.draw_accounts(gen, count)
        times = np.sort(gen.integers(start_us, end_us, count)).tolist()
        u = gen.random((count, 5)).tolist()
        z = gen.standard_normal(count).tolist()
        eids = event_ids(gen, count)
        drafts = []
        for i, a in enumerate(who.tolist()):
            account = pop.accounts[a]
            ui = u[i]
            if ui[0] < pop.card_share[a]:
                txn = self._card(account, eids[i], times[i], ui, z[i])
            elif ui[0] < pop.card_share[a] + pop.revenue_share[a]:
                txn = self._invoice(account, eids[i], times[i], ui, z[i])
            else:
                scale = self._scale(a, times[i])
                txn = self._transfer(account, eids[i], times[i], ui, z[i], scale)
            drafts.append(Draft("transactions", txn["sender_account"], txn, times[i]))
        return drafts

    def _card(
        self, account: Account, eid: str, ts: int, u: list[float], z: float
    ) -> dict[str, Any]:
        pop, holder = self.population, account.party
        if not account.business and u[1] < 0.06 and pop.bill_merchants:
            merchant = pop.merchants[pop.bill_merchants[int(u[2] * len(pop.bill_merchants))]]
            eur = min(max(math.exp(math.log(60) + 0.5 * z), 5.0), 600.0)
        elif not account.business and u[1] < 0.12:
            atms = pop.atms[holder.country]
            atm = atms[int(u[2] * len(atms))]
            local = ATM_AMOUNTS[int(u[3] * len(ATM_AMOUNTS))]
            return transaction(
                eid, ts, holder, atm, format_amount(local, holder.currency), "card", mcc="6011"
            )
        else:
            if u[2] < 0.7:
                merchant = pop.merchants[account.favourites[int(u[3] * len(account.favourites))]]
            else:
                merchant = pop.draw_merchant(u[3])
            median, cap = (60.0, 5_000.0) if account.business else (28.0, 2_500.0)
            eur = min(max(math.exp(math.log(median) + 0.9 * z), 1.0), cap)
        amount = format_amount(to_local(eur, holder.currency), holder.currency)
        return transaction(eid, ts, holder, merchant.party, amount, "card", mcc=merchant.mcc)

    def _invoice(
        self, account: Account, eid: str, ts: int, u: list[float], z: float
    ) -> dict[str, Any]:
        """A customer paying one of the business's invoices."""
        client = account.clients[int(u[2] * len(account.clients))]
        eur = min(max(math.exp(math.log(account.invoice_eur) + 0.45 * z), 20.0), 150_000.0)
        eur = _thin_band(eur, u[4])
        amount = format_amount(to_local(eur, client.currency), client.currency)
        channel = "wire" if client.country != account.party.country or u[3] < 0.5 else "ach"
        reference = f"INV {_month(ts)[3:]}-{int(u[4] * 10_000):04d}"
        return transaction(eid, ts, client, account.party, amount, channel, reference=reference)

    def _scale(self, account: int, ts: int) -> float:
        """How far the account has settled in at `ts` (1 for all but young businesses)."""
        settling = self._settling.get(account)
        if settling is None or ts - self.start_us >= settling[0]:
            return 1.0
        return settled((ts - self.start_us) / settling[0], settling[1], settling[2])

    def _transfer(
        self, account: Account, eid: str, ts: int, u: list[float], z: float, scale: float
    ) -> dict[str, Any]:
        holder = account.party
        roles = {p.role for p in account.payees}
        if account.business:
            allowed = roles | ({"cash"} if account.deposits_cash else set())
            kind = _choose(_BUSINESS_TRANSFERS, allowed, u[1])
        else:
            allowed = roles | ({"crypto"} if account.wallet else set())
            allowed |= {"cash"} if account.deposits_cash else set()
            kind = _choose(_RETAIL_TRANSFERS, allowed, u[1])
        if kind is None or kind == "cash":
            median, cap = (900.0, 4_500.0) if account.business else (250.0, 3_000.0)
            eur = min(max(math.exp(math.log(median) + 0.8 * z), 20.0), cap)
            source = Party("cash:" + holder.account, holder.name, holder.country,
                           holder.currency, holder.bic)  # fmt: skip
            amount = format_amount(to_local(eur, holder.currency), holder.currency)
            return transaction(eid, ts, source, holder, amount, "cash")
        if kind == "crypto" and account.wallet is not None:
            wallet = Party(account.wallet, holder.name, holder.country, holder.currency, "")
            eur = min(max(math.exp(math.log(150) + z), 10.0), 2_500.0)
            sender, receiver = (holder, wallet) if u[3] < 0.6 else (wallet, holder)
            amount = format_amount(to_local(eur, holder.currency), holder.currency)
            return transaction(eid, ts, sender, receiver, amount, "crypto")
        payees = [p for p in account.payees if p.role == kind]
        payee = payees[int(u[2] * len(payees))]
        if kind == "rent":
            eur, channel, reference = payee.amount_eur, "ach", f"Rent {_month(ts)}"
        elif kind == "p2p":
            eur = min(max(math.exp(math.log(payee.amount_eur) + 0.6 * z), 5.0), 3_000.0)
            channel, reference = ("ach" if u[3] < 0.7 else "wire"), None
        else:
            spread, cap = (0.6, 120_000.0) if account.business else (0.8, 4_900.0)
            eur = min(max(math.exp(math.log(payee.amount_eur) + spread * z), 20.0), cap)
            eur = _thin_band(eur, u[4]) * scale
            channel = "wire" if kind == "foreign" or u[3] < 0.5 else "ach"
            reference = (
                f"INV {_month(ts)[3:]}-{int(u[4] * 10_000):04d}" if account.business else None
            )
        amount = format_amount(to_local(eur, holder.currency), holder.currency)
        return transaction(eid, ts, holder, payee.party, amount, channel, reference=reference)

    def _paydays_in(self, start_us: int, end_us: int) -> Iterator[tuple[int, int, Employer, int]]:
        """(day number, employer index, employer, payment time) of the payrolls in range."""
        for day in range(start_us // DAY_US, (end_us - 1) // DAY_US + 1):
            dom = datetime.fromtimestamp(day * DAY_US / 1e6, UTC).day
            for e in self._paydays.get(dom, ()):
                employer = self.population.employers[e]
                at = day * DAY_US + employer.offset_s * 1_000_000
                if start_us <= at < end_us:
                    yield day, e, employer, at

    def payroll_count(self, start_us: int, end_us: int) -> int:
        return sum(len(emp.employees) for _, _, emp, _ in self._paydays_in(start_us, end_us))

    def payroll(self, start_us: int, end_us: int) -> list[Draft]:
        """Salaries paid in [start_us, end_us): each employer pays its staff on its payday."""
        drafts = []
        for day, e, employer, at in self._paydays_in(start_us, end_us):
            drafts += self._salaries(day, e, employer, at)
        return drafts

    def _salaries(self, day: int, index: int, employer: Employer, at: int) -> list[Draft]:
        # Keyed by the day of the run, so a later start gives the same salaries.
        gen = rng(self.seed, Stream.PAYROLL, day - self.start_us // DAY_US, index)
        eids = event_ids(gen, len(employer.employees))
        noise = gen.normal(0.0, 0.02, len(employer.employees)).tolist()
        drafts = []
        for k, ((a, salary), eid) in enumerate(zip(employer.employees, eids, strict=True)):
            ts = at + k * 1_500_000
            party = employer.party
            eur = salary * (1.0 + noise[k])
            receiver = self.population.accounts[a].party
            amount = format_amount(to_local(eur, party.currency), party.currency)
            txn = transaction(
                eid, ts, party, receiver, amount, "ach", reference=f"Salary {_month(ts)}"
            )
            drafts.append(Draft("transactions", party.account, txn, ts))
        return drafts
