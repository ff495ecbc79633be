"""Per-key-id sequence numbers that survive restarts (DESIGN.md section 4: `qr-seq` strictly
increases per key id and record key; one counter per key id satisfies every record key).

Numbers are reserved in blocks: the end of the block is written and fsynced before any number
of it is used, so a restarted or crashed producer resumes above everything it may have sent,
at the cost of skipping the unused rest of a block.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

__all__ = ["SequenceFile"]

DEFAULT_BLOCK = 100_000


class SequenceFile:
    def __init__(self, path: Path, block: int = DEFAULT_BLOCK) -> None:
        if block < 1:
            raise ValueError("block must be at least 1")
        self.path = path
        self.block = block
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._next = self._read_reserved() + 1
        self._reserved = self._next - 1

    def _read_reserved(self) -> int:
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return 0
        if not text.isdigit():
            raise ValueError(f"{self.path} does not hold a sequence number: {text[:40]!r}")
        return int(text)

    def _reserve(self, until: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w") as f:
            f.write(f"{until}\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)
        self._reserved = until

    def take(self, count: int) -> range:
        """`count` fresh, increasing sequence numbers."""
        with self._lock:
            first = self._next
            last = first + count - 1
            if last > self._reserved:
                self._reserve(last + self.block)
            self._next = last + 1
            return range(first, last + 1)
