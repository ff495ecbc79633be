"""Running the real pipeline in tests: the qr.* topics, an operator root key and a producer key
published on qr.keys, and `qrstream worker` processes started as subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from confluent_kafka import Consumer
from pydantic import SecretStr

from streams.cli import cli
from streams.keys.store import KeyStore
from tests.utils import Timeout

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


class WorkerProcess:
    """`qrstream worker` in a subprocess, ready once Faust says so."""

    def __init__(self, pipeline: PipelineEnv, worker_id: str, metrics_port: int, *args: str):
        self.log_path = pipeline.root / f"worker-{worker_id}.log"
        self.metrics_port = metrics_port
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streams", "worker",
                "--worker-id", worker_id, "--metrics-port", str(metrics_port), *args,
            ],
            env={**os.environ, **pipeline.env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        timeout = Timeout(90, f"worker {worker_id} ready (log: {self.log_path})")
        while timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-3000:]}")
            if b"[^Worker]: Ready" in self.log_path.read_bytes():
                return
            time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        return self.process.returncode


def scrape(port: int) -> dict[str, float]:
    """The worker's Prometheus metrics as {'name{labels}': value}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


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
