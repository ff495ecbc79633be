"""A Faust table whose changelog entries go through `Outputs` (librdkafka) rather than Faust's
producer. Reads, the RocksDB store, recovery from the changelog and rebalancing stay Faust's;
only the per-write produce path changes, and the store's persisted changelog offsets (where
recovery resumes) are advanced once per flush instead of once per write."""

from __future__ import annotations

from typing import Any

import faust
from faust.types import TP

from streams.outputs import Outputs

__all__ = ["OutputTable", "output_table"]


class OutputTable(faust.Table):  # type: ignore[type-arg]
    def __init__(self, app: faust.App, *, outputs: Outputs, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.outputs = outputs
        self._delivered_offsets: dict[TP, int] = {}

    def on_key_set(self, key: Any, value: Any) -> None:
        self._send(key, value)
        self._sensor_on_set(self, key, value)

    def on_key_del(self, key: Any) -> None:
        self._send(key, None)
        self._sensor_on_del(self, key)

    def _send(self, key: Any, value: Any) -> None:
        self.outputs.send(
            self.changelog_topic.get_topic_name(),
            key,
            value,
            partition=self.partition_for_key(key),
            on_delivered=self._delivered,
        )

    def _delivered(self, topic: str, partition: int, offset: int) -> None:
        # On the flushing thread: only note the offset, the store is written on the loop.
        tp = TP(topic, partition)
        if offset > self._delivered_offsets.get(tp, -1):
            self._delivered_offsets[tp] = offset

    def persist_delivered(self) -> None:
        offsets, self._delivered_offsets = self._delivered_offsets, {}
        for tp, offset in offsets.items():
            self.data.set_persisted_offset(tp, offset)


def output_table(app: faust.App, outputs: Outputs, name: str) -> OutputTable:
    """A raw-bytes table registered with the app like `app.Table` does it."""
    table = OutputTable(
        app,
        outputs=outputs,
        name=name,
        default=None,
        key_type=bytes,
        value_type=bytes,
        beacon=app.tables.beacon,
    )
    outputs.after_flush(table.persist_delivered)
    app.tables.add(table)
    return table
