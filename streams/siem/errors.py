"""Exceptions of the SIEM forwarder. Each message is one line, so that `qrstream` can print it
as is."""

from __future__ import annotations

from streams.errors import StreamsError

__all__ = ["DestinationError", "DestinationUnavailable", "ForwarderError"]


class DestinationError(StreamsError):
    """The destination refused a batch in a way that retrying cannot fix (bad token, rejected
    data, unreadable CA file): the forwarder stops at once."""


class DestinationUnavailable(DestinationError):
    """The destination did not accept a batch now (unreachable, busy, no acknowledgement): the
    same batch may succeed later, so it is retried."""


class ForwarderError(StreamsError):
    """The forwarder stopped before it delivered everything it read. Nothing undelivered was
    committed to Kafka, so a restarted forwarder reads those alerts again."""
