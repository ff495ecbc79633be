"""Where the scenarios go: scenario number j starts at background event `every * (j + 1)`, and
typologies take turns in rounds that hold each once (shuffled by the seed), so any run long
enough for a round injects every typology.

Bulk exfiltration is held back until the worker's anomaly model has seen enough flows to have
warmed up (it may not fire before); its turn passes to the next typology until then.

A scenario's drafts are emitted with the block that holds their event time, backdated history
with the block where the scenario starts.
"""

from __future__ import annotations

from collections import defaultdict

from loadgen.draft import Draft
from loadgen.network import Network
from loadgen.population import Population
from loadgen.scenarios import BUILDERS, TYPOLOGIES, Context
from loadgen.seeds import Stream, rng
from loadgen.timeline import Timeline

__all__ = ["WARM_UP", "Plan"]

# Background events before the first bulk_exfiltration: about 2,400 flows at the default
# telemetry share, enough for the default exfil_warm_up of 1,000 flows on each of two workers.
WARM_UP = {"bulk_exfiltration": 8_000}


class Plan:
    def __init__(
        self,
        seed: int,
        every: int,
        timeline: Timeline,
        population: Population,
        network: Network,
        key_prefix: str,
        start_us: int,
    ) -> None:
        self.seed = seed
        self.every = every
        self.timeline = timeline
        self.population = population
        self.network = network
        self.key_prefix = key_prefix
        self.start_us = start_us
        self._number = 0
        self._rounds = 0
        self._queue: list[str] = []
        self._pending: defaultdict[int, list[Draft]] = defaultdict(list)

    def typology(self, anchor: int) -> str:
        """The typology of the next scenario, starting at background event `anchor`."""
        while True:
            for i, name in enumerate(self._queue):
                if anchor >= WARM_UP.get(name, 0):
                    return self._queue.pop(i)
            order = rng(self.seed, Stream.PLAN, self._rounds).permutation(len(TYPOLOGIES))
            self._queue += [TYPOLOGIES[i] for i in order]
            self._rounds += 1

    def drafts(self, block: int) -> list[Draft]:
        """The scenario drafts emitted with `block`; call for blocks 0, 1, 2, ... in order."""
        size = self.timeline.block_size
        while self.every > 0 and self.every * (self._number + 1) // size <= block:
            self._start(self.every * (self._number + 1))
        return self._pending.pop(block, [])

    def _start(self, anchor: int) -> None:
        number = self._number
        self._number += 1
        name = self.typology(anchor)
        ctx = Context(
            sid=f"S{number:06d}",
            number=number,
            at_us=self.timeline.time_of(anchor),
            start_us=self.start_us,
            population=self.population,
            network=self.network,
            key_prefix=self.key_prefix,
            gen=rng(self.seed, Stream.SCENARIO, number),
        )
        first = anchor // self.timeline.block_size
        for draft in BUILDERS[name](ctx):
            self._pending[max(first, self.timeline.block_of(draft.ts_us))].append(draft)
