"""What the local broker is started with: its server.properties, cluster id and JVM flags."""

from __future__ import annotations

import base64
import string
import uuid
from pathlib import Path

__all__ = ["DEPLOY_DIR", "HOST", "JVM_FLAGS", "heap_flags", "new_cluster_id", "render_config"]

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "kafka"
HOST = "127.0.0.1"
JVM_FLAGS = (
    # Those of Kafka's own kafka-server-start.sh, without its GC log files.
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
_INITIAL_HEAP = "256m"


def render_config(template: str, port: int, data_dir: Path) -> str:
    """server.properties from the template's `${port}`, `${controller_port}` and `${data_dir}`.

    >>> render_config("listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:"
    ...               "${controller_port}", 19092, Path("/d"))
    'listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093'
    """
    # Backslashes start escapes in .properties files.
    return string.Template(template).substitute(
        port=port, controller_port=port + 1, data_dir=str(data_dir).replace("\\", "\\\\")
    )


def new_cluster_id() -> str:
    """A cluster id in Kafka's format: a random UUID as unpadded URL-safe base64 (22 chars)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        # Kafka avoids a leading '-' too, so the id never reads as a command-line option.
        if not cluster_id.startswith("-"):
            return cluster_id


def heap_flags(heap: str) -> list[str]:
    """-Xms/-Xmx for a heap such as "1g"; the initial heap never exceeds the maximum.

    >>> heap_flags("1g"), heap_flags("128m")
    (['-Xms256m', '-Xmx1g'], ['-Xms128m', '-Xmx128m'])
    """
    size = int(heap[:-1]) * _UNITS[heap[-1].lower()]
    floor = int(_INITIAL_HEAP[:-1]) * _UNITS[_INITIAL_HEAP[-1]]
    return [f"-Xms{heap if size < floor else _INITIAL_HEAP}", f"-Xmx{heap}"]
