"""Exceptions of qrstream; the native module raises `InvalidSignature` from here."""

from __future__ import annotations

__all__ = [
    "BackendUnavailable",
    "ConfigError",
    "InvalidSignature",
    "StreamsError",
    "UnknownAlgorithm",
]


class StreamsError(Exception):
    """Root of every error qrstream raises on purpose."""


class InvalidSignature(StreamsError):
    """A signature did not verify."""


class UnknownAlgorithm(StreamsError, ValueError):
    """An algorithm name that no backend offers."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown signature algorithm {name!r}; known: {', '.join(known)}")
        self.name = name
        self.known = known


class BackendUnavailable(StreamsError):
    """An optional signing backend (liboqs) is not installed or cannot load."""

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"{backend} backend unavailable: {reason}")
        self.backend = backend
        self.reason = reason


class ConfigError(StreamsError):
    """Settings or command-line arguments that cannot work."""
