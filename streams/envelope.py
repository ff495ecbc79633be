"""Message envelope v1 (DESIGN.md section 4): the headers of a signed record and the exact
byte string M that its ML-DSA signature covers.

    M = "QRS1" || u16(len topic) || topic || u32(len key) || key || u64(ts) || u64(seq)
        || u16(len kid) || kid || u32(len value) || value

All lengths and integers are big-endian. Binding topic and key means a record cannot be
replayed onto another topic or entity; the signature uses the FIPS 204 context `qrstream/v1`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ENVELOPE_VERSION",
    "HEADER_NAMES",
    "MAGIC",
    "EnvelopeHeaders",
    "HeaderError",
    "build_headers",
    "parse_headers",
    "signed_message",
]

MAGIC = b"QRS1"
ENVELOPE_VERSION = b"1"
H_VERSION, H_ALG, H_KID, H_TS, H_SEQ, H_SIG = (
    "qr-v",
    "qr-alg",
    "qr-kid",
    "qr-ts",
    "qr-seq",
    "qr-sig",
)
HEADER_NAMES = (H_VERSION, H_ALG, H_KID, H_TS, H_SEQ, H_SIG)

_U16 = 0xFFFF
_U32 = 0xFFFF_FFFF
_U64 = 0xFFFF_FFFF_FFFF_FFFF
# u64 decimal never needs more digits; longer headers are malformed, not big numbers.
_MAX_U64_DIGITS = 20
_u16 = struct.Struct(">H").pack
_u32 = struct.Struct(">I").pack
_u64_pair = struct.Struct(">QQ").pack


def signed_message(topic: str, key: bytes, ts_us: int, seq: int, kid: str, value: bytes) -> bytes:
    """The byte string M that the record's signature covers."""
    topic_b, kid_b = topic.encode(), kid.encode()
    if len(topic_b) > _U16 or len(kid_b) > _U16:
        raise ValueError("topic and key id are at most 65535 bytes long")
    if len(key) > _U32 or len(value) > _U32:
        raise ValueError("record key and value are at most 4 GiB long")
    if not (0 <= ts_us <= _U64 and 0 <= seq <= _U64):
        raise ValueError("timestamp and sequence number are unsigned 64-bit integers")
    return b"".join(
        (
            MAGIC,
            _u16(len(topic_b)),
            topic_b,
            _u32(len(key)),
            key,
            _u64_pair(ts_us, seq),
            _u16(len(kid_b)),
            kid_b,
            _u32(len(value)),
            value,
        )
    )


def build_headers(
    algorithm: str, kid: str, ts_us: int, seq: int, signature: bytes
) -> list[tuple[str, bytes]]:
    """Kafka headers of a signed record, in the order of DESIGN.md."""
    return [
        (H_VERSION, ENVELOPE_VERSION),
        (H_ALG, algorithm.encode()),
        (H_KID, kid.encode()),
        (H_TS, str(ts_us).encode()),
        (H_SEQ, str(seq).encode()),
        (H_SIG, signature),
    ]


@dataclass(frozen=True, slots=True)
class EnvelopeHeaders:
    algorithm: str
    kid: str
    ts_us: int
    seq: int
    signature: bytes


class HeaderError(ValueError):
    """Headers that are absent (`missing`) or present but malformed."""

    def __init__(self, detail: str, *, missing: bool) -> None:
        super().__init__(detail)
        self.missing = missing


def _ascii_u64(name: str, raw: bytes) -> int:
    if not raw.isdigit() or len(raw) > _MAX_U64_DIGITS or not raw.isascii():
        raise HeaderError(f"{name} is not an unsigned decimal integer", missing=False)
    number = int(raw)
    if number > _U64:
        raise HeaderError(f"{name} exceeds 64 bits", missing=False)
    return number


def _text(name: str, raw: bytes, known: Iterable[str] | None = None) -> str:
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise HeaderError(f"{name} is not UTF-8", missing=False) from None
    if not text or len(raw) > _U16:
        raise HeaderError(f"{name} is empty or too long", missing=False)
    if known is not None and text not in known:
        raise HeaderError(f"{name} {text!r} is not a known algorithm", missing=False)
    return text


def parse_headers(
    headers: Sequence[tuple[str, bytes | None]] | None, algorithms: Iterable[str]
) -> EnvelopeHeaders:
    """The envelope fields of a record's headers; raises `HeaderError` when one is missing,
    repeated or malformed. Headers other than ours are ignored."""
    found: dict[str, bytes] = {}
    for name, raw in headers or ():
        if name not in HEADER_NAMES:
            continue
        if name in found:
            raise HeaderError(f"{name} appears more than once", missing=False)
        if raw is None:
            raise HeaderError(f"{name} has no value", missing=True)
        found[name] = raw
    absent = [name for name in HEADER_NAMES if name not in found]
    if absent:
        raise HeaderError(f"missing {', '.join(absent)}", missing=True)
    if found[H_VERSION] != ENVELOPE_VERSION:
        raise HeaderError(f"unsupported envelope version {found[H_VERSION]!r}", missing=False)
    if not found[H_SIG]:
        raise HeaderError(f"{H_SIG} is empty", missing=False)
    return EnvelopeHeaders(
        algorithm=_text(H_ALG, found[H_ALG], algorithms),
        kid=_text(H_KID, found[H_KID]),
        ts_us=_ascii_u64(H_TS, found[H_TS]),
        seq=_ascii_u64(H_SEQ, found[H_SEQ]),
        signature=found[H_SIG],
    )
