"""Reason codes of quarantined records (DESIGN.md section 4), shared by the verifier, the
quarantine schema and the metrics."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Reason"]


class Reason(StrEnum):
    MISSING_HEADER = "missing_header"
    BAD_HEADER = "bad_header"
    UNKNOWN_KEY = "unknown_key"
    REVOKED_KEY = "revoked_key"
    ALG_MISMATCH = "alg_mismatch"
    BAD_SIGNATURE = "bad_signature"
    STALE = "stale"
    REPLAY = "replay"
    OVERSIZE = "oversize"
    BAD_PAYLOAD = "bad_payload"
