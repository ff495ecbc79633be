"""What every destination does: deliver one batch of events, returning only once the
destination accepted all of it."""

from __future__ import annotations

import abc
from collections.abc import Sequence

from streams.siem.alert import Event

__all__ = ["Transport"]


class Transport(abc.ABC):
    description: str
    """Where events go, for logs and errors (never a secret)."""

    @abc.abstractmethod
    def send(self, events: Sequence[Event]) -> None:
        """Delivers `events`, in order. Raises `DestinationUnavailable` when the batch may
        succeed later (the forwarder sends the same batch again, so a destination may see some
        events twice) and `DestinationError` when it cannot."""

    def close(self) -> None:  # noqa: B027 - most transports hold nothing to release
        """Releases connections and files."""
