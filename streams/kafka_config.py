"""The Kafka security settings (QR_KAFKA_SECURITY_PROTOCOL, QR_KAFKA_SASL_*, QR_KAFKA_SSL_*) as
each client library takes them: properties merged into every confluent-kafka (librdkafka)
client's config, and Faust's `broker_credentials` for the workers' aiokafka clients. Settings
has already checked that they fit together."""

from __future__ import annotations

import ssl

from faust.auth import SASLCredentials, SSLCredentials

from streams.errors import ConfigError
from streams.settings import Settings

__all__ = ["faust_credentials", "librdkafka_config"]


def librdkafka_config(settings: Settings) -> dict[str, str]:
    """The librdkafka properties of the security settings (the protocol at least).

    >>> librdkafka_config(Settings(kafka_bootstrap="kafka:9092"))
    {'security.protocol': 'PLAINTEXT'}
    """
    config: dict[str, str] = {"security.protocol": settings.kafka_security_protocol}
    if settings.kafka_sasl_mechanism is not None:
        config["sasl.mechanism"] = settings.kafka_sasl_mechanism
    if settings.kafka_sasl_username is not None:
        config["sasl.username"] = settings.kafka_sasl_username
    if settings.kafka_sasl_password is not None:
        config["sasl.password"] = settings.kafka_sasl_password.get_secret_value()
    paths = {
        "ssl.ca.location": settings.kafka_ssl_cafile,
        "ssl.certificate.location": settings.kafka_ssl_certfile,
        "ssl.key.location": settings.kafka_ssl_keyfile,
    }
    config.update({key: str(path) for key, path in paths.items() if path is not None})
    return config


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    # What aiokafka.helpers.create_ssl_context does, without its untyped import.
    try:
        context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
        if settings.kafka_ssl_certfile is not None:
            context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile)
    except (OSError, ssl.SSLError) as err:
        raise ConfigError(f"Kafka TLS settings (QR_KAFKA_SSL_*): {err}") from None
    return context


def faust_credentials(settings: Settings) -> SASLCredentials | SSLCredentials | None:
    """Faust's `broker_credentials`: None for PLAINTEXT; for the TLS protocols an SSLContext
    that checks the broker's certificate and host name. Raises `ConfigError` when the
    certificate files cannot be loaded."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return SSLCredentials(_ssl_context(settings))
    password = settings.kafka_sasl_password
    return SASLCredentials(
        username=settings.kafka_sasl_username,
        password=password.get_secret_value() if password is not None else None,
        mechanism=settings.kafka_sasl_mechanism,
        ssl_context=_ssl_context(settings) if protocol == "SASL_SSL" else None,
    )
