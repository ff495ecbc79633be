"""What the verifier needs to know about a producer key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["KeyInfo", "KeyResolver"]


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A public key as the registry published it; times are microseconds since the epoch."""

    kid: str
    algorithm: str
    public_key: bytes = field(repr=False)
    owner: str
    valid_from_us: int
    valid_to_us: int | None = None
    revoked_at_us: int | None = None

    def valid_at(self, ts_us: int) -> bool:
        """Inside the validity window; rotation overlap is two keys whose windows overlap."""
        return self.valid_from_us <= ts_us and (
            self.valid_to_us is None or ts_us < self.valid_to_us
        )

    def revoked_at(self, ts_us: int) -> bool:
        """Records stamped from the revocation on are rejected; earlier ones stay valid."""
        return self.revoked_at_us is not None and ts_us >= self.revoked_at_us


class KeyResolver(Protocol):
    def resolve(self, kid: str) -> KeyInfo | None: ...
