"""NDJSON (or one text line per CEF/LEEF event) to a file or to stdout. A batch counts as
delivered once it is flushed and, for a file, fsynced."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from streams.siem.alert import Event
from streams.siem.errors import DestinationError, DestinationUnavailable
from streams.siem.transports.base import Transport

__all__ = ["FileTransport", "StdoutTransport"]


def _lines(events: Sequence[Event]) -> bytes:
    return b"".join(event.body + b"\n" for event in events)


class FileTransport(Transport):
    def __init__(self, path: Path) -> None:
        self.description = str(path)
        try:
            # Appending: a restarted forwarder adds to what the last one wrote.
            self._file: BinaryIO = path.open("ab")
        except OSError as err:
            raise DestinationError(f"cannot open {path}: {err.strerror}") from None

    def send(self, events: Sequence[Event]) -> None:
        try:
            self._file.write(_lines(events))
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as err:  # a full disk can clear up: retry
            raise DestinationUnavailable(f"write to {self.description}: {err.strerror}") from None

    def close(self) -> None:
        self._file.close()


class StdoutTransport(Transport):
    description = "stdout"

    def send(self, events: Sequence[Event]) -> None:
        try:
            sys.stdout.buffer.write(_lines(events))
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise DestinationError("stdout was closed") from None
