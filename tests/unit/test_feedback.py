from __future__ import annotations

import uuid

import orjson

from models.classifier import LogisticClassifier
from streams.scoring.feedback import FeatureCache, FeedbackLearner


def label(event_id: str | None, value: str = "positive", kind: str = "aml") -> bytes:
    return orjson.dumps(
        {
            "label_id": str(uuid.uuid4()),
            "event_id": event_id,
            "entity": "ACCT1",
            "kind": kind,
            "label": value,
            "analyst": "a.analyst",
            "ts_us": 1_800_000_000_000_000,
        }
    )


def test_the_cache_is_bounded_and_forgets_the_oldest() -> None:
    cache = FeatureCache(capacity=2)
    for i in range(3):
        cache.put(f"e{i}", {"x": float(i)})
    assert len(cache) == 2
    assert cache.pop("e0") is None
    assert cache.pop("e2") == {"x": 2.0}


def test_labels_of_remembered_events_teach_the_classifier() -> None:
    classifier = LogisticClassifier(min_labels=2, features=("x",))
    cache = FeatureCache()
    ids = [str(uuid.uuid4()) for _ in range(4)]
    for i, event_id in enumerate(ids):
        cache.put(event_id, {"x": float(i)})
    learner = FeedbackLearner(classifier, cache)
    learner.learn(
        [
            label(ids[0], "negative"),
            label(ids[3], "positive"),
            label(str(uuid.uuid4())),  # scored elsewhere or long ago: nothing to learn from
            label(ids[1], kind="quantum"),
            b"not a label",
        ]
    )
    assert (learner.learned, learner.unknown_events, learner.invalid) == (2, 1, 1)
    assert classifier.labels_seen == 2 and classifier.warmed_up
    assert classifier.score_one({"x": 3.0}) > classifier.score_one({"x": 0.0})
    assert cache.pop(ids[0]) is None  # a label is learnt once
