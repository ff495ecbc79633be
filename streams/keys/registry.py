"""The key registry (DESIGN.md section 5): public keys on the compacted topic `qr.keys`, keyed by
key id, each entry signed by the operator root key with envelope v1.

`KeyRegistry.apply` folds consumed records into the current set of keys and knows nothing of
the Kafka client, so the loader below (confluent-kafka, reading the topic once from the
beginning) and the workers' Faust global table can share it.

An entry counts only if its envelope verifies against the root public key configured out of
band. Because the root key signs with a sequence number that never repeats (its publish time
in microseconds), an older root-signed entry produced again (say, the version of a key from
before its revocation) is refused as a replay instead of undoing the newer one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from streams import signing
from streams.envelope import EnvelopeHeaders, HeaderError, parse_headers, signed_message
from streams.errors import KeyRegistryError
from streams.keys.entry import decode_entry
from streams.keys.model import KeyInfo
from streams.keys.pem import PublicKey, load_public_pem

__all__ = [
    "KeyRegistry",
    "RegistryRecord",
    "RejectReason",
    "RejectedEntry",
    "load_root_public_key",
]

logger = logging.getLogger(__name__)


class RegistryRecord(Protocol):
    """What `apply` reads from a consumed record (streams.verifier.InboundRecord fits)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes | None]] | None: ...


class RejectReason(StrEnum):
    UNSIGNED = "unsigned"
    BAD_HEADER = "bad_header"
    NOT_ROOT = "not_root"
    ALG_MISMATCH = "alg_mismatch"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    KID_MISMATCH = "kid_mismatch"
    REPLAY = "replay"


@dataclass(frozen=True, slots=True)
class RejectedEntry:
    """An ignored registry record, kept for integrity alerts. `kid` is the record key as text;
    `signer` the key id of its signature header, if it had one."""

    kid: str | None
    reason: RejectReason
    detail: str
    topic: str
    partition: int
    offset: int
    signer: str | None = None


def load_root_public_key(path: Path) -> PublicKey:
    """The root public key from the PEM file that `qrstream keys export-public` writes."""
    try:
        return load_public_pem(path.read_bytes())
    except OSError as err:
        raise KeyRegistryError(f"cannot read root public key {path}: {err.strerror}") from None
    except ValueError as err:
        raise KeyRegistryError(f"root public key {path}: {err}") from None


def _record_kid(record: RegistryRecord) -> str | None:
    if record.key is None:
        return None
    return record.key.decode("utf-8", errors="replace")


class KeyRegistry:
    """The current public keys, as a `KeyResolver` for the verifier."""

    def __init__(self, root: PublicKey, root_kid: str = "root") -> None:
        self.root = root
        self.root_kid = root_kid
        self._keys: dict[str, KeyInfo] = {}
        # Highest root sequence number accepted per key id, kept after a tombstone too.
        self._last_seq: dict[str, int] = {}
        self.rejected: list[RejectedEntry] = []
        self.rejected_counts: Counter[RejectReason] = Counter()
        self.accepted = 0

    def resolve(self, kid: str) -> KeyInfo | None:
        return self._keys.get(kid)

    def keys(self) -> dict[str, KeyInfo]:
        return dict(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def apply(self, records: Iterable[RegistryRecord]) -> list[RejectedEntry]:
        """Applies records in order (latest valid entry per key id wins, a root-signed
        tombstone removes the key) and returns the ones it ignored, in order."""
        batch = list(records)
        checked = [self._check_envelope(record) for record in batch]
        signed = [
            (i, record, check)
            for i, (record, check) in enumerate(zip(batch, checked, strict=True))
            if isinstance(check, EnvelopeHeaders)
        ]
        # One native call for the whole batch: loading a large registry stays fast.
        verdicts = (
            signing.verify_many(
                self.root.algorithm,
                self.root.raw,
                [
                    signed_message(r.topic, r.key or b"", e.ts_us, e.seq, e.kid, r.value or b"")
                    for _, r, e in signed
                ],
                [e.signature for _, _, e in signed],
            )
            if signed
            else []
        )
        verified = {i for (i, _, _), valid in zip(signed, verdicts, strict=True) if valid}
        rejected: list[RejectedEntry] = []
        for i, (record, check) in enumerate(zip(batch, checked, strict=True)):
            if not isinstance(check, EnvelopeHeaders):
                self._reject(record, *check, rejected)
            elif i not in verified:
                detail = "root signature does not verify"
                self._reject(record, RejectReason.BAD_SIGNATURE, detail, check.kid, rejected)
            else:
                self._apply_signed(record, check, rejected)
        return rejected

    def _check_envelope(
        self, record: RegistryRecord
    ) -> EnvelopeHeaders | tuple[RejectReason, str, str | None]:
        """The envelope of a record signed under the root key id, or why it is not one."""
        try:
            envelope = parse_headers(record.headers, signing.MLDSA_ALGORITHMS)
        except HeaderError as err:
            reason = RejectReason.UNSIGNED if err.missing else RejectReason.BAD_HEADER
            return reason, str(err), None
        if envelope.kid != self.root_kid:
            detail = f"signed by {envelope.kid!r}, not the root key {self.root_kid!r}"
            return RejectReason.NOT_ROOT, detail, envelope.kid
        if envelope.algorithm != self.root.algorithm:
            detail = f"root key is {self.root.algorithm}, record says {envelope.algorithm}"
            return RejectReason.ALG_MISMATCH, detail, envelope.kid
        return envelope

    def _apply_signed(
        self, record: RegistryRecord, envelope: EnvelopeHeaders, rejected: list[RejectedEntry]
    ) -> None:
        kid = _record_kid(record)
        if kid is None:
            self._reject(
                record, RejectReason.KID_MISMATCH, "record has no key", envelope.kid, rejected
            )
            return
        info: KeyInfo | None = None
        if record.value is not None:
            try:
                info = decode_entry(record.value)
            except ValueError as err:
                detail = str(err).splitlines()[0][:200]
                self._reject(record, RejectReason.MALFORMED, detail, envelope.kid, rejected)
                return
            if info.kid != kid:
                self._reject(
                    record,
                    RejectReason.KID_MISMATCH,
                    f"entry is for {info.kid!r}, record key is {kid!r}",
                    envelope.kid,
                    rejected,
                )
                return
        last = self._last_seq.get(kid)
        if last is not None and envelope.seq <= last:
            self._reject(
                record,
                RejectReason.REPLAY,
                f"qr-seq {envelope.seq} is not above {last}, the newest entry applied",
                envelope.kid,
                rejected,
            )
            return
        self._last_seq[kid] = envelope.seq
        self.accepted += 1
        if info is None:
            self._keys.pop(kid, None)
        else:
            self._keys[kid] = info

    def _reject(
        self,
        record: RegistryRecord,
        reason: RejectReason,
        detail: str,
        signer: str | None,
        rejected: list[RejectedEntry],
    ) -> None:
        entry = RejectedEntry(
            kid=_record_kid(record),
            reason=reason,
            detail=detail,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            signer=signer,
        )
        logger.warning(
            "ignored key registry entry %r (%s[%d] offset %d): %s: %s",
            entry.kid,
            entry.topic,
            entry.partition,
            entry.offset,
            reason.value,
            detail,
        )
        self.rejected.append(entry)
        self.rejected_counts[reason] += 1
        rejected.append(entry)
