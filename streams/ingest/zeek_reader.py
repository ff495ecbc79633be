"""Reading Zeek logs: the ASCII (TSV) writer's format and JSON lines, either of them gzipped.

TSV files describe themselves in `#` headers (`#separator`, `#set_separator`, `#empty_field`,
`#unset_field`, `#path`, `#fields`, `#types`); a file may hold several logs one after the
other (`cat` of rotated logs), each with its own headers. Output of `zeek-cut` keeps only a
plain row of field names, which is read as the header. JSON logs (`LogAscii::use_json`) carry
one object per line; nested objects (`{"id": {"orig_h": ...}}`, as some shippers write them)
are flattened to Zeek's dotted names.

Every record comes out as a dict of field name to value: None for unset, a list for
set/vector fields, and otherwise the text as logged (TSV) or the JSON value, so that the
mappers read both formats the same way.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from streams.errors import StreamsError

__all__ = ["LogRecord", "ZeekLogError", "read_log"]

LogRecord = dict[str, Any]
_GZIP_MAGIC = b"\x1f\x8b"
_HEX_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")
# A zeek-cut header row: lower-case dotted field names only, so a data row (uids and
# histories have capitals, addresses have digits first) is never mistaken for one.
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_.]*$")


class ZeekLogError(StreamsError):
    """A file that is not a Zeek log we can read; `line` is 1-based, 0 for the whole file."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


def _unescape(text: str) -> str:
    # The ASCII writer escapes separators and non-printable bytes as \xHH.
    return _HEX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "\\x" in text else text


@dataclass(slots=True)
class _Header:
    separator: str = "\t"
    set_separator: str = ","
    empty_field: str = "(empty)"
    unset_field: str = "-"
    path: str | None = None
    fields: list[str] | None = None
    containers: frozenset[str] = frozenset()
    """Fields whose #types are set[...] or vector[...]."""

    def directive(self, line: str) -> None:
        name, _, rest = line[1:].partition(" " if line.startswith("#separator") else self.separator)
        if name == "separator":
            self.separator = _unescape(rest)
        elif name == "set_separator":
            self.set_separator = _unescape(rest)
        elif name == "empty_field":
            self.empty_field = rest
        elif name == "unset_field":
            self.unset_field = rest
        elif name == "path":
            self.path = rest
        elif name == "fields":
            self.fields = rest.split(self.separator)
            self.containers = frozenset()
        elif name == "types" and self.fields is not None:
            types = rest.split(self.separator)
            self.containers = frozenset(
                f
                for f, t in zip(self.fields, types, strict=False)
                if t.startswith(("set", "vector"))
            )

    def value(self, field: str, text: str) -> Any:
        if text == self.unset_field:
            return None
        if field in self.containers:
            if text == self.empty_field:
                return []
            return [_unescape(v) for v in text.split(self.set_separator)]
        return "" if text == self.empty_field else _unescape(text)


def _read_tsv(path: Path, lines: Iterator[str], first: str, start: int) -> Iterator[LogRecord]:
    header = _Header()
    for number, line in enumerate(_chain(first, lines), start=start):
        if not line:
            continue
        if line.startswith("#"):
            header.directive(line)
            continue
        cells = line.split(header.separator)
        if header.fields is None:
            if all(_FIELD_NAME.match(c) for c in cells):
                header.fields = cells
                continue
            raise ZeekLogError(path, number, "data before any #fields header or field names")
        if len(cells) != len(header.fields):
            raise ZeekLogError(
                path, number, f"{len(cells)} columns where #fields names {len(header.fields)}"
            )
        record = {f: header.value(f, c) for f, c in zip(header.fields, cells, strict=True)}
        if header.path is not None:
            record.setdefault("_path", header.path)
        yield record


def _flatten(obj: dict[str, Any], prefix: str, out: LogRecord) -> LogRecord:
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", out)
        else:
            out[name] = value
    return out


def _read_json(path: Path, lines: Iterator[str], first: str, start: int) -> Iterator[LogRecord]:
    for number, line in enumerate(_chain(first, lines), start=start):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as err:
            raise ZeekLogError(path, number, f"not JSON: {err}") from None
        if not isinstance(obj, dict):
            raise ZeekLogError(path, number, "a JSON log line must be an object")
        yield _flatten(obj, "", {})


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    for line in rest:
        yield line.rstrip("\r\n")


def _open(path: Path) -> IO[str]:
    with path.open("rb") as raw:
        gzipped = raw.read(2) == _GZIP_MAGIC
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8", errors="surrogateescape")
    return path.open(encoding="utf-8", errors="surrogateescape", newline="")


def _first_line(lines: Iterator[str]) -> tuple[int, str] | None:
    """The first line with content and its number; btest baselines start with a `###`
    comment, which says nothing about the format."""
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        if text.strip() and not text.startswith("###"):
            return number, text
    return None


def read_log(path: Path) -> Generator[LogRecord, None, None]:
    """The records of one Zeek log file, TSV or JSON lines, plain or gzip."""
    try:
        with _open(path) as handle:
            lines = iter(handle)
            found = _first_line(lines)
            if found is None:
                return
            start, first = found
            reader = _read_json if first.lstrip().startswith("{") else _read_tsv
            yield from reader(path, lines, first, start)
    except OSError as err:
        raise ZeekLogError(path, 0, err.strerror or str(err)) from None
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile) as err:
        raise ZeekLogError(path, 0, f"unreadable: {err}") from None
