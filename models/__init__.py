"""Online scoring models: features, rules and River model wrappers."""

from __future__ import annotations

from models.base import Estimator, Features, OnlineClassifier, OnlineModel
from models.checkpoint import (
    Checkpointer,
    CheckpointInfo,
    UnsafeStateDirError,
    restore_latest,
    save_checkpoint,
)
from models.classifier import LogisticClassifier
from models.explain import Contribution
from models.hst import HalfSpaceTrees
from models.scaling import FeatureScaler

__all__ = [
    "CheckpointInfo",
    "Checkpointer",
    "Contribution",
    "Estimator",
    "FeatureScaler",
    "Features",
    "HalfSpaceTrees",
    "LogisticClassifier",
    "OnlineClassifier",
    "OnlineModel",
    "UnsafeStateDirError",
    "restore_latest",
    "save_checkpoint",
]
