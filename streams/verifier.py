"""The acceptance checks of envelope v1 (DESIGN.md section 4), for a batch of records.

Each record gets a `Verdict`: accepted, or a reason code for the quarantine topic. Checks run
cheapest first, and the signature is checked before the replay state is touched, so a forged
record can never advance a producer's sequence number. Signatures of a whole batch are verified
in one native call per algorithm (GIL released, all cores).

The checks are per record; a later envelope version that signs a Merkle root over many records
plugs in as another way of producing the per-record signature verdicts.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from streams import signing
from streams.envelope import EnvelopeHeaders, HeaderError, parse_headers, signed_message
from streams.keys.model import KeyInfo, KeyResolver
from streams.replay import ReplayCheck, ReplayGuard
from topics.reasons import Reason

__all__ = ["InboundRecord", "Verdict", "Verifier", "VerifierLimits"]

PayloadCheck = Callable[[bytes], Any]


@dataclass(slots=True)
class InboundRecord:
    """A consumed record as the verifier sees it, whichever Kafka client delivered it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] | None = None

    @property
    def size(self) -> int:
        header_bytes = sum(len(n) + len(v or b"") for n, v in self.headers or ())
        return len(self.key or b"") + len(self.value or b"") + header_bytes


@dataclass(slots=True)
class Verdict:
    record: InboundRecord
    reason: Reason | None = None
    detail: str = ""
    envelope: EnvelopeHeaders | None = None
    # Accepted again after a crash: the caller must process it idempotently.
    redelivery: bool = False
    payload: Any = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        return self.reason is None

    @property
    def key_id(self) -> str | None:
        return self.envelope.kid if self.envelope else None


@dataclass(frozen=True)
class VerifierLimits:
    max_clock_skew_s: float = 300.0
    max_record_bytes: int = 1 << 20


def _reject(verdict: Verdict, reason: Reason, detail: str) -> None:
    verdict.reason, verdict.detail = reason, detail


class Verifier:
    def __init__(
        self,
        keys: KeyResolver,
        replay: ReplayGuard,
        limits: VerifierLimits | None = None,
        payload_checks: dict[str, PayloadCheck] | None = None,
        clock_us: Callable[[], int] = lambda: time.time_ns() // 1000,
    ) -> None:
        self.keys = keys
        self.replay = replay
        self.limits = limits or VerifierLimits()
        # Per topic: parses the JSON value into its schema type, raising ValueError if invalid.
        self.payload_checks = payload_checks or {}
        self.clock_us = clock_us
        self._algorithms = signing.MLDSA_ALGORITHMS + signing.OQS_ALGORITHMS

    def verify_batch(self, records: Iterable[InboundRecord]) -> list[Verdict]:
        """One verdict per record, in order. Replay state for the accepted records is
        remembered but not durable until `commit()`: call it once the batch's results are
        safely produced, right before committing the consumer offsets."""
        verdicts = self.check_signatures(records)
        self.check_sequence(verdicts)
        return verdicts

    def check_signatures(self, records: Iterable[InboundRecord]) -> list[Verdict]:
        """The stateless checks (size, headers, key, algorithm, skew, signature): safe to run
        in a worker thread while the caller's event loop goes on."""
        verdicts = [Verdict(r) for r in records]
        now_us = self.clock_us()
        checked = [(v, info) for v in verdicts if (info := self._check_envelope(v, now_us))]
        self._check_signatures(checked)
        return verdicts

    def check_sequence(self, verdicts: Iterable[Verdict]) -> None:
        """The stateful checks, in record order: replay, then payload."""
        for verdict in verdicts:
            if verdict.accepted:
                self._check_replay(verdict)
            if verdict.accepted:
                self._check_payload(verdict)

    def commit(self) -> None:
        self.replay.commit()

    def _check_envelope(
        self, verdict: Verdict, now_us: int
    ) -> tuple[EnvelopeHeaders, KeyInfo] | None:
        record = verdict.record
        if record.size > self.limits.max_record_bytes:
            _reject(
                verdict, Reason.OVERSIZE, f"{record.size} bytes > {self.limits.max_record_bytes}"
            )
            return None
        try:
            envelope = parse_headers(record.headers, self._algorithms)
        except HeaderError as err:
            reason = Reason.MISSING_HEADER if err.missing else Reason.BAD_HEADER
            _reject(verdict, reason, str(err))
            return None
        verdict.envelope = envelope
        info = self.keys.resolve(envelope.kid)
        if info is None:
            _reject(verdict, Reason.UNKNOWN_KEY, f"key id {envelope.kid!r} is not registered")
        elif info.revoked_at(envelope.ts_us):
            _reject(verdict, Reason.REVOKED_KEY, f"key id {envelope.kid!r} is revoked")
        elif not info.valid_at(envelope.ts_us):
            _reject(verdict, Reason.UNKNOWN_KEY, f"key id {envelope.kid!r} not valid at qr-ts")
        elif info.algorithm != envelope.algorithm:
            _reject(
                verdict,
                Reason.ALG_MISMATCH,
                f"key {envelope.kid!r} is {info.algorithm}, record says {envelope.algorithm}",
            )
        elif abs(now_us - envelope.ts_us) > self.limits.max_clock_skew_s * 1_000_000:
            skew_s = (now_us - envelope.ts_us) / 1e6
            _reject(verdict, Reason.STALE, f"qr-ts is {skew_s:+.1f} s from now")
        else:
            return envelope, info
        return None

    def _check_signatures(
        self, checked: Sequence[tuple[Verdict, tuple[EnvelopeHeaders, KeyInfo]]]
    ) -> None:
        by_algorithm: dict[str, list[tuple[Verdict, EnvelopeHeaders, KeyInfo]]] = defaultdict(list)
        for verdict, (envelope, info) in checked:
            by_algorithm[info.algorithm].append((verdict, envelope, info))
        for algorithm, group in by_algorithm.items():
            messages = [
                signed_message(
                    v.record.topic,
                    v.record.key or b"",
                    envelope.ts_us,
                    envelope.seq,
                    envelope.kid,
                    v.record.value or b"",
                )
                for v, envelope, _ in group
            ]
            ok = signing.verify_many(
                algorithm,
                [info.public_key for _, _, info in group],
                messages,
                [envelope.signature for _, envelope, _ in group],
            )
            for (verdict, _, _), valid in zip(group, ok, strict=True):
                if not valid:
                    _reject(verdict, Reason.BAD_SIGNATURE, "signature does not verify")

    def _check_replay(self, verdict: Verdict) -> None:
        record, envelope = verdict.record, verdict.envelope
        if envelope is None:  # unreachable: accepted records passed the header checks
            return
        check = self.replay.check(
            envelope.kid, record.key or b"", envelope.seq, record.partition, record.offset
        )
        if check is ReplayCheck.REPLAY:
            _reject(verdict, Reason.REPLAY, f"qr-seq {envelope.seq} was already accepted")
        verdict.redelivery = check is ReplayCheck.REDELIVERY

    def _check_payload(self, verdict: Verdict) -> None:
        value = verdict.record.value
        check = self.payload_checks.get(verdict.record.topic)
        try:
            if value is None:
                raise ValueError("record has no value")
            verdict.payload = check(value) if check else orjson.loads(value)
        except ValueError as err:  # orjson.JSONDecodeError and pydantic errors are ValueErrors
            _reject(verdict, Reason.BAD_PAYLOAD, str(err).splitlines()[0][:200])
