"""Operating-system facts about the local broker: its pid, its ports, the tools it needs and its
log. Small functions without state, so unit tests call them directly."""

from __future__ import annotations

import os
import shutil
import socket
from collections import deque
from pathlib import Path

from streams.errors import BrokerError

__all__ = [
    "last_relevant_line",
    "pid_alive",
    "port_free",
    "port_open",
    "read_pid",
    "require_tool",
    "tail_lines",
]

_ERROR_MARKERS = (" ERROR ", " FATAL ", "Exception", "Error:", "Error ")


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def pid_alive(pid: int, marker: bytes = b"kafka.Kafka") -> bool:
    """Whether `pid` is a live process whose command line contains `marker`: a stale pid file
    may name a pid that the system has since given to another program."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, but another user's: the command line below decides
    proc = Path("/proc") / str(pid)
    try:
        # An exited child that nobody reaped yet still answers signal 0.
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        return marker in (proc / "cmdline").read_bytes()
    except FileNotFoundError:
        return False  # exited between the signal and the read
    except (OSError, IndexError):
        return True  # no readable /proc here: signal 0 is all we know


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As Kafka's own listener does, so a port left in TIME_WAIT by `down` counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_tool(name: str, install_hint: str) -> str:
    """The full path of `name` on PATH, or a BrokerError that says what to install."""
    path = shutil.which(name)
    if path is None:
        raise BrokerError(f"`{name}` not found on PATH; {install_hint}")
    return path


def tail_lines(path: Path, lines: int) -> list[str]:
    with path.open(encoding="utf-8", errors="replace") as file:
        return [line.rstrip("\n") for line in deque(file, maxlen=lines)]


def last_relevant_line(lines: list[str]) -> str:
    """The last line that reports an error, else the last non-blank one.

    >>> last_relevant_line(["[t] ERROR bad port (x)", "[t] INFO shutting down (y)", ""])
    '[t] ERROR bad port (x)'
    """
    stripped = [line.strip() for line in lines if line.strip()]
    for line in reversed(stripped):
        if any(marker in line for marker in _ERROR_MARKERS):
            return line
    return stripped[-1] if stripped else "(no output)"
