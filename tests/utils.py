"""Helpers shared by the test suites."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

__all__ = ["DEFAULT_TIMEOUT_S", "KAFKA_TEST_HEAP", "Timeout", "TopicFactory", "free_port_pair"]

DEFAULT_TIMEOUT_S = 10.0
# Heap of the brokers that tests start: small, as two may run at once on CI's 2-core machine.
KAFKA_TEST_HEAP = "512m"

# topic_factory(partitions=1, config=None) -> the name of a new, empty topic
TopicFactory = Callable[..., str]


class Timeout:
    """A deadline for `while` loops in tests, so a condition that never comes true fails the
    test instead of hanging it:

        timeout = Timeout(10, "the record arrives")
        while timeout:
            ...

    Truthy until the deadline, then raises TimeoutError naming what did not happen.
    """

    def __init__(self, seconds: float = DEFAULT_TIMEOUT_S, what: str = "the condition") -> None:
        self.seconds = seconds
        self.what = what
        self._end = time.monotonic() + seconds

    @property
    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def __bool__(self) -> bool:
        if time.monotonic() >= self._end:
            raise TimeoutError(f"{self.what}: not within {self.seconds:g} s")
        return True


def free_port_pair(host: str = "127.0.0.1") -> int:
    """A port P such that P and P + 1 are free now (a local broker's listener and controller).

    Another process may take them before the caller binds them: good enough for tests."""
    for _ in range(100):
        with socket.socket() as first, socket.socket() as second:
            first.bind((host, 0))
            port: int = first.getsockname()[1]
            try:
                second.bind((host, port + 1))
            except (OSError, OverflowError):  # taken, or P was the last port
                continue
            return port
    raise RuntimeError(f"no two adjacent free ports on {host}")
