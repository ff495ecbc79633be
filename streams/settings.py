"""Settings of every qrstream process: one frozen object read from `QR_*` environment variables
(and command-line flags that override them), built once and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, DirectoryPath, Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["HEAP_PATTERN", "Settings"]

# A JVM memory size as -Xmx takes it; `qrstream dev up --heap` checks its flag with it too.
HEAP_PATTERN = r"^[1-9][0-9]*[kKmMgG]$"


class Settings(BaseSettings):
    # Hidden inputs: a cross-field error would otherwise print every value, secrets included.
    model_config = SettingsConfigDict(
        env_prefix="QR_", frozen=True, extra="forbid", hide_input_in_errors=True
    )

    var_dir: Path = Field(Path("var"), description="runtime state: broker data, logs, reports")
    cache_dir: Path = Field(Path(".cache"), description="downloaded jars and built libraries")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = Field(
        "text", description="json gives one structured record per line for log shippers"
    )
    metrics_host: str = Field(
        "127.0.0.1",
        min_length=1,
        # Containers need 0.0.0.0: Prometheus scrapes them from another network namespace.
        description="address the --metrics-port endpoints of worker, sink and forwarder bind",
    )
    kafka_bootstrap: str | None = Field(
        None,
        # KAFKA_BOOTSTRAP is what CI and other tools already export; QR_ wins when both are set.
        validation_alias=AliasChoices("QR_KAFKA_BOOTSTRAP", "KAFKA_BOOTSTRAP"),
        description="bootstrap servers of an existing Kafka; unset means the local dev broker",
    )
    kafka_port: int = Field(
        9092, ge=1, le=65534, description="port of the local dev broker; its controller uses +1"
    )
    kafka_heap: str = Field(
        "1g", pattern=HEAP_PATTERN, description="JVM heap (-Xmx) of the local broker"
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="how every Kafka client connects to QR_KAFKA_BOOTSTRAP"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SASL mechanism of the SASL_* protocols"
    )
    kafka_sasl_username: str | None = Field(None, min_length=1, description="SASL user name")
    kafka_sasl_password: SecretStr | None = Field(
        None, description="SASL password (env QR_KAFKA_SASL_PASSWORD)"
    )
    kafka_ssl_cafile: FilePath | None = Field(
        None,
        description="PEM CA certificates the brokers' certificates are checked against; "
        "unset means the system's CAs",
    )
    kafka_ssl_certfile: FilePath | None = Field(
        None, description="PEM client certificate, for brokers that authenticate clients by TLS"
    )
    kafka_ssl_keyfile: FilePath | None = Field(
        None, description="unencrypted PEM private key of QR_KAFKA_SSL_CERTFILE"
    )
    keys_dir: Path = Field(
        Path("var/keys"), description="local private key store: encrypted PKCS#8 PEM + metadata"
    )
    key_passphrase: SecretStr | None = Field(
        None, description="passphrase of the private keys in keys_dir (env QR_KEY_PASSPHRASE)"
    )
    keys_topic: str = Field("qr.keys", min_length=1, description="the key registry topic")
    root_key_id: str = Field("root", min_length=1, description="key id of the operator root key")
    root_public_key_file: Path | None = Field(
        None, description="PEM (SubjectPublicKeyInfo) of the root key, configured out of band"
    )

    topic_partitions: int = Field(
        6, ge=1, description="partitions of each topic `qrstream topics create` makes"
    )
    topic_replication_factor: int = Field(
        1, ge=1, description="replicas of each topic; 3 on a production cluster"
    )

    app_id: str = Field(
        "qrstream",
        pattern=r"^[A-Za-z0-9._-]{1,100}$",
        description="Faust app id: the consumer group and the prefix of internal topics",
    )
    max_clock_skew_s: float = Field(
        300.0, gt=0, description="accepted distance between qr-ts and the worker's clock"
    )
    max_record_bytes: int = Field(
        1 << 20, ge=1024, description="larger input records are quarantined as oversize"
    )
    registry_refresh_s: float = Field(
        30.0, gt=0, description="how often a worker re-reads the key registry"
    )
    checkpoint_interval_s: float = Field(
        60.0, gt=0, description="how often a worker checkpoints its online models"
    )
    alert_cooldown_s: float = Field(
        300.0, ge=0, description="repeats of an alert (entity, typology) merge within this time"
    )
    batch_max: int = Field(512, ge=1, description="records per agent batch (stream.take)")
    batch_within_s: float = Field(
        0.01, gt=0, description="longest wait to fill an agent batch, in seconds"
    )
    sanctions_ofac_dir: DirectoryPath | None = Field(
        None,
        description="OFAC download folder (sdn.csv, alt.csv, add.csv and/or cons_*.csv) whose "
        "names the sanctions_match rule screens account holders against",
    )
    sanctions_un_xml: FilePath | None = Field(
        None, description="UN Security Council consolidated list (XML) for sanctions_match"
    )
    sanctions_threshold: float = Field(
        88.0, ge=50, le=100, description="lowest name similarity (0-100) sanctions_match reports"
    )

    clickhouse_url: SecretStr | None = Field(
        None,
        description="ClickHouse server, http[s]://user:password@host:port; unset means the "
        "embedded chDB with its data in var_dir/clickhouse",
    )
    sink_flush_rows: int = Field(
        10_000, ge=1, description="the ClickHouse sink inserts once this many records wait"
    )
    sink_flush_interval_s: float = Field(
        1.0, gt=0, description="the sink inserts sooner once its oldest record waited this long"
    )
    sink_retry_budget_s: float = Field(
        120.0, ge=0, description="how long the sink retries an unavailable ClickHouse, then exits"
    )
    siem_hec_token: SecretStr | None = Field(
        None, description="token of a Splunk HEC destination of `qrstream siem forward`"
    )
    siem_retry_budget_s: float = Field(
        120.0, ge=0, description="how long the SIEM forwarder retries a destination, then exits"
    )

    @model_validator(mode="after")
    def _check_kafka_security(self) -> Settings:
        problem = self._kafka_security_problem()
        if problem is not None:
            raise ValueError(
                f"QR_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol}: {problem}"
            )
        return self

    def _kafka_security_problem(self) -> str | None:
        protocol = self.kafka_security_protocol
        sasl = {
            "QR_KAFKA_SASL_MECHANISM": self.kafka_sasl_mechanism,
            "QR_KAFKA_SASL_USERNAME": self.kafka_sasl_username,
            "QR_KAFKA_SASL_PASSWORD": self.kafka_sasl_password,
        }
        tls = (self.kafka_ssl_cafile, self.kafka_ssl_certfile, self.kafka_ssl_keyfile)
        if protocol != "PLAINTEXT" and not self.kafka_bootstrap:
            return "the local dev broker listens in PLAINTEXT only; set QR_KAFKA_BOOTSTRAP"
        if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
            missing = [name for name, value in sasl.items() if value is None]
            if missing:
                return f"{', '.join(missing)} must be set too"
        elif any(value is not None for value in sasl.values()):
            return "QR_KAFKA_SASL_* apply to SASL_PLAINTEXT and SASL_SSL only"
        if protocol not in ("SSL", "SASL_SSL") and any(path is not None for path in tls):
            return "QR_KAFKA_SSL_* apply to SSL and SASL_SSL only"
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            return "QR_KAFKA_SSL_CERTFILE and QR_KAFKA_SSL_KEYFILE go together"
        return None

    @property
    def bootstrap_servers(self) -> str:
        """Where Kafka clients connect: the configured cluster, else the local dev broker."""
        return self.kafka_bootstrap or f"127.0.0.1:{self.kafka_port}"
