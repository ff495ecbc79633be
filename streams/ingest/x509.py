"""Certificates of x509.log, looked up by the SHA-256 fingerprints of ssl.log's certificate
chains (Zeek 4.2 and later).

Before 4.2, x509.log named a certificate only by its file id and logged no fingerprint, which
the telemetry schema requires; such rows count as unusable, and the handshakes naming them
(`cert_chain_fuids`) as certificates not found.

Zeek logs each certificate once per cache period, not once per connection, so the index holds
every certificate of all the x509 logs given, whatever the order of the files.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from streams.ingest.zeek_fields import count, get, items, text, time_us
from streams.ingest.zeek_reader import LogRecord
from topics.messages.telemetry import Certificate

__all__ = ["CertIndex"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SERIAL = re.compile(r"^[0-9A-Fa-f]{1,64}$")
_MAX_SAN = 1000
_MAX_NAME = 255


def certificate(record: LogRecord) -> Certificate | None:
    """The certificate of one x509.log row; None if the row cannot describe one: no SHA-256
    fingerprint (Zeek before 4.2, or a different `X509::hash_function`) or no validity."""
    fingerprint = (text(get(record, "fingerprint")) or "").lower()
    before = time_us(get(record, "not_valid_before"))
    after = time_us(get(record, "not_valid_after"))
    if not _SHA256.match(fingerprint) or before is None or after is None:
        return None
    key_alg, key_type = text(get(record, "key_alg")), text(get(record, "key_type"))
    serial = text(get(record, "serial"))
    san = [n for n in items(get(record, "san_dns")) if 0 < len(n) <= _MAX_NAME]
    try:
        return Certificate(
            fingerprint=fingerprint,
            subject=text(get(record, "subject")) or "",
            issuer=text(get(record, "issuer")) or "",
            serial=serial if serial and _SERIAL.match(serial) else None,
            not_valid_before_us=before,
            not_valid_after_us=after,
            # Zeek leaves key_type unset for key algorithms it has no name for.
            key_alg=key_alg or key_type or "unknown",
            key_type=key_type or key_alg or "unknown",
            key_length=count(get(record, "key_length")),
            curve=text(get(record, "key_curve")),
            sig_alg=text(get(record, "sig_alg")) or "unknown",
            san_dns=san[:_MAX_SAN],
        )
    except ValidationError:
        return None


class CertIndex:
    """Certificates by fingerprint."""

    def __init__(self) -> None:
        self._by_fingerprint: dict[str, Certificate] = {}
        self.rows = 0
        self.unusable = 0
        """Rows that describe no certificate the schema can carry (see `certificate`)."""

    def add(self, record: LogRecord) -> None:
        self.rows += 1
        cert = certificate(record)
        if cert is None:
            self.unusable += 1
            return
        self._by_fingerprint[cert.fingerprint] = cert

    def get(self, ref: str) -> Certificate | None:
        """The certificate an ssl.log chain entry names."""
        return self._by_fingerprint.get(ref.lower())

    def __len__(self) -> int:
        return len(self._by_fingerprint)
