"""What the sink read since its last flush: per (topic, partition), the offsets covered and the
rows as JSONEachRow lines, so a flush is one insert per table and one commit of the next offset
of every partition, and partitions taken away by a rebalance can be dropped uncommitted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Batch", "Insert"]

TopicPartition = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Insert:
    table: str
    data: bytes
    rows: int


@dataclass(slots=True)
class _Partition:
    last_offset: int
    records: int = 0
    lines: list[bytes] = field(default_factory=list)


class Batch:
    def __init__(self) -> None:
        self.records = 0
        self.started: float | None = None
        """When its first record arrived (monotonic seconds)."""
        self._partitions: dict[TopicPartition, _Partition] = {}

    def add(self, topic: str, partition: int, offset: int, line: bytes | None, now: float) -> None:
        """One record; `line` is its row, or None when it maps to no row."""
        if self.started is None:
            self.started = now
        buffer = self._partitions.get((topic, partition))
        if buffer is None:
            buffer = self._partitions[(topic, partition)] = _Partition(offset)
        buffer.last_offset = offset
        buffer.records += 1
        self.records += 1
        if line is not None:
            buffer.lines.append(line)

    def drop(self, partitions: Iterable[TopicPartition]) -> int:
        """Forgets what was read from `partitions` (revoked: their new owner reads it again
        from the last commit); returns how many records that was."""
        dropped = 0
        for tp in partitions:
            buffer = self._partitions.pop(tp, None)
            if buffer is not None:
                dropped += buffer.records
        self.records -= dropped
        if not self.records:
            self.started = None
        return dropped

    def due(self, now: float, max_records: int, max_age_s: float) -> bool:
        return self.records >= max_records or (
            self.started is not None and now - self.started >= max_age_s
        )

    def inserts(self, tables: Mapping[str, str]) -> list[Insert]:
        """One insert per table with rows, from the topic -> table mapping."""
        lines: dict[str, list[bytes]] = {}
        for (topic, _), buffer in self._partitions.items():
            if buffer.lines:
                lines.setdefault(tables[topic], []).extend(buffer.lines)
        return [Insert(t, b"\n".join(rows), len(rows)) for t, rows in lines.items()]

    def next_offsets(self) -> list[tuple[str, int, int]]:
        """(topic, partition, offset to commit) for every partition read."""
        return [(t, p, b.last_offset + 1) for (t, p), b in self._partitions.items()]
