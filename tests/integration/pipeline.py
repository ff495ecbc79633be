"""Running the real pipeline in tests: the qr.* topics, an operator root key and a producer key
published on qr.keys, and `qrstream worker` processes started as subprocesses."""

from __future__ import annotations

import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from confluent_kafka import Consumer
from pydantic import SecretStr

from streams.cli import cli
from streams.demo.children import Child, scrape_or_raise
from streams.keys.store import KeyStore

__all__ = [
    "PipelineEnv",
    "WorkerProcess",
    "drain",
    "free_port",
    "key_store",
    "make_pipeline_env",
    "scrape",
]

PASSPHRASE = "integration-test passphrase"  # noqa: S105 - a throwaway test key store


@dataclass
class PipelineEnv:
    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def qrstream(self, *args: str) -> str:
        result = CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)
        if result.exit_code != 0:
            raise RuntimeError(f"qrstream {' '.join(args)} failed: {result.output}")
        return result.output


def make_pipeline_env(root: Path, bootstrap: str, producer_kids: tuple[str, ...]) -> PipelineEnv:
    """Topics created, root key generated and exported, producer keys published."""
    pipeline = PipelineEnv(
        root,
        {
            "QR_KAFKA_BOOTSTRAP": bootstrap,
            "QR_VAR_DIR": str(root / "var"),
            "QR_KEYS_DIR": str(root / "keys"),
            "QR_KEY_PASSPHRASE": PASSPHRASE,
            "QR_ROOT_PUBLIC_KEY_FILE": str(root / "root.pem"),
            "QR_TOPIC_PARTITIONS": "3",
            # Own consumer group and internal topics: test modules share the broker.
            "QR_APP_ID": f"qrstream-test-{uuid.uuid4().hex[:12]}",
        },
    )
    pipeline.qrstream("topics", "create")
    pipeline.qrstream("keys", "generate", "--root")
    pipeline.qrstream("keys", "export-public", "root", "--out", str(root / "root.pem"))
    for kid in producer_kids:
        pipeline.qrstream("keys", "generate", kid)
    pipeline.qrstream("keys", "publish", "--all")
    return pipeline


class WorkerProcess(Child):
    """`qrstream worker` in a subprocess, ready once Faust says so."""

    def __init__(self, pipeline: PipelineEnv, worker_id: str, metrics_port: int, *args: str):
        super().__init__(
            f"worker {worker_id}",
            ["streams", "worker", "--worker-id", worker_id, "--metrics-port", str(metrics_port),
             *args],
            pipeline.env,
            pipeline.root / f"worker-{worker_id}.log",
        )  # fmt: skip
        self.metrics_port = metrics_port
        self.wait_for(b"[^Worker]: Ready", 90)


# The worker's Prometheus metrics as {'name{labels}': value}.
scrape = scrape_or_raise


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def key_store(pipeline: PipelineEnv) -> KeyStore:
    return KeyStore(Path(pipeline.env["QR_KEYS_DIR"]), SecretStr(pipeline.env["QR_KEY_PASSPHRASE"]))


def drain(bootstrap: str, topic: str, quiet_s: float = 1.5) -> list[Any]:
    """Everything on `topic` now, read by a new consumer group until nothing new came for
    `quiet_s` seconds (other test modules share the broker: callers filter what is theirs)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"t-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    out: list[Any] = []
    quiet_since = time.monotonic()
    try:
        while time.monotonic() - quiet_since < quiet_s:
            batch = [m for m in consumer.consume(100, timeout=0.5) if m.error() is None]
            if batch:
                out += batch
                quiet_since = time.monotonic()
    finally:
        consumer.close()
    return out
