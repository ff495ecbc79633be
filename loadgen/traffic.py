"""The whole generated stream: background payments and telemetry block by block, with the
scenario drafts of each block merged in by event time.

Block b goes to process b mod N; every process still walks every block's scenario plan and
size (cheap), so it knows where the global count ends and the union of all processes' output
is the same stream for any N.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from loadgen.banking import Banking
from loadgen.draft import Draft
from loadgen.network import Network
from loadgen.plan import Plan
from loadgen.population import Population
from loadgen.telemetry import Telemetry
from loadgen.timeline import Timeline

__all__ = ["Traffic", "TrafficConfig"]


@dataclass(frozen=True)
class TrafficConfig:
    seed: int
    start_us: int
    """Event time of the first record."""
    accounts: int = 20_000
    telemetry_share: float = 0.3
    """Share of background records that are handshakes rather than payments."""
    scenario_every: int = 2_000
    """Background records between the starts of two scenarios; 0 injects none."""
    block_size: int = 256
    key_prefix: str = "loadgen"


class Traffic:
    def __init__(self, config: TrafficConfig) -> None:
        if not 0.0 <= config.telemetry_share < 1.0:
            raise ValueError("telemetry_share must be in [0, 1)")
        self.config = config
        self.population = Population(config.seed, config.accounts)
        self.banking = Banking(self.population, config.seed, config.start_us)
        self.network = Network(config.seed, config.start_us)
        self.telemetry = Telemetry(self.network, config.seed)
        per_day = self.population.transactions_per_day / (1.0 - config.telemetry_share)
        self.timeline = Timeline(config.start_us, per_day, config.block_size)
        self.plan = Plan(
            config.seed,
            config.scenario_every,
            self.timeline,
            self.population,
            self.network,
            config.key_prefix,
            config.start_us,
        )

    def _telemetry_count(self, block: int) -> int:
        share, size = self.config.telemetry_share, self.config.block_size
        return int((block + 1) * size * share) - int(block * size * share)

    def blocks(
        self, process: int = 0, processes: int = 1, count: int | None = None
    ) -> Iterator[list[Draft]]:
        """This process's drafts, one list per block in event-time order, until the whole
        stream (all processes) has `count` records, or forever."""
        size, position, block = self.config.block_size, 0, 0
        while count is None or position < count:
            start, end = self.timeline.start(block), self.timeline.end(block)
            scenario = self.plan.drafts(block)
            telemetry = self._telemetry_count(block)
            total = size + self.banking.payroll_count(start, end) + len(scenario)
            if block % processes == process:
                drafts = (
                    self.banking.block(block, start, end, size - telemetry)
                    + self.banking.payroll(start, end)
                    + self.telemetry.block(block, start, end, telemetry)
                )
                # Stable: scenario drafts follow background drafts of the same microsecond,
                # and an integrity burst (one shared time) keeps its order.
                drafts = sorted(drafts + scenario, key=lambda d: d.ts_us)
                if count is not None and position + total > count:
                    drafts = drafts[: count - position]
                yield drafts
            position += total
            block += 1
