"""The Kafka security settings: their checks, their librdkafka and Faust forms, and that the
clients qrstream creates are given them."""

from __future__ import annotations

import datetime as dt
import logging
import os
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import faust
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faust.auth import SASLCredentials, SSLCredentials
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

import streams.app
from bench.producer import ProducerBenchConfig, run_producer_bench
from loadgen.worker import Job, _Loop
from streams import signing
from streams.cli import cli
from streams.demo.offsets import start_at_end
from streams.errors import ConfigError
from streams.kafka_config import faust_credentials, librdkafka_config
from streams.keys.pem import public_pem
from streams.producer import SignedProducer
from streams.sequence import SequenceFile
from streams.settings import Settings
from streams.siem.run import _consumer
from streams.siem.transports import TransportOptions, open_transport
from streams.sinks.sink import consumer_config

PASSWORD = "pw-that-must-not-leak"  # noqa: S105 - a test value
BOOTSTRAP = "kafka.example:9093"
SASL_ENV = {
    "QR_KAFKA_BOOTSTRAP": BOOTSTRAP,
    "QR_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "QR_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "QR_KAFKA_SASL_USERNAME": "qrstream",
    "QR_KAFKA_SASL_PASSWORD": PASSWORD,
}
SASL_CONFIG = {
    "security.protocol": "SASL_PLAINTEXT",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.username": "qrstream",
    "sasl.password": PASSWORD,
}


@pytest.fixture(autouse=True)
def _no_kafka_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings here come from the tests alone, not from a CI's KAFKA_BOOTSTRAP and the like."""
    for name in list(os.environ):
        if name.startswith(("QR_KAFKA_", "KAFKA_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) and its key."""
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
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("kafka-tls")
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


def sasl_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "kafka_bootstrap": BOOTSTRAP,
        "kafka_security_protocol": "SASL_PLAINTEXT",
        "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "qrstream",
        "kafka_sasl_password": PASSWORD,
    }
    return Settings(**{**values, **overrides})


def test_plaintext_is_the_default() -> None:
    settings = Settings()
    assert librdkafka_config(settings) == {"security.protocol": "PLAINTEXT"}
    assert faust_credentials(settings) is None


def test_sasl_plaintext_maps_to_both_clients() -> None:
    settings = sasl_settings()
    assert librdkafka_config(settings) == SASL_CONFIG
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    assert credentials_to_aiokafka_auth(credentials) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "qrstream",
        "sasl_plain_password": PASSWORD,
        "ssl_context": None,
    }


def test_sasl_ssl_checks_the_broker_certificate(tls_files: tuple[Path, Path]) -> None:
    ca, _ = tls_files
    settings = sasl_settings(
        kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="PLAIN", kafka_ssl_cafile=ca
    )
    assert librdkafka_config(settings) == {
        **SASL_CONFIG,
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "ssl.ca.location": str(ca),
    }
    auth = credentials_to_aiokafka_auth(faust_credentials(settings))
    assert (auth["security_protocol"], auth["sasl_mechanism"]) == ("SASL_SSL", "PLAIN")
    context = auth["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert len(context.get_ca_certs()) == 1


def test_ssl_with_a_client_certificate(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    settings = Settings(
        kafka_bootstrap=BOOTSTRAP,
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=cert,
        kafka_ssl_certfile=cert,
        kafka_ssl_keyfile=key,
    )
    assert librdkafka_config(settings) == {
        "security.protocol": "SSL",
        "ssl.ca.location": str(cert),
        "ssl.certificate.location": str(cert),
        "ssl.key.location": str(key),
    }
    credentials = faust_credentials(settings)
    assert isinstance(credentials, SSLCredentials)
    assert credentials_to_aiokafka_auth(credentials)["security_protocol"] == "SSL"


def test_unreadable_certificate_files_are_a_config_error(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")
    settings = Settings(
        kafka_bootstrap=BOOTSTRAP, kafka_security_protocol="SSL", kafka_ssl_cafile=not_pem
    )
    with pytest.raises(ConfigError, match=r"^Kafka TLS settings \(QR_KAFKA_SSL_\*\): "):
        faust_credentials(settings)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        pytest.param(
            {"kafka_bootstrap": None, "kafka_security_protocol": "SSL"},
            "SSL: the local dev broker listens in PLAINTEXT only; set QR_KAFKA_BOOTSTRAP",
            id="dev-broker",
        ),
        pytest.param(
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_password": PASSWORD},
            "SASL_SSL: QR_KAFKA_SASL_MECHANISM, QR_KAFKA_SASL_USERNAME must be set too",
            id="sasl-incomplete",
        ),
        pytest.param(
            {"kafka_sasl_username": "qrstream"},
            "PLAINTEXT: QR_KAFKA_SASL_* apply to SASL_PLAINTEXT and SASL_SSL only",
            id="sasl-without-sasl",
        ),
        pytest.param(
            {"kafka_security_protocol": "SSL", "kafka_sasl_password": PASSWORD},
            "SSL: QR_KAFKA_SASL_* apply to SASL_PLAINTEXT and SASL_SSL only",
            id="sasl-with-ssl",
        ),
        pytest.param(
            {"kafka_ssl_cafile": "CERT"},
            "PLAINTEXT: QR_KAFKA_SSL_* apply to SSL and SASL_SSL only",
            id="tls-without-tls",
        ),
        pytest.param(
            {"kafka_security_protocol": "SSL", "kafka_ssl_certfile": "CERT"},
            "SSL: QR_KAFKA_SSL_CERTFILE and QR_KAFKA_SSL_KEYFILE go together",
            id="cert-without-key",
        ),
    ],
)
def test_incoherent_settings_are_rejected(
    settings: dict[str, Any], problem: str, tls_files: tuple[Path, Path]
) -> None:
    values = {"kafka_bootstrap": BOOTSTRAP, **settings}
    values = {k: tls_files[0] if v == "CERT" else v for k, v in values.items()}
    with pytest.raises(ValidationError) as caught:
        Settings(**values)
    assert f"QR_KAFKA_SECURITY_PROTOCOL={problem}" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def run_qrstream(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QR_", "KAFKA_"))}
    return subprocess.run(
        [sys.executable, "-m", "streams", "version"],
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "error"),
    [
        pytest.param(
            {**SASL_ENV, "QR_KAFKA_SASL_USERNAME": ""},
            "Error: invalid setting kafka_sasl_username: String should have at least 1 character",
            id="field",
        ),
        pytest.param(
            {k: v for k, v in SASL_ENV.items() if k != "QR_KAFKA_SASL_MECHANISM"},
            "Error: invalid settings: QR_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT: "
            "QR_KAFKA_SASL_MECHANISM must be set too",
            id="combination",
        ),
    ],
)
def test_the_cli_reports_bad_settings_in_one_line(env: dict[str, str], error: str) -> None:
    result = run_qrstream(env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [error]
    assert PASSWORD not in result.stdout + result.stderr


def test_the_password_stays_out_of_reprs(tmp_path: Path) -> None:
    settings = sasl_settings()
    config = librdkafka_config(settings)
    job = _job(settings)
    bench = ProducerBenchConfig(BOOTSTRAP, tmp_path, client_config=config)
    for shown in (settings, faust_credentials(settings), job, bench):
        assert PASSWORD not in repr(shown)
    assert PASSWORD not in str(settings)


class _Captured(Exception):
    """Raised by the fake client constructors once they recorded their config."""


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Replaces every Kafka client constructor qrstream calls: each records its config and
    raises `_Captured`, so nothing connects."""
    configs: list[dict[str, Any]] = []

    def fake(config: dict[str, Any], **_kwargs: Any) -> None:
        configs.append(dict(config))
        raise _Captured

    for target in (
        "bench.producer.AdminClient",
        "loadgen.sink.Producer",
        "loadgen.truth.Producer",
        "streams.demo.offsets.AdminClient",
        "streams.kafka_admin.AdminClient",
        "streams.keys.topic.Consumer",
        "streams.keys.topic.Producer",
        "streams.outputs.Producer",
        "streams.producer.Producer",
        "streams.siem.run.Consumer",
        "streams.siem.transports.kafka.Producer",
    ):
        monkeypatch.setattr(target, fake)
    yield configs


def assert_secured(configs: list[dict[str, Any]]) -> None:
    assert configs
    for config in configs:
        assert config["bootstrap.servers"] == BOOTSTRAP
        assert {k: config[k] for k in SASL_CONFIG} == SASL_CONFIG


def _root_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "root.pem"
    pair = signing.generate_keypair(signing.DEFAULT_ALGORITHM)
    path.write_bytes(public_pem(pair.algorithm, pair.public_key))
    return path


def _job(settings: Settings) -> Job:
    return Job(
        0,
        1,
        "sign",
        "k",
        {},
        None,
        None,
        bootstrap=settings.bootstrap_servers,
        kafka_config=librdkafka_config(settings),
    )


FACTORIES: dict[str, Callable[[Settings, Path], object]] = {
    "siem-consumer": lambda s, _: _consumer(s, "group"),
    "siem-kafka-destination": lambda s, _: open_transport(
        "kafka://alerts", TransportOptions(s.bootstrap_servers, librdkafka_config(s))
    ),
    "worker-registry": lambda s, tmp: streams.app._load_registry(
        s.model_copy(update={"root_public_key_file": _root_key_file(tmp)})
    ),
    "signed-producer": lambda s, tmp: SignedProducer(
        s.bootstrap_servers,
        key_id="k",
        keypair=signing.generate_keypair(signing.DEFAULT_ALGORITHM),
        sequence=SequenceFile(tmp / "seq"),
        config=librdkafka_config(s),
    ),
    # The reports queue and stop event are not touched before the first record.
    "loadgen-process": lambda s, _: _Loop(_job(s), cast(Any, None), cast(Any, None)),
    "demo-offsets": lambda s, _: start_at_end(
        s.bootstrap_servers, "group", ["t"], librdkafka_config(s)
    ),
    "bench-producer": lambda s, tmp: run_producer_bench(
        ProducerBenchConfig(s.bootstrap_servers, tmp, count=10, client_config=librdkafka_config(s))
    ),
}


@pytest.mark.parametrize("factory", FACTORIES.values(), ids=FACTORIES.keys())
def test_clients_get_the_security_settings(
    factory: Callable[[Settings, Path], object],
    clients: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    with pytest.raises(_Captured):
        factory(sasl_settings(), tmp_path)
    assert_secured(clients)


def test_the_sink_consumer_gets_the_security_settings() -> None:
    assert_secured([consumer_config(sasl_settings())])


def test_the_worker_gives_faust_and_its_producer_the_settings(
    clients: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    apps: list[faust.App] = []
    real_app = faust.App

    def spy(*args: Any, **kwargs: Any) -> faust.App:
        apps.append(real_app(*args, **kwargs))
        return apps[-1]

    monkeypatch.setattr(faust, "App", spy)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(_Captured):  # by the output producer, after the Faust app
        streams.app.build_worker(sasl_settings(var_dir=tmp_path), store="memory://")
    assert_secured(clients)
    auth = credentials_to_aiokafka_auth(apps[0].conf.broker_credentials)
    assert auth["sasl_plain_password"] == PASSWORD
    assert auth["security_protocol"] == "SASL_PLAINTEXT"
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["topics", "describe"], id="topics"),
        pytest.param(["keys", "publish", "k1"], id="keys-publish"),
        pytest.param(["ingest", "zeek", "--key-id", "k1", "ZEEK_LOG"], id="ingest"),
    ],
)
def test_commands_take_the_settings_from_the_environment(
    args: list[str], clients: list[dict[str, Any]], tmp_path: Path
) -> None:
    runner = CliRunner(
        env={**SASL_ENV, "QR_KEYS_DIR": str(tmp_path / "keys"), "QR_KEY_PASSPHRASE": "x"}
    )
    for generate in (["--root"], ["k1"]):
        assert runner.invoke(cli, ["keys", "generate", *generate]).exit_code == 0
    zeek_log = tmp_path / "ssl.log"
    zeek_log.write_text("")
    args = [str(zeek_log) if arg == "ZEEK_LOG" else arg for arg in args]
    result = runner.invoke(cli, args)
    assert isinstance(result.exception, _Captured), result.output
    assert_secured(clients)
