"""Replaying a transaction CSV (plain or gzip): rows mapped by a `ColumnMap`, optionally paced
by the data's own timestamps, with the ground truth written as JSON lines as the rows go.

Event ids are `event_id(file name, row number)`, so a re-run of the same file names the same
events and an earlier labels file stays valid.
"""

from __future__ import annotations

import csv
import gzip
import io
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson
from pydantic import ValidationError

from streams.errors import ConfigError
from streams.ingest.csv_map import ColumnMap, MappedRow, RowError, event_id

__all__ = [
    "AccountLabel",
    "CsvReplay",
    "Pacer",
    "ReplayStats",
    "load_account_labels",
    "open_text",
]

GZIP_MAGIC = b"\x1f\x8b"


@contextmanager
def open_text(path: Path) -> Iterator[IO[str]]:
    """The file as text, gunzipped when it starts with the gzip magic (whatever its name)."""
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == GZIP_MAGIC
        binary = gzip.open(path, "rb") if gzipped else path.open("rb")
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from err
    with binary, io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
        yield text


def _dedupe(header: list[str]) -> list[str]:
    """Repeated column names get `.1`, `.2`, ... as pandas names them (AMLworld has two
    `Account` columns), so presets can name each."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(f"{name}.{n}" if n else name)
    return out


@dataclass(frozen=True)
class AccountLabel:
    label: int
    typology: str | None


def load_account_labels(path: Path) -> dict[str, AccountLabel]:
    """A CSV with columns `account`, `label` (0/1) and optionally `typology`."""
    labels: dict[str, AccountLabel] = {}
    with open_text(path) as text:
        reader = csv.DictReader(text)
        header = reader.fieldnames or []
        if "account" not in header or "label" not in header:
            raise ConfigError(f"{path}: needs columns account and label (has: {header})")
        for number, row in enumerate(reader, 2):
            flag = row["label"].strip()
            if flag not in {"0", "1"}:
                raise ConfigError(f"{path}:{number}: label {flag!r} is not 0 or 1")
            typology = (row.get("typology") or "").strip() or None
            labels[row["account"].strip()] = AccountLabel(int(flag), typology)
    return labels


class Pacer:
    """Holds each event back until its data time, scaled by `speed`, has passed since the
    first event (speed 1 is real time, 60 a minute of data per second)."""

    def __init__(
        self,
        speed: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.speed = speed
        self._clock = clock
        self._sleep = sleep
        self._origin: tuple[int, float] | None = None

    def wait(self, ts_us: int) -> None:
        if self._origin is None:
            self._origin = (ts_us, self._clock())
            return
        data_start, wall_start = self._origin
        due = wall_start + (ts_us - data_start) / 1_000_000 / self.speed
        # Rows out of time order go at once rather than rewind the clock.
        delay = due - self._clock()
        if delay > 0:
            self._sleep(delay)


@dataclass
class ReplayStats:
    rows: int = 0
    events: int = 0
    invalid: int = 0
    invalid_example: str | None = None
    positives: int = 0
    labelled: int = 0


class CsvReplay:
    """`events()` yields the mapped rows of `path` in file order; `stats` counts as it goes,
    and each labelled event's truth goes to `labels_out` (event_id, account, label,
    typology)."""

    def __init__(
        self,
        path: Path,
        columns: ColumnMap,
        *,
        account_labels: Mapping[str, AccountLabel] | None = None,
        labels_out: IO[bytes] | None = None,
        pacer: Pacer | None = None,
        limit: int | None = None,
    ) -> None:
        self.path = path
        self.columns = columns
        self.account_labels = account_labels
        self.labels_out = labels_out
        self.pacer = pacer
        self.limit = limit
        self.stats = ReplayStats()

    def check(self) -> None:
        """Raises CsvMapError unless the file has every column the map names."""
        with open_text(self.path) as text:
            self._header(csv.reader(text))

    def _header(self, reader: Iterator[list[str]]) -> list[str]:
        header = _dedupe(next(reader, []))
        self.columns.check_header(header, str(self.path))
        return header

    def events(self) -> Iterator[MappedRow]:
        with open_text(self.path) as text:
            reader = csv.reader(text)
            header = self._header(reader)
            for number, values in enumerate(reader, 1):
                if self.limit is not None and self.stats.rows >= self.limit:
                    return
                if not values:
                    continue
                self.stats.rows += 1
                mapped = self._map(dict(zip(header, values, strict=False)), number)
                if mapped is not None:
                    if self.pacer is not None:
                        self.pacer.wait(mapped.transaction.ts_us)
                    yield mapped

    def _map(self, row: dict[str, str], number: int) -> MappedRow | None:
        stats = self.stats
        try:
            mapped = self.columns.map(row, event_id(self.path.name, number))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            self._invalid(number, f"{where}: {first['msg']}")
            return None
        except (RowError, KeyError) as err:
            # KeyError: a short row, without the column
            self._invalid(number, f"{type(err).__name__}: {err}")
            return None
        stats.events += 1
        mapped = self._with_account_label(mapped)
        if mapped.label is not None:
            stats.labelled += 1
            stats.positives += mapped.label
            if self.labels_out is not None:
                self.labels_out.write(
                    orjson.dumps(
                        {
                            "event_id": mapped.transaction.event_id,
                            "account": mapped.transaction.sender_account,
                            "label": mapped.label,
                            "typology": mapped.typology,
                        },
                        option=orjson.OPT_APPEND_NEWLINE,
                    )
                )
        return mapped

    def _with_account_label(self, mapped: MappedRow) -> MappedRow:
        if self.account_labels is None:
            return mapped
        known = self.account_labels.get(mapped.transaction.sender_account)
        if known is None:
            return MappedRow(mapped.transaction, mapped.label or 0, mapped.typology)
        # A transaction labelled in the file keeps its own label when positive.
        label = max(known.label, mapped.label or 0)
        return MappedRow(mapped.transaction, label, mapped.typology or known.typology)

    def _invalid(self, number: int, why: str) -> None:
        self.stats.invalid += 1
        if self.stats.invalid_example is None:
            self.stats.invalid_example = f"row {number}: {why}"
