"""Splunk HTTP Event Collector: batches of JSON events POSTed to `/services/collector/event`
with `Authorization: Splunk <token>`, gzip-compressed, at most `batch_bytes` (before
compression) per request.

With indexer acknowledgement on, every request carries the channel header
`X-Splunk-Request-Channel`, each response an `ackId`, and a batch counts as delivered only once
`/services/collector/ack` reports all its ack ids as indexed; without it, once HEC answered
200. HEC's documented status codes decide what is retried: 503 (server busy), 429, 5xx and
network errors are; a refused token (401, 403), rejected data (400) or a wrong path (404) stop
the forwarder.
"""

from __future__ import annotations

import gzip
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from streams.siem.alert import PRODUCT, Event
from streams.siem.errors import DestinationError, DestinationUnavailable
from streams.siem.formats import JSON_FORMATS
from streams.siem.formats.hec import hec_envelope
from streams.siem.transports.base import Transport

__all__ = ["EVENT_PATH", "HecTransport", "hec_event"]

EVENT_PATH = "/services/collector/event"
ACK_PATH = "/services/collector/ack"
ACK_POLL_S = 0.5
_PERMANENT = {400, 401, 403, 404, 413}


def hec_event(event: Event) -> bytes:
    """The HEC event for one formatted alert: as is when it is one already, else wrapped, as
    a JSON object (ECS, OCSF) or as a string (CEF, LEEF)."""
    if event.format == "splunk-hec":
        return event.body
    body: Any = orjson.loads(event.body) if event.format in JSON_FORMATS else event.body.decode()
    return orjson.dumps(hec_envelope(event.time_us, body, f"{PRODUCT}:{event.format}"))


class HecTransport(Transport):
    def __init__(
        self,
        url: str,
        token: str,
        *,
        tls: ssl.SSLContext | None = None,
        batch_bytes: int = 1 << 20,
        compress: bool = True,
        ack: bool = False,
        timeout_s: float = 10.0,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        base = parts.path.rstrip("/").removesuffix(EVENT_PATH)
        self.description = f"{parts.scheme}://{parts.netloc}{base}{EVENT_PATH}"
        self._event_url = urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc, base + EVENT_PATH, "", "")
        )
        self._ack_url = urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc, base + ACK_PATH, "", "")
        )
        self._token = token
        self._tls = tls
        self.batch_bytes = batch_bytes
        self.compress = compress
        self.ack = ack
        self.timeout_s = timeout_s
        # One channel per forwarder process: HEC tracks ack ids per channel.
        self.channel = str(uuid.uuid4())

    def send(self, events: Sequence[Event]) -> None:
        ack_ids = [self._post(body) for body in self._requests(events)]
        if self.ack:
            self._wait_for_acks({i for i in ack_ids if i is not None})

    def _requests(self, events: Sequence[Event]) -> Iterator[bytes]:
        """Request bodies of concatenated events, each within `batch_bytes` unless a single
        event is larger."""
        chunk: list[bytes] = []
        size = 0
        for event in events:
            line = hec_event(event)
            if chunk and size + len(line) + 1 > self.batch_bytes:
                yield b"\n".join(chunk)
                chunk, size = [], 0
            chunk.append(line)
            size += len(line) + 1
        if chunk:
            yield b"\n".join(chunk)

    def _headers(self) -> dict[str, str]:
        headers = {
            "Authorization": f"Splunk {self._token}",
            "Content-Type": "application/json",
        }
        if self.ack:
            headers["X-Splunk-Request-Channel"] = self.channel
        return headers

    def _call(self, url: str, body: bytes, compress: bool) -> dict[str, Any]:
        headers = self._headers()
        if compress:
            body = gzip.compress(body, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        request = urllib.request.Request(url, body, headers, method="POST")  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(  # noqa: S310 - the scheme was checked
                request, timeout=self.timeout_s, context=self._tls
            ) as response:
                answer: dict[str, Any] = orjson.loads(response.read() or b"{}")
                return answer
        except urllib.error.HTTPError as err:
            text = _hec_text(err)
            message = f"{self.description}: HTTP {err.code}: {text}"
            if err.code in _PERMANENT:
                raise DestinationError(message) from None
            raise DestinationUnavailable(message) from None
        except ssl.SSLCertVerificationError as err:
            raise DestinationError(f"{self.description}: {err.verify_message}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = err.reason if isinstance(err, urllib.error.URLError) else err
            raise DestinationUnavailable(f"{self.description}: {reason}") from None
        except orjson.JSONDecodeError:
            raise DestinationUnavailable(f"{self.description}: answer is not JSON") from None

    def _post(self, body: bytes) -> int | None:
        answer = self._call(self._event_url, body, self.compress)
        if answer.get("code", 0) != 0:
            raise DestinationUnavailable(f"{self.description}: {answer.get('text', answer)}")
        ack_id = answer.get("ackId")
        if self.ack and not isinstance(ack_id, int):
            raise DestinationError(
                f"{self.description}: no ackId in the answer: indexer acknowledgement is off "
                "for this token; drop --hec-ack or turn it on"
            )
        return ack_id if isinstance(ack_id, int) else None

    def _wait_for_acks(self, pending: set[int]) -> None:
        deadline = time.monotonic() + self.timeout_s
        while pending:
            answer = self._call(self._ack_url, orjson.dumps({"acks": sorted(pending)}), False)
            acks = answer.get("acks", {})
            pending -= {int(i) for i, done in acks.items() if done is True}
            if not pending:
                return
            if time.monotonic() >= deadline:
                raise DestinationUnavailable(
                    f"{self.description}: {len(pending)} requests not acknowledged within "
                    f"{self.timeout_s:g} s"
                )
            time.sleep(ACK_POLL_S)


def _hec_text(err: urllib.error.HTTPError) -> str:
    """HEC's own explanation (`{"text": ..., "code": ...}`), else the HTTP reason."""
    try:
        answer = orjson.loads(err.read())
    except (orjson.JSONDecodeError, OSError):
        return str(err.reason)
    if isinstance(answer, dict) and "text" in answer:
        return f"{answer['text']} (code {answer.get('code')})"
    return str(err.reason)
