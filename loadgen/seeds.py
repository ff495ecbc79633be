"""Seeded randomness. Each part of the traffic (the population, one block of background
traffic, one scenario) draws from its own stream, named by a path of integers under the run's
seed, so it comes out the same whichever process generates it and however many others run."""

from __future__ import annotations

import uuid
from enum import IntEnum

import numpy as np

__all__ = ["Stream", "event_ids", "rng"]


class Stream(IntEnum):
    """The first element of every stream path, one per part of the traffic."""

    POPULATION = 1
    NETWORK = 2
    BANKING = 3
    PAYROLL = 4
    TELEMETRY = 5
    PLAN = 6
    SCENARIO = 7


def rng(seed: int, stream: Stream, *path: int) -> np.random.Generator:
    """The generator of one named stream under `seed`."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream, *path])))


def event_ids(gen: np.random.Generator, count: int) -> list[str]:
    """`count` random UUIDs (version 4, lower case) drawn from `gen`."""
    raw = gen.bytes(16 * count)
    return [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, 16 * count, 16)]
