"""Replay state in a Faust table keyed by record key, so it is co-partitioned with the input
stream, moves with its partition on rebalance and is restored from the table's changelog.

One table value per record key: `{key id: [seq, partition, offset]}` as JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, MutableMapping
from contextlib import AbstractContextManager

import orjson

from streams.replay import ReplayGuard, SeenRecord

__all__ = ["TableReplayGuard"]

# Enters the partition context of the record a key belongs to (see streams/faust_events.py).
ContextFor = Callable[[bytes], AbstractContextManager[None]]


def _unbound(key: bytes) -> AbstractContextManager[None]:
    raise RuntimeError("TableReplayGuard used before an agent bound it to its events")


class TableReplayGuard(ReplayGuard):
    def __init__(self, table: MutableMapping[bytes, bytes]) -> None:
        super().__init__()
        self.table = table
        self.context_for: ContextFor = _unbound
        # The value of each key read since the last commit, decoded: committing a batch then
        # updates it without reading and decoding the table a second time.
        self._read: dict[bytes, dict[str, list[int]]] = {}

    def bind(self, context_for: ContextFor) -> None:
        """The agent that owns the table tells how to enter the partition of a record key."""
        self.context_for = context_for

    def _load(self, kid: str, key: bytes) -> SeenRecord | None:
        current = self._read.get(key)
        if current is None:
            with self.context_for(key):
                raw = self.table.get(key)
            current = self._read[key] = orjson.loads(raw) if raw is not None else {}
        seen = current.get(kid)
        return None if seen is None else SeenRecord(*seen)

    def commit(self) -> None:
        super().commit()
        self._read = {}  # the next batch may come after a rebalance: read the table again

    def _store(self, entries: dict[tuple[str, bytes], SeenRecord]) -> None:
        by_key: dict[bytes, dict[str, SeenRecord]] = defaultdict(dict)
        for (kid, key), seen in entries.items():
            by_key[key][kid] = seen
        for key, kids in by_key.items():
            with self.context_for(key):
                current = self._read.get(key)
                if current is None:
                    raw = self.table.get(key)
                    current = orjson.loads(raw) if raw is not None else {}
                for kid, s in kids.items():
                    current[kid] = [s.seq, s.partition, s.offset]
                self.table[key] = orjson.dumps(current)
