"""What every scenario builder gets (`Context`) and how it assembles its labelled drafts
(`Pattern`).

A scenario's entities are fresh accounts and hosts, not members of the background population:
its backdated history (a dormant account's old payments, a velocity spike's earlier days)
then touches no account whose state the background has already advanced, so the injection
cannot make a clean entity look suspicious.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from loadgen import ids, names
from loadgen.draft import AlertKind, Craft, Draft, Label, ScenarioInfo, StreamName
from loadgen.network import Network
from loadgen.population import Party, Population, currency_of
from loadgen.seeds import event_ids

__all__ = ["Context", "Pattern"]


@dataclass(frozen=True)
class Context:
    sid: str
    number: int
    at_us: int
    """Event time at which the pattern starts (history may lie before it)."""
    start_us: int
    """Event time of the run's start."""
    population: Population
    network: Network
    key_prefix: str
    gen: np.random.Generator

    def party(self, country: str, business: bool = False, currency: str | None = None) -> Party:
        """A fresh account holder."""
        gen = self.gen
        name = names.company_name(gen, country) if business else names.person_name(gen, country)
        return Party(
            ids.account_number(gen, country),
            name,
            country,
            currency or currency_of(country),
            ids.bic(gen, country),
        )

    def home_country(self) -> str:
        return self.population.accounts[int(self.gen.integers(self.population.size))].party.country

    def event_id(self) -> str:
        return event_ids(self.gen, 1)[0]

    def hours(self, lo: float, hi: float) -> int:
        """A random offset between `lo` and `hi` hours, in microseconds."""
        return int(self.gen.uniform(lo, hi) * 3_600_000_000)


@dataclass
class Pattern:
    """The records of one scenario, labelled once they are all known."""

    ctx: Context
    typology: str
    kind: AlertKind
    entity: str | None
    _items: list[tuple[StreamName, str, dict[str, Any], int, str, Craft | None, str | None]] = (
        field(default_factory=list)
    )

    def add(
        self,
        stream: StreamName,
        key: str,
        payload: dict[str, Any],
        ts_us: int,
        role: str,
        craft: Craft | None = None,
        rogue_kid: str | None = None,
    ) -> None:
        self._items.append((stream, key, payload, ts_us, role, craft, rogue_kid))

    def transaction(self, payload: dict[str, Any], role: str) -> None:
        self.add("transactions", payload["sender_account"], payload, payload["ts_us"], role)

    def telemetry(self, payload: dict[str, Any], role: str) -> None:
        self.add("telemetry", payload["sensor"], payload, payload["ts_us"], role)

    def drafts(self) -> list[Draft]:
        """The drafts in event-time order (the order they are sent in)."""
        info = ScenarioInfo(self.ctx.sid, self.typology, self.kind, self.entity, len(self._items))
        items = sorted(self._items, key=lambda item: item[3])
        return [
            Draft(stream, key, payload, ts, Label(info, role, craft, rogue))
            for stream, key, payload, ts, role, craft, rogue in items
        ]
