"""Learning from analysts' labels on qr.feedback, which arrive long after the events were
scored: the AML scorer keeps each scored event's features for a while, and a label that names a
remembered event teaches the supervised classifier.

Labels keyed by account land on the partition (and worker) that scored the account's events, as
long as both are partitioned by murmur2. The cache is per worker and bounded: labels for events
it no longer holds are counted and skipped.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from faust.types import EventT
from pydantic import ValidationError

from models.classifier import LogisticClassifier
from topics.messages.feedback import FeedbackLabel

__all__ = ["FeatureCache", "FeedbackLearner"]

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 200_000


class FeatureCache:
    """The features of recently scored events by event id, oldest forgotten first."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, dict[str, float]] = OrderedDict()

    def put(self, event_id: str, features: Mapping[str, float]) -> None:
        self._items[event_id] = dict(features)
        self._items.move_to_end(event_id)
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def pop(self, event_id: str) -> dict[str, float] | None:
        return self._items.pop(event_id, None)

    def __len__(self) -> int:
        return len(self._items)


class FeedbackLearner:
    def __init__(self, classifier: LogisticClassifier, cache: FeatureCache) -> None:
        self.classifier = classifier
        self.cache = cache
        self.learned = 0
        self.unknown_events = 0
        self.invalid = 0

    def learn(self, values: Sequence[bytes | None]) -> None:
        for value in values:
            try:
                label = FeedbackLabel.model_validate_json(value or b"")
            except ValidationError as err:
                self.invalid += 1
                logger.warning("ignored an invalid feedback label: %s", err.errors()[0]["msg"])
                continue
            if label.kind != "aml" or label.event_id is None:
                continue  # entity-level and quantum labels have no features to learn from here
            features = self.cache.pop(label.event_id)
            if features is None:
                self.unknown_events += 1
                continue
            self.classifier.learn_one(features, label.label == "positive")
            self.learned += 1

    async def __call__(self, events: Sequence[EventT[bytes]]) -> None:
        self.learn([e.value for e in events])
