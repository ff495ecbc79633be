"""A public key of the registry on the compacted `qr.keys` topic, keyed by key id (DESIGN.md
section 5). The entry is signed by the operator root key through the envelope v1 headers, like
any other record, so the payload carries no signature of its own."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import ConfigDict, JsonValue, model_validator

from topics.messages.base import Algorithm, Base64, EntityId, Message, Name, TimestampUs

__all__ = ["PUBLIC_KEY_BYTES", "KeyEntry"]

# FIPS 204 table 2: public key sizes.
PUBLIC_KEY_BYTES: dict[str, int] = {"ML-DSA-44": 1312, "ML-DSA-65": 1952, "ML-DSA-87": 2592}


def _base64_of_length(size: int) -> str:
    """A pattern matching exactly the base64 text of `size` bytes (with padding)."""
    whole, rest = divmod(size, 3)
    if not rest:
        return f"^[A-Za-z0-9+/]{{{4 * whole}}}$"
    return f"^[A-Za-z0-9+/]{{{4 * whole + rest + 1}}}{'=' * (3 - rest)}$"


# The same rule as `_key_size_matches`, for validators of the JSON Schema file.
_KEY_SIZE_RULES: list[JsonValue] = [
    {
        "if": {"properties": {"algorithm": {"const": alg}}},
        "then": {"properties": {"public_key_b64": {"pattern": _base64_of_length(size)}}},
    }
    for alg, size in PUBLIC_KEY_BYTES.items()
]


class KeyEntry(Message):
    """A producer's ML-DSA public key and its validity, published on qr.keys with the key id as
    Kafka record key and signed by the operator root key. Times are microseconds since the Unix
    epoch; a newer entry for the same key id (rotation, revocation) replaces the older one."""

    model_config = ConfigDict(json_schema_extra={"allOf": _KEY_SIZE_RULES})

    schema_version: Literal[1] = 1
    kid: EntityId
    """Key id, one per producer process (bank-core/p1, processor/worker-2); the record key."""
    algorithm: Algorithm
    public_key_b64: Base64
    """The FIPS 204 encoded public key in standard base64."""
    owner: Name
    """Who holds the private key (team, system or organisation)."""
    valid_from_us: TimestampUs
    """First instant at which records signed with this key are accepted."""
    valid_to_us: TimestampUs | None = None
    """Records stamped from this instant on are rejected; null for no end."""
    revoked_at_us: TimestampUs | None = None
    """When the key was revoked (records stamped from then on are rejected); null if not."""

    @model_validator(mode="after")
    def _key_size_matches(self) -> KeyEntry:
        size = len(base64.b64decode(self.public_key_b64))
        if size != PUBLIC_KEY_BYTES[self.algorithm]:
            raise ValueError(
                f"an {self.algorithm} public key is {PUBLIC_KEY_BYTES[self.algorithm]} bytes, "
                f"not {size}"
            )
        return self
