"""Exceptions of qrstream; the native module raises `InvalidSignature` from here."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BackendUnavailable",
    "BrokerError",
    "ConfigError",
    "InvalidSignature",
    "KafkaAdminError",
    "KeyRegistryError",
    "KeyStoreError",
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


class BrokerError(StreamsError):
    """The local development broker (`qrstream dev`) cannot be resolved, started or reached.

    The message is one line that says what to do; `log_path` names the broker log to read
    when the JVM itself reported the problem.
    """

    def __init__(self, message: str, log_path: Path | None = None) -> None:
        super().__init__(message)
        self.log_path = log_path


class KeyStoreError(StreamsError):
    """The local private key store cannot do what was asked: unknown or existing key id,
    missing or wrong passphrase, an algorithm that cannot be stored. `kid` names the key."""

    def __init__(self, message: str, kid: str | None = None) -> None:
        super().__init__(message)
        self.kid = kid


class KeyRegistryError(StreamsError):
    """The key registry topic cannot be read or written, or the root public key is unusable."""


class KafkaAdminError(StreamsError):
    """A topic administration request (`qrstream topics`) failed or Kafka did not answer; the
    message is one line that names the bootstrap servers."""

    def __init__(self, message: str, bootstrap: str) -> None:
        super().__init__(message)
        self.bootstrap = bootstrap
