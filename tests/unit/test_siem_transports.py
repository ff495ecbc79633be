"""SIEM transports against local peers: syslog over TCP (octet counting and LF framing,
reconnecting after the receiver closed), UDP and TLS; Splunk HEC against an endpoint that
checks HEC's contract (token, path, batching, gzip, acknowledgement, status codes); files."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from streams.errors import ConfigError
from streams.siem.alert import Event, VerifiedAlert
from streams.siem.errors import DestinationError, DestinationUnavailable
from streams.siem.formats import to_event
from streams.siem.transports import TransportOptions, open_transport
from streams.siem.transports.file import FileTransport
from streams.siem.transports.hec import HecTransport
from streams.siem.transports.syslog import SyslogDatagram, SyslogStream
from tests.hec_endpoint import HecEndpoint
from tests.siem_parsers import parse_cef, parse_rfc5424, split_octet_counted
from tests.sink_records import alert
from tests.utils import Timeout

TOKEN = "00000000-1111-2222-3333-444444444444"  # noqa: S105 - a test endpoint's token


def events(n: int, fmt: str = "cef") -> list[Event]:
    return [to_event(VerifiedAlert(alert(i), "processor/w1", "ML-DSA-65"), fmt) for i in range(n)]


class TcpReceiver:
    """Accepts connections one after another and keeps what each one carried."""

    def __init__(self, tls: ssl.SSLContext | None = None, close_first: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.tls = tls
        self.close_first = close_first
        self.connections: list[bytearray] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()
                    continue
            data = bytearray()
            self.connections.append(data)
            if self.close_first and len(self.connections) == 1:
                conn.close()
                continue
            threading.Thread(target=self._read, args=(conn, data), daemon=True).start()

    @staticmethod
    def _read(conn: socket.socket, data: bytearray) -> None:
        with conn:
            while chunk := conn.recv(65536):
                data.extend(chunk)

    def received(self, frames: int) -> list[bytes]:
        timeout = Timeout(5, f"{frames} syslog frames")
        while timeout:
            got = [f for c in self.connections for f in split_octet_counted(bytes(c))]
            if len(got) >= frames:
                return got
            time.sleep(0.01)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.listener.close()


def test_syslog_tcp_sends_octet_counted_rfc5424() -> None:
    receiver = TcpReceiver()
    transport = SyslogStream("127.0.0.1", receiver.port, hostname="fwd-1")
    batch = events(3)
    transport.send(batch)
    frames = receiver.received(3)
    transport.close()
    receiver.close()
    for frame, event in zip(frames, batch, strict=True):
        message = parse_rfc5424(frame)
        assert message.pri == 16 * 8 + 3  # local0, error (a high alert)
        assert (message.hostname, message.app_name, message.msgid) == ("fwd-1", "qrstream", "CEF")
        assert message.timestamp == "2026-01-01T00:00:00.002000Z"
        assert message.msg == event.body
        assert parse_cef(message.msg.decode())[1]["externalId"]


def test_syslog_tcp_non_transparent_framing_is_one_message_per_line(tmp_path: Path) -> None:
    receiver = TcpReceiver()
    options = TransportOptions("unused:9092", {})
    transport = open_transport(f"syslog+tcp://127.0.0.1:{receiver.port}?framing=lf", options)
    transport.send(events(2, "leef"))
    timeout = Timeout(5, "two lines")
    while timeout and sum(c.count(b"\n") for c in receiver.connections) < 2:
        time.sleep(0.01)
    lines = bytes(receiver.connections[0]).splitlines()
    assert [parse_rfc5424(line).msgid for line in lines] == ["LEEF", "LEEF"]
    transport.close()
    receiver.close()


def test_syslog_tcp_reconnects_when_the_receiver_closed_the_connection() -> None:
    receiver = TcpReceiver(close_first=True)
    transport = SyslogStream("127.0.0.1", receiver.port)
    transport.send(events(1))  # accepted by the kernel, then the receiver hangs up
    timeout = Timeout(5, "the first connection closed")
    while timeout and not receiver.connections:
        time.sleep(0.01)
    transport.send(events(2))
    assert len(receiver.received(2)) == 2
    assert len(receiver.connections) == 2
    transport.close()
    receiver.close()


def test_syslog_tcp_down_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    transport = SyslogStream("127.0.0.1", port, timeout_s=1)
    with pytest.raises(DestinationUnavailable, match=f"syslog\\+tcp://127.0.0.1:{port}"):
        transport.send(events(1))


def test_syslog_udp_sends_one_message_per_datagram() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(5)
        transport = SyslogDatagram("127.0.0.1", receiver.getsockname()[1])
        transport.send(events(2, "ecs"))
        datagrams = [receiver.recv(65535) for _ in range(2)]
        transport.close()
    for datagram in datagrams:
        message = parse_rfc5424(datagram)
        assert message.msgid == "ECS"
        assert orjson.loads(message.msg)["event"]["kind"] == "alert"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qrstream test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tls_files: tuple[Path, Path]) -> Iterator[TcpReceiver]:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(*tls_files)
    receiver = TcpReceiver(tls=server)
    yield receiver
    receiver.close()


def test_syslog_tls_verifies_the_receiver(
    tls_files: tuple[Path, Path], tls_receiver: TcpReceiver
) -> None:
    options = TransportOptions("unused:9092", {}, ca_file=tls_files[0])
    transport = open_transport(f"syslog+tls://127.0.0.1:{tls_receiver.port}", options)
    transport.send(events(2))
    transport.send(events(1))  # same connection: TLS session tickets are not an end of stream
    assert len(tls_receiver.received(3)) == 3
    assert len(tls_receiver.connections) == 1
    transport.close()


def test_syslog_tls_refuses_an_unknown_certificate(tls_receiver: TcpReceiver) -> None:
    options = TransportOptions("unused:9092", {})
    transport = open_transport(f"syslog+tls://127.0.0.1:{tls_receiver.port}", options)
    with pytest.raises(DestinationError, match="certificate"):
        transport.send(events(1))


@pytest.fixture
def hec() -> Iterator[HecEndpoint]:
    endpoint = HecEndpoint(TOKEN)
    yield endpoint
    endpoint.stop()


def test_hec_posts_gzipped_batches_with_the_token(hec: HecEndpoint) -> None:
    transport = HecTransport(hec.url, TOKEN, batch_bytes=2000)
    batch = events(5, "ocsf")
    transport.send(batch)
    assert {r.path for r in hec.requests} == {"/services/collector/event"}
    assert all(r.headers["Authorization"] == f"Splunk {TOKEN}" for r in hec.requests)
    assert all(r.gzipped for r in hec.requests)
    # About 1.3 kB per OCSF event: a 2000-byte budget makes one request per event.
    assert len(hec.requests) == 5
    assert [e["event"]["finding_info"]["uid"] for e in hec.events] == [
        orjson.loads(e.body)["finding_info"]["uid"] for e in batch
    ]
    assert hec.events[0]["sourcetype"] == "qrstream:ocsf"
    assert hec.events[0]["time"] == pytest.approx(1_767_225_600.002)


def test_hec_batches_many_events_per_request_and_cef_as_strings(hec: HecEndpoint) -> None:
    transport = HecTransport(hec.url + "/services/collector/event", TOKEN, compress=False)
    transport.send(events(20, "cef"))
    assert len(hec.requests) == 1 and not hec.requests[0].gzipped
    assert len(hec.events) == 20
    assert all(e["event"].startswith("CEF:0|") for e in hec.events)


def test_hec_splunk_hec_format_is_sent_as_is(hec: HecEndpoint) -> None:
    batch = events(2, "splunk-hec")
    HecTransport(hec.url, TOKEN).send(batch)
    assert hec.events == [orjson.loads(e.body) for e in batch]
    assert hec.events[0]["fields"]["typology"] == "fan_in"


def test_hec_busy_is_unavailable_and_a_bad_token_is_not(hec: HecEndpoint) -> None:
    hec.busy = True
    with pytest.raises(DestinationUnavailable, match="503: Server is busy"):
        HecTransport(hec.url, TOKEN).send(events(1))
    hec.busy = False
    with pytest.raises(DestinationError, match="403: Invalid token") as info:
        HecTransport(hec.url, "wrong").send(events(1))
    assert not isinstance(info.value, DestinationUnavailable)
    with pytest.raises(DestinationError, match="404"):
        HecTransport(hec.url + "/other", TOKEN).send(events(1))


def test_hec_down_is_unavailable(hec: HecEndpoint) -> None:
    hec.stop()
    with pytest.raises(DestinationUnavailable, match="refused"):
        HecTransport(hec.url, TOKEN, timeout_s=1).send(events(1))


def test_hec_waits_for_indexer_acknowledgement() -> None:
    endpoint = HecEndpoint(TOKEN, ack=True)
    try:
        transport = HecTransport(endpoint.url, TOKEN, ack=True, batch_bytes=2000)
        transport.send(events(3, "ecs"))
        assert len(endpoint.requests) == 3
        channels = {r.headers["X-Splunk-Request-Channel"] for r in endpoint.requests}
        assert channels == {transport.channel}
        # Without the channel header the endpoint refuses, as HEC does with acks on.
        with pytest.raises(DestinationError, match="channel"):
            HecTransport(endpoint.url, TOKEN).send(events(1))
    finally:
        endpoint.stop()


def test_file_transport_appends_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "alerts.ndjson"
    for _ in range(2):
        transport = open_transport(f"file://{path}", TransportOptions("unused:9092", {}))
        assert isinstance(transport, FileTransport)
        transport.send(events(2, "ecs"))
        transport.close()
    lines = path.read_bytes().splitlines()
    assert len(lines) == 4
    assert all(orjson.loads(line)["event"]["kind"] == "alert" for line in lines)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("syslog+tcp://127.0.0.1", "host and a port"),
        ("syslog+tcp://127.0.0.1:514?framing=xml", "framing"),
        ("https://splunk:8088", "QR_SIEM_HEC_TOKEN"),
        ("ftp://host/x", "unsupported destination"),
    ],
)
def test_bad_destinations_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        open_transport(url, TransportOptions("unused:9092", {}))


def test_stdout_transport_writes_one_event_per_line(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    transport = open_transport("-", TransportOptions("unused:9092", {}))
    batch = events(2, "ocsf")
    transport.send(batch)
    assert capsysbinary.readouterr().out == b"".join(e.body + b"\n" for e in batch)
