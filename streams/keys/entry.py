"""Registry entries as records: the `topics` KeyEntry JSON of a key, and the envelope v1
headers with which the operator root key signs it for the registry topic.

The root key's `qr-seq` is its publish time in microseconds (plus the entry's index within
one publish), so it never repeats for the root key and grows with every newer version of an
entry; the registry relies on that to refuse an older entry produced again.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from streams import signing
from streams.envelope import build_headers, signed_message
from streams.keys.model import KeyInfo
from topics.schemas import KeyEntry

__all__ = [
    "SignedRecord",
    "decode_entry",
    "encode_entry",
    "entry_digest",
    "sign_entries",
    "sign_tombstones",
]


@dataclass(frozen=True, slots=True)
class SignedRecord:
    """A record ready to produce: value None is a tombstone."""

    topic: str
    key: bytes
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(repr=False)


def encode_entry(info: KeyInfo) -> bytes:
    """The JSON value of `info`'s registry entry (deterministic, so it can be compared)."""
    # Validated like a consumed entry, so nothing is published that the registry would refuse.
    entry = KeyEntry.model_validate(
        {
            "kid": info.kid,
            "algorithm": info.algorithm,
            "public_key_b64": base64.b64encode(info.public_key).decode(),
            "owner": info.owner,
            "valid_from_us": info.valid_from_us,
            "valid_to_us": info.valid_to_us,
            "revoked_at_us": info.revoked_at_us,
        }
    )
    return entry.model_dump_json().encode()


def decode_entry(value: bytes) -> KeyInfo:
    """The key of a registry entry's JSON; `ValueError` (pydantic's) if it is not one."""
    entry = KeyEntry.model_validate_json(value)
    return KeyInfo(
        kid=entry.kid,
        algorithm=entry.algorithm,
        public_key=base64.b64decode(entry.public_key_b64),
        owner=entry.owner,
        valid_from_us=entry.valid_from_us,
        valid_to_us=entry.valid_to_us,
        revoked_at_us=entry.revoked_at_us,
    )


def entry_digest(info: KeyInfo) -> str:
    return hashlib.sha256(encode_entry(info)).hexdigest()


def _sign(
    items: Sequence[tuple[str, bytes | None]],
    root: signing.KeyPair,
    root_kid: str,
    topic: str,
    now_us: int,
) -> list[SignedRecord]:
    seqs = range(now_us, now_us + len(items))
    messages = [
        signed_message(topic, kid.encode(), now_us, seq, root_kid, value or b"")
        for (kid, value), seq in zip(items, seqs, strict=True)
    ]
    signatures = signing.sign_many(root.algorithm, root.private_key, messages)
    return [
        SignedRecord(
            topic, kid.encode(), value, build_headers(root.algorithm, root_kid, now_us, seq, sig)
        )
        for (kid, value), seq, sig in zip(items, seqs, signatures, strict=True)
    ]


def sign_entries(
    infos: Sequence[KeyInfo], root: signing.KeyPair, root_kid: str, topic: str, now_us: int
) -> list[SignedRecord]:
    """Root-signed registry records of `infos`, keyed by key id, stamped `now_us`."""
    return _sign([(i.kid, encode_entry(i)) for i in infos], root, root_kid, topic, now_us)


def sign_tombstones(
    kids: Sequence[str], root: signing.KeyPair, root_kid: str, topic: str, now_us: int
) -> list[SignedRecord]:
    """Root-signed tombstones (the signature covers an empty value): they remove the keys."""
    return _sign([(kid, None) for kid in kids], root, root_kid, topic, now_us)
