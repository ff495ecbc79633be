"""Producer keys and the key registry (DESIGN.md section 5)."""

from __future__ import annotations

from streams.keys.model import KeyInfo, KeyResolver
from streams.keys.pem import PublicKey
from streams.keys.publish import publish_keys
from streams.keys.registry import KeyRegistry, RejectedEntry, RejectReason, load_root_public_key
from streams.keys.store import KeyStore, StoredKey
from streams.keys.topic import load_registry, publish_records

__all__ = [
    "KeyInfo",
    "KeyRegistry",
    "KeyResolver",
    "KeyStore",
    "PublicKey",
    "RejectReason",
    "RejectedEntry",
    "StoredKey",
    "load_registry",
    "load_root_public_key",
    "publish_keys",
    "publish_records",
]
