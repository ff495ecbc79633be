"""The cryptographic posture of one secured connection on `qr.telemetry`, keyed by sensor.

Field names and values follow Zeek's ssl.log (`version`, `cipher`, `curve` as `group`,
`server_name`, `last_alert`, ...) and x509.log (`certificate.key_type`, `key_length`,
`sig_alg`, ...), so a Zeek record maps onto it field by field; SSH handshakes (ssh.log) fit the
same shape with `cipher` = cipher_alg, `group` = kex_alg and the host key as `cert.key_type`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from topics.messages.base import EntityId, EventId, Message, TimestampUs, Token

__all__ = ["Certificate", "Protocol", "TelemetryEvent"]

Protocol = Literal["tls", "dtls", "quic", "ssh"]
# Dotted IPv4, or IPv6 in any textual form (it has a colon).
IpAddress = Annotated[
    str,
    StringConstraints(
        max_length=45,
        pattern=r"^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$",
    ),
]
Port = Annotated[int, Field(ge=0, le=65535)]
# SNI and SAN names come from the peer, so anything printable may turn up; Zeek escapes the rest.
HostName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
DistinguishedName = Annotated[str, StringConstraints(max_length=4096)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# RFC 5280 allows validity from year 1 to 9999 (99991231235959Z means "no expiry"), which lies
# outside the range of `TimestampUs`.
CertTimeUs = Annotated[int, Field(ge=-62_135_596_800_000_000, le=253_402_300_799_999_999)]
Bytes = Annotated[int, Field(ge=0)]
Offered = Annotated[list[Token], Field(max_length=512)]


class Certificate(Message):
    """A certificate of the handshake, as a row of Zeek's x509.log describes it."""

    fingerprint: Sha256Hex
    """SHA-256 of the DER certificate, lower-case hex."""
    subject: DistinguishedName
    issuer: DistinguishedName
    serial: Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{1,64}$")] | None = None
    not_valid_before_us: CertTimeUs
    not_valid_after_us: CertTimeUs
    key_alg: Token
    """Public-key algorithm as named in the certificate: rsaEncryption, id-ecPublicKey,
    ML-DSA-44, ..."""
    key_type: Token
    """Key type as Zeek reports it: rsa, ecdsa, dsa, ML-DSA-65, ..."""
    key_length: Annotated[int, Field(ge=0, le=1 << 20)] | None = None
    """Key size in bits (RSA modulus, EC field, or the encoded size of other keys)."""
    curve: Token | None = None
    """Named curve of an EC key (prime256v1, secp384r1)."""
    sig_alg: Token
    """Algorithm of the issuer's signature: sha256WithRSAEncryption, ecdsa-with-SHA384,
    ML-DSA-44, ..."""
    san_dns: Annotated[list[HostName], Field(max_length=1000, default_factory=list)]
    """DNS names of the subjectAltName extension."""


class TelemetryEvent(Message):
    """The cryptographic posture of one TLS, DTLS, QUIC or SSH handshake as a network sensor
    saw it, published on qr.telemetry with the sensor id as Kafka record key."""

    schema_version: Literal[1] = 1
    event_id: EventId
    """Unique id of this event (UUID, lower case)."""
    ts_us: TimestampUs
    """Start of the connection, in microseconds since the Unix epoch (Zeek `ts`)."""
    sensor: EntityId
    """The sensor or log source that saw the connection; the record key."""
    uid: Token | None = None
    """Zeek's connection uid, to join with conn.log and other logs of the sensor."""
    protocol: Protocol = "tls"
    orig_h: IpAddress
    """Client address."""
    orig_p: Port
    resp_h: IpAddress
    """Server address."""
    resp_p: Port
    server_name: HostName | None = None
    """Server name (SNI) the client asked for: the host whose posture this is."""
    service: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.,/-]{1,64}$")] | None = None
    """What runs over the secured channel (Zeek conn.log `service`: https, smtp, ldap, ...)."""
    version: Token | None = None
    """Negotiated protocol version (TLSv12, TLSv13, DTLSv12, ...); null if the handshake did not
    get that far."""
    cipher: Token | None = None
    """Negotiated cipher suite (TLS_AES_128_GCM_SHA256, ...)."""
    group: Token | None = None
    """Negotiated key-exchange group (Zeek `curve`): x25519, secp256r1, or a post-quantum hybrid
    such as X25519MLKEM768."""
    client_versions: Offered = Field(default_factory=list)
    """Protocol versions the client offered (supported_versions), in its order."""
    client_groups: Offered = Field(default_factory=list)
    """Key-exchange groups the client offered (supported_groups), in its order."""
    client_key_shares: Offered = Field(default_factory=list)
    """Groups the client sent a TLS 1.3 key share for."""
    client_ciphers: Offered = Field(default_factory=list)
    """Cipher suites the client offered, in its order."""
    resumed: bool = False
    """The session was resumed, so no key exchange or certificate was seen."""
    established: bool
    """The handshake completed."""
    last_alert: Token | None = None
    """Last alert seen (handshake_failure, protocol_version, unknown_ca, ...)."""
    next_protocol: Token | None = None
    """Negotiated application protocol (ALPN): h2, http/1.1, ..."""
    sni_matches_cert: bool | None = None
    validation_status: Annotated[str, StringConstraints(max_length=256)] | None = None
    """Result of certificate chain validation ("ok", "certificate has expired", ...)."""
    cert: Certificate | None = None
    """The server's leaf certificate (or SSH host key)."""
    client_cert: Certificate | None = None
    """The client's leaf certificate, for mutual TLS."""
    orig_bytes: Bytes | None = None
    """Payload bytes sent by the client (Zeek conn.log)."""
    resp_bytes: Bytes | None = None
    """Payload bytes sent by the server (Zeek conn.log)."""
