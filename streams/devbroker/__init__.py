"""The local development broker behind `qrstream dev`: a real single-node Apache Kafka (KRaft,
combined broker and controller) on 127.0.0.1, run with `java` from jars that Maven resolves from
`deploy/kafka/pom.xml`.

Jars live under `<cache_dir>/kafka/libs`; config, data, log and pid file under `<var_dir>/kafka`.
The broker runs detached from the process that started it, so `up`, `status` and `down` may be
separate commands: the pid file is the only link between them.
"""

from __future__ import annotations

from streams.devbroker.broker import BrokerStatus, LocalBroker
from streams.devbroker.config import DEPLOY_DIR, HOST, heap_flags, new_cluster_id, render_config
from streams.devbroker.process import (
    last_relevant_line,
    pid_alive,
    port_free,
    read_pid,
    require_tool,
    tail_lines,
)

__all__ = [
    "DEPLOY_DIR",
    "HOST",
    "BrokerStatus",
    "LocalBroker",
    "heap_flags",
    "last_relevant_line",
    "new_cluster_id",
    "pid_alive",
    "port_free",
    "read_pid",
    "render_config",
    "require_tool",
    "tail_lines",
]
