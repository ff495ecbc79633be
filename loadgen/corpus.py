"""Pre-signed corpus files: records signed once (`--write-corpus`) and produced later at rate
(`--corpus`), so that signing does not compete with producing for the same cores.

Layout: the magic `QRLGCORPUS1\\n`, a u32 length and a JSON header, then one segment per
writing process. A segment holds the records of one producer key id in the order they were
signed, each one frame (all integers big-endian):

    u32 frame length | u16 len topic | topic | u32 len key | key | u32 len value | value
    | u8 headers | (u8 len name | name | u16 len value | value) per header

A segment must be produced by one producer, in order: sequence numbers only increase within
it. The records keep the qr-ts of their signing, so the worker accepts them only within its
clock-skew window (QR_MAX_CLOCK_SKEW_S, 300 s) of the writing, and only once per app id
(a second run is all replays).
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from loadgen.signer import KafkaRecord

__all__ = [
    "CorpusError",
    "CorpusPart",
    "Segment",
    "assemble",
    "part_path",
    "read_header",
    "read_segment",
]

MAGIC = b"QRLGCORPUS1\n"
_U32 = struct.Struct(">I")
_BUFFER = 1 << 20


class CorpusError(ValueError):
    """A corpus file that cannot be read."""


@dataclass(frozen=True)
class Segment:
    kid: str
    records: int
    first_ts_us: int
    last_ts_us: int
    """Signing times (qr-ts) of the first and last record."""
    offset: int = 0
    length: int = 0


def _frame(record: KafkaRecord) -> bytes:
    topic = record.topic.encode()
    parts = [
        struct.pack(">H", len(topic)), topic,
        _U32.pack(len(record.key)), record.key,
        _U32.pack(len(record.value)), record.value,
        bytes((len(record.headers),)),
    ]  # fmt: skip
    for name, value in record.headers:
        name_b = name.encode()
        parts += [bytes((len(name_b),)), name_b, struct.pack(">H", len(value)), value]
    body = b"".join(parts)
    return _U32.pack(len(body)) + body


def _parse(body: bytes) -> KafkaRecord:
    (n,) = struct.unpack_from(">H", body, 0)
    at = 2 + n
    topic = body[2:at].decode()
    (n,) = _U32.unpack_from(body, at)
    key = body[at + 4 : at + 4 + n]
    at += 4 + n
    (n,) = _U32.unpack_from(body, at)
    value = body[at + 4 : at + 4 + n]
    at += 4 + n
    headers = []
    count, at = body[at], at + 1
    for _ in range(count):
        n = body[at]
        name = body[at + 1 : at + 1 + n].decode()
        at += 1 + n
        (m,) = struct.unpack_from(">H", body, at)
        headers.append((name, body[at + 2 : at + 2 + m]))
        at += 2 + m
    return KafkaRecord(topic, key, value, headers)


class CorpusPart:
    """The records one process signs, written to its own part file."""

    def __init__(self, path: Path, kid: str) -> None:
        self.path = path
        self.kid = kid
        self.records = 0
        self.first_ts_us = self.last_ts_us = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = path.open("wb", buffering=_BUFFER)

    def write(self, records: Sequence[KafkaRecord], ts_us: int) -> None:
        if not records:
            return
        if not self.records:
            self.first_ts_us = ts_us
        self.last_ts_us = ts_us
        self._file.write(b"".join(_frame(r) for r in records))
        self.records += len(records)

    def close(self) -> Segment:
        self._file.close()
        return Segment(self.kid, self.records, self.first_ts_us, self.last_ts_us)


def assemble(path: Path, parts: Sequence[tuple[Path, Segment]], meta: dict[str, Any]) -> None:
    """Writes the corpus file from the part files (deleted afterwards)."""
    segments, offset = [], 0
    for part, segment in parts:
        length = part.stat().st_size
        segments.append(asdict(segment) | {"offset": offset, "length": length})
        offset += length
    header = orjson.dumps(meta | {"segments": segments})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(MAGIC + _U32.pack(len(header)) + header)
        for part, _ in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, _BUFFER)
    for part, _ in parts:
        part.unlink()


def read_header(path: Path) -> tuple[dict[str, Any], list[Segment]]:
    """The corpus header and its segments, with offsets from the start of the file."""
    try:
        with path.open("rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise CorpusError(f"{path} is not a loadgen corpus file")
            (n,) = _U32.unpack(f.read(4))
            header: dict[str, Any] = orjson.loads(f.read(n))
    except (OSError, struct.error, orjson.JSONDecodeError) as err:
        raise CorpusError(f"cannot read corpus {path}: {err}") from None
    base = len(MAGIC) + 4 + n
    segments = [Segment(**(s | {"offset": base + s["offset"]})) for s in header.pop("segments", [])]
    return header, segments


def read_segment(path: Path, segment: Segment, batch: int = 512) -> Iterator[list[KafkaRecord]]:
    """The records of one segment, in batches."""
    with path.open("rb", buffering=_BUFFER) as f:
        f.seek(segment.offset)
        left = segment.length
        records: list[KafkaRecord] = []
        while left > 0:
            raw = f.read(4)
            if len(raw) < 4:
                raise CorpusError(f"{path} is truncated")
            (n,) = _U32.unpack(raw)
            body = f.read(n)
            if len(body) < n:
                raise CorpusError(f"{path} is truncated")
            records.append(_parse(body))
            left -= 4 + n
            if len(records) >= batch:
                yield records
                records = []
        if records:
            yield records


def part_path(corpus: Path, index: int) -> Path:
    """Where process `index` writes its segment before `assemble` joins them."""
    return corpus.with_name(f"{corpus.name}.part{index}")
