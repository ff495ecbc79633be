"""Independent readers of what the SIEM forwarder writes (RFC 5424 syslog, CEF, LEEF), written
from the specifications rather than from streams.siem, shared by its unit and integration
tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Syslog", "parse_cef", "parse_leef", "parse_rfc5424", "split_octet_counted"]

_RFC5424 = re.compile(
    rb"^<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) "
    rb"(?P<msgid>\S+) (?P<sd>-|\[.*?\]) (?P<msg>.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Syslog:
    pri: int
    timestamp: str
    hostname: str
    app_name: str
    msgid: str
    msg: bytes


def parse_rfc5424(line: bytes) -> Syslog:
    match = _RFC5424.match(line)
    assert match, f"not RFC 5424: {line[:200]!r}"
    return Syslog(
        int(match["pri"]),
        match["ts"].decode(),
        match["host"].decode(),
        match["app"].decode(),
        match["msgid"].decode(),
        match["msg"],
    )


def split_octet_counted(stream: bytes) -> list[bytes]:
    """RFC 6587 octet-counted frames: `LEN SP MSG` repeated."""
    frames = []
    while stream:
        length, _, rest = stream.partition(b" ")
        size = int(length)
        frames.append(rest[:size])
        stream = rest[size:]
    return frames


def _split_unescaped(text: str, sep: str, limit: int) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if c == sep and len(parts) < limit:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def parse_cef(line: str) -> tuple[list[str], dict[str, str]]:
    """(the seven header fields, the extension) of a CEF:0 line, unescaped."""
    fields = _split_unescaped(line, "|", 7)
    assert len(fields) == 8 and fields[0] == "CEF:0", line
    header = [_unescape(f) for f in fields[:7]]
    extension: dict[str, str] = {}
    # A key is a word followed by an unescaped '='; its value runs to the next key.
    pairs = re.split(r"(?:^| )([A-Za-z0-9_]+)=", fields[7])
    for key, value in zip(pairs[1::2], pairs[2::2], strict=True):
        extension[key] = _unescape(value)
    return header, extension


def parse_leef(line: str) -> tuple[list[str], dict[str, str]]:
    """(the five header fields, the attributes) of a LEEF:1.0 line."""
    fields = _split_unescaped(line, "|", 5)
    assert len(fields) == 6 and fields[0] == "LEEF:1.0", line
    attributes = dict(pair.split("=", 1) for pair in fields[5].split("\t"))
    return [_unescape(f) for f in fields[:5]], attributes
