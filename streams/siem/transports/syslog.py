"""Syslog (RFC 5424 messages) over TCP, TLS (RFC 5425) or UDP (RFC 5426).

On TCP and TLS, messages are framed by octet counting (RFC 6587 3.4.1: `LEN SP MSG`), which
carries any byte; the non-transparent framing (a message per line) is an option for receivers
that want it. A batch counts as delivered once the kernel took all of it. Syslog has no
application acknowledgement, so before each batch a connection the receiver closed (it never
sends anything, so a readable socket means end of stream) is replaced, and the batch goes on the
new one; bytes taken by the kernel just before a receiver died are still lost, which only an
acknowledging destination (HEC, Kafka) avoids. UDP cannot tell either way.
"""

from __future__ import annotations

import os
import select
import socket
import ssl
from collections.abc import Sequence
from typing import Literal

from streams.siem.alert import PRODUCT, Event, iso_time
from streams.siem.errors import DestinationError, DestinationUnavailable
from streams.siem.transports.base import Transport
from topics.messages.alert import Severity

__all__ = ["Framing", "SyslogDatagram", "SyslogStream", "frame", "rfc5424"]

Framing = Literal["octet-counting", "lf"]

LOCAL0 = 16
# RFC 5424 severities: critical 2, error 3, warning 4, notice 5, informational 6.
_SYSLOG_SEVERITY: dict[Severity, int] = {
    "critical": 2,
    "high": 3,
    "medium": 4,
    "low": 5,
    "info": 6,
}
# The largest UDP payload over IPv4.
MAX_DATAGRAM = 65_507


def _header_field(text: str, limit: int) -> str:
    """PRINTUSASCII without spaces, at most `limit` characters, `-` when empty (RFC 5424 6)."""
    cleaned = "".join(c for c in text if "!" <= c <= "~")[:limit]
    return cleaned or "-"


def rfc5424(event: Event, hostname: str, facility: int = LOCAL0) -> bytes:
    """`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`, with the alert's time and the
    format as MSGID (CEF, LEEF, ECS, ...), no structured data."""
    pri = facility * 8 + _SYSLOG_SEVERITY[event.severity]
    header = " ".join(
        (
            f"<{pri}>1",
            iso_time(event.time_us),
            _header_field(hostname, 255),
            PRODUCT,
            str(os.getpid()),
            _header_field(event.format.upper(), 32),
            "-",
        )
    )
    return header.encode() + b" " + event.body


def frame(message: bytes, framing: Framing) -> bytes:
    if framing == "lf":
        return message + b"\n"
    return str(len(message)).encode() + b" " + message


class SyslogStream(Transport):
    """TCP, or TLS when `tls` is a context."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: ssl.SSLContext | None = None,
        framing: Framing = "octet-counting",
        timeout_s: float = 10.0,
        hostname: str | None = None,
    ) -> None:
        scheme = "syslog+tls" if tls else "syslog+tcp"
        self.description = f"{scheme}://{host}:{port}"
        self.host, self.port = host, port
        self.tls, self.framing, self.timeout_s = tls, framing, timeout_s
        self.hostname = hostname or socket.gethostname()
        self._sock: socket.socket | None = None

    def send(self, events: Sequence[Event]) -> None:
        data = b"".join(frame(rfc5424(e, self.hostname), self.framing) for e in events)
        try:
            sock = self._connection()
            sock.sendall(data)
        except ssl.SSLCertVerificationError as err:
            self._drop()
            raise DestinationError(f"{self.description}: {err.verify_message}") from None
        except OSError as err:
            self._drop()
            raise DestinationUnavailable(f"{self.description}: {err}") from None

    def _connection(self) -> socket.socket:
        if self._sock is not None and _closed_by_peer(self._sock):
            self._drop()
        if self._sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_hostname=self.host)
                except BaseException:
                    sock.close()
                    raise
            self._sock = sock
        return self._sock

    def _drop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def close(self) -> None:
        self._drop()


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether the receiver ended the connection. It never sends data, so a readable socket
    is an end of stream or a reset, except for TLS records such as TLS 1.3 session tickets."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        if isinstance(sock, ssl.SSLSocket):
            return sock.recv(1) == b""
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (ssl.SSLWantReadError, BlockingIOError):
        return False  # only TLS housekeeping arrived
    except OSError:
        return True
    finally:
        sock.settimeout(timeout)


class SyslogDatagram(Transport):
    """UDP: one message per datagram."""

    def __init__(self, host: str, port: int, hostname: str | None = None) -> None:
        self.description = f"syslog+udp://{host}:{port}"
        self.hostname = hostname or socket.gethostname()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            # Connected, so that an ICMP port-unreachable surfaces as an error on a later send.
            self._sock.connect((host, port))
        except OSError as err:
            self._sock.close()
            raise DestinationError(f"{self.description}: {err}") from None

    def send(self, events: Sequence[Event]) -> None:
        messages = [rfc5424(e, self.hostname) for e in events]
        for message in messages:
            if len(message) > MAX_DATAGRAM:
                raise DestinationError(
                    f"{self.description}: a {len(message)}-byte message does not fit in a "
                    "datagram; use syslog+tcp or syslog+tls"
                )
        try:
            for message in messages:
                self._sock.send(message)
        except OSError as err:
            raise DestinationUnavailable(f"{self.description}: {err}") from None

    def close(self) -> None:
        self._sock.close()
