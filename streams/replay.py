"""Replay protection state (DESIGN.md section 4): per (key id, record key), the last accepted
sequence number and the partition offset of the record that carried it.

A record at an offset at or below the stored one is a redelivery after a crash (process it
idempotently); a record at a new offset with an old sequence number is a replay.
"""

from __future__ import annotations

import abc
import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

__all__ = ["ReplayCheck", "ReplayGuard", "SeenRecord", "SqliteReplayGuard"]


# Sequence numbers are unsigned 64-bit, SQLite integers signed: shifting by 2**63 keeps the
# order and fits every value.
_SEQ_SHIFT = 1 << 63


class ReplayCheck(Enum):
    NEW = "new"
    REDELIVERY = "redelivery"
    REPLAY = "replay"


@dataclass(frozen=True, slots=True)
class SeenRecord:
    seq: int
    partition: int
    offset: int


def classify(last: SeenRecord | None, seq: int, partition: int, offset: int) -> ReplayCheck:
    if last is None or seq > last.seq:
        return ReplayCheck.NEW
    if partition == last.partition and offset <= last.offset:
        return ReplayCheck.REDELIVERY
    return ReplayCheck.REPLAY


class ReplayGuard(abc.ABC):
    """Checks records in order and remembers the accepted ones; `commit` makes them durable."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str, bytes], SeenRecord] = {}

    @abc.abstractmethod
    def _load(self, kid: str, key: bytes) -> SeenRecord | None: ...

    @abc.abstractmethod
    def _store(self, entries: dict[tuple[str, bytes], SeenRecord]) -> None: ...

    def check(self, kid: str, key: bytes, seq: int, partition: int, offset: int) -> ReplayCheck:
        """Classifies one record; a NEW record is remembered (uncommitted) at once, so later
        records of the same batch are checked against it."""
        last = self._pending.get((kid, key)) or self._load(kid, key)
        verdict = classify(last, seq, partition, offset)
        if verdict is ReplayCheck.NEW:
            self._pending[(kid, key)] = SeenRecord(seq, partition, offset)
        return verdict

    def commit(self) -> None:
        if self._pending:
            self._store(self._pending)
            self._pending = {}


class SqliteReplayGuard(ReplayGuard):
    """Durable state in one SQLite file, committed once per batch."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Used from the verifier's worker thread as well as the caller's; calls never overlap.
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen (kid TEXT NOT NULL, key BLOB NOT NULL,"
            " seq INTEGER NOT NULL, part INTEGER NOT NULL, off INTEGER NOT NULL,"
            " PRIMARY KEY (kid, key))"
        )
        self._db.commit()

    def _load(self, kid: str, key: bytes) -> SeenRecord | None:
        row = self._db.execute(
            "SELECT seq, part, off FROM seen WHERE kid = ? AND key = ?", (kid, key)
        ).fetchone()
        return None if row is None else SeenRecord(row[0] + _SEQ_SHIFT, row[1], row[2])

    def _store(self, entries: dict[tuple[str, bytes], SeenRecord]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT INTO seen (kid, key, seq, part, off) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (kid, key) DO UPDATE SET seq = excluded.seq,"
                " part = excluded.part, off = excluded.off",
                [
                    (kid, key, s.seq - _SEQ_SHIFT, s.partition, s.offset)
                    for (kid, key), s in entries.items()
                ],
            )

    def close(self) -> None:
        self._db.close()
