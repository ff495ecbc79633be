"""Turns drafts into Kafka records signed under envelope v1, as `SignedProducer` does (one
native `sign_many` call per batch, one key id per process, sequence numbers from a
`SequenceFile`), and spoils the integrity-scenario records the way their label says:

- forged: signed, then the payload's amount is changed, so the signature no longer covers it;
- replay: an exact copy (headers included) of a clean record this signer made shortly before;
- unknown key: signed with a key id that no registry knows, under its own sequence numbers.

The producer SDK is not used here because it keeps the signed bytes to itself: a corpus file
and a replayed copy both need them.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import orjson

from loadgen.draft import Craft, Draft, StreamName
from streams import signing
from streams.envelope import build_headers, signed_message
from streams.sequence import SequenceFile

__all__ = ["KafkaRecord", "Signed", "Signer"]

# Clean records kept for replay scenarios to copy.
RECENT = 64


class KafkaRecord(NamedTuple):
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Signed:
    record: KafkaRecord
    draft: Draft
    kid: str
    seq: int
    event_id: str


def _tampered(payload: Mapping[str, object]) -> bytes:
    """The payload with its amount raised by one unit: what a forger would change."""
    amount = str(payload["amount"])
    whole, dot, cents = amount.partition(".")
    return orjson.dumps({**payload, "amount": f"{int(whole) + 1}{dot}{cents}"})


class Signer:
    def __init__(
        self,
        kid: str,
        keypair: signing.KeyPair,
        sequence: SequenceFile,
        topics: Mapping[StreamName, str],
        *,
        seed: int,
        threads: int | None = None,
    ) -> None:
        self.kid = kid
        self.keypair = keypair
        self.sequence = sequence
        self.topics = topics
        self.seed = seed
        self.threads = threads
        self._recent: deque[Signed] = deque(maxlen=RECENT)
        self._rogues: dict[str, tuple[signing.KeyPair, int]] = {}

    def sign(self, drafts: Sequence[Draft]) -> list[Signed]:
        """The drafts as signed records, in order; replays copy earlier records (and are left
        out while this signer has made none)."""
        ts_us = time.time_ns() // 1000
        own = [d for d in drafts if d.label is None or d.label.craft in (None, Craft.FORGED)]
        seqs = self.sequence.take(len(own))
        signed = dict(
            zip(map(id, own), self._sign(self.kid, self.keypair, own, seqs, ts_us), strict=True)
        )
        for kid, group in self._rogue_groups(drafts).items():
            pair, last = self._rogues[kid]
            self._rogues[kid] = (pair, last + len(group))
            seqs = range(last + 1, last + 1 + len(group))
            signed.update(
                zip(map(id, group), self._sign(kid, pair, group, seqs, ts_us), strict=True)
            )
        out: list[Signed] = []
        replays = 0
        for draft in drafts:
            craft = draft.label.craft if draft.label else None
            if craft is Craft.REPLAY:
                if self._recent:
                    replays += 1
                    copy = self._recent[-min(replays, len(self._recent))]
                    out.append(Signed(copy.record, draft, copy.kid, copy.seq, copy.event_id))
                continue
            result = signed[id(draft)]
            if craft is None:
                self._recent.append(result)
            out.append(result)
        return out

    def _rogue_groups(self, drafts: Sequence[Draft]) -> dict[str, list[Draft]]:
        groups: dict[str, list[Draft]] = {}
        for draft in drafts:
            label = draft.label
            if label is None or label.craft is not Craft.UNKNOWN_KEY or label.rogue_kid is None:
                continue
            if label.rogue_kid not in self._rogues:
                # Reproducible, and never registered: derived from the seed and the key id.
                seed = hashlib.sha256(f"{self.seed}/{label.rogue_kid}".encode()).digest()
                self._rogues[label.rogue_kid] = (
                    signing.generate_keypair(self.keypair.algorithm, seed),
                    0,
                )
            groups.setdefault(label.rogue_kid, []).append(draft)
        return groups

    def _sign(
        self,
        kid: str,
        pair: signing.KeyPair,
        drafts: Sequence[Draft],
        seqs: Sequence[int],
        ts_us: int,
    ) -> list[Signed]:
        if not drafts:
            return []
        topics = [self.topics[d.stream] for d in drafts]
        keys = [d.key.encode() for d in drafts]
        values = [orjson.dumps(d.payload) for d in drafts]
        messages = [
            signed_message(topic, key, ts_us, seq, kid, value)
            for topic, key, seq, value in zip(topics, keys, seqs, values, strict=True)
        ]
        signatures = signing.sign_many(
            pair.algorithm, pair.private_key, messages, threads=self.threads
        )
        results = []
        for draft, topic, key, seq, value, sig in zip(
            drafts, topics, keys, seqs, values, signatures, strict=True
        ):
            if draft.label is not None and draft.label.craft is Craft.FORGED:
                value = _tampered(draft.payload)
            headers = build_headers(pair.algorithm, kid, ts_us, seq, sig)
            event_id = str(draft.payload.get("event_id", ""))
            record = KafkaRecord(topic, key, value, headers)
            results.append(Signed(record, draft, kid, seq, event_id))
        return results
