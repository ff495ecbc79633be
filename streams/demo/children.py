"""The demo's child processes (`qrstream worker`, `qrstream sink`, loadgen): started with their
output in a log file, waited for by a line of that log, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from streams.errors import StreamsError

__all__ = ["Child", "ChildFailed", "scrape", "scrape_or_raise", "total"]

STOP_TIMEOUT_S = 60.0


class ChildFailed(StreamsError):
    """A child process exited or did not become ready; the message names its log."""


class Child:
    def __init__(self, name: str, args: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", *args],
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_for(self, marker: bytes, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ChildFailed(
                    f"{self.name} exited with status {self.process.returncode}: "
                    f"{self.last_line()} (log: {self.log_path})"
                )
            if marker in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise ChildFailed(f"{self.name} not ready after {timeout_s:.0f} s (log: {self.log_path})")

    def last_line(self) -> str:
        lines = self.log_path.read_bytes().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = STOP_TIMEOUT_S) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        return self.process.returncode


def scrape(port: int) -> dict[str, float]:
    """A process's Prometheus metrics as {'name{labels}': value}; empty if unreachable."""
    try:
        return scrape_or_raise(port)
    except OSError:
        return {}


def scrape_or_raise(port: int) -> dict[str, float]:
    """The same, raising OSError when the endpoint does not answer."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def total(samples: Mapping[str, float], metric: str) -> float:
    """The sum of a metric over all its label sets."""
    return sum(v for k, v in samples.items() if k == metric or k.startswith(metric + "{"))
