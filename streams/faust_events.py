"""Bridges between Faust events and our batch code.

Faust's tables read and write the partition of the *current event* (a context variable set
while a stream yields one event). An agent that takes events in batches must set it for each
record before touching a table, or state lands in the partition of whichever event came last.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from faust.streams import _current_event
from faust.types import EventT

from streams.verifier import InboundRecord

__all__ = ["event_context", "inbound_record"]


@contextmanager
def event_context(event: EventT[bytes]) -> Iterator[None]:
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def _bytes(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode()


def inbound_record(event: EventT[bytes]) -> InboundRecord:
    message = event.message
    headers = message.headers or ()
    # Faust hands over a mapping when the transport does; aiokafka gives a list of pairs.
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    header_list: list[tuple[str, bytes | None]] = [(str(n), _bytes(v)) for n, v in pairs]
    return InboundRecord(
        message.topic,
        message.partition,
        message.offset,
        message.key,
        message.value,
        header_list,
    )
