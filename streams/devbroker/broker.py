"""`LocalBroker`: resolve the jars, format the storage, start, wait for, inspect and stop one
single-node KRaft broker."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from streams.devbroker.config import (
    DEPLOY_DIR,
    HOST,
    JVM_FLAGS,
    heap_flags,
    new_cluster_id,
    render_config,
)
from streams.devbroker.process import (
    last_relevant_line,
    pid_alive,
    port_free,
    port_open,
    read_pid,
    require_tool,
    tail_lines,
)
from streams.errors import BrokerError

__all__ = ["BrokerStatus", "LocalBroker", "topic_count"]

logger = logging.getLogger(__name__)

STOP_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.2
JAVA_HINT = "install a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)"
MVN_HINT = "install Apache Maven (Debian/Ubuntu: apt-get install maven)"


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap: str
    topics: int | None  # user topics; None when the broker did not answer a metadata request


def topic_count(bootstrap: str, timeout: float = 2.0) -> int | None:
    """User topics (not the `__`-prefixed internal ones); None if the broker does not answer."""
    # Connection errors while a broker starts are expected; a failure surfaces below anyway.
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
    try:
        topics = admin.list_topics(timeout=timeout).topics
    except KafkaException as err:
        logger.debug("metadata request to %s failed: %s", bootstrap, err)
        return None
    return sum(1 for name in topics if not name.startswith("__"))


class LocalBroker:
    """One single-node KRaft broker on 127.0.0.1:`port`, its controller on `port` + 1."""

    def __init__(
        self,
        var_dir: Path,
        cache_dir: Path,
        port: int = 9092,
        heap: str = "1g",
        progress: Callable[[str], None] = lambda _line: None,
        deploy_dir: Path = DEPLOY_DIR,
    ) -> None:
        self.home = var_dir.resolve() / "kafka"
        self.libs_dir = cache_dir.resolve() / "kafka" / "libs"
        self.port = port
        self.heap = heap
        self.progress = progress
        self.deploy_dir = deploy_dir
        self.data_dir = self.home / "data"
        self.config_path = self.home / "server.properties"
        self.pid_path = self.home / "broker.pid"
        self.log_path = self.home / "logs" / "server.out"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    def kafka_version(self) -> str | None:
        jars = sorted(self.libs_dir.glob("kafka_2.13-*.jar"))
        return jars[0].name.removeprefix("kafka_2.13-").removesuffix(".jar") if jars else None

    def resolve_jars(self, offline: bool = False) -> Path:
        """Copy Kafka and its dependencies into the cache, once per content of the pom."""
        pom = self.deploy_dir / "pom.xml"
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()
        stamp = self.libs_dir.with_name("libs.sha256")
        if self.libs_dir.is_dir() and stamp.is_file() and stamp.read_text().strip() == digest:
            return self.libs_dir
        mvn = require_tool("mvn", MVN_HINT)
        self.progress("resolving Kafka jars from Maven Central...")
        started = time.monotonic()
        # A fresh directory first: jars of an older pom must not stay on the classpath, and an
        # interrupted copy must not look complete.
        partial = self.libs_dir.with_name("libs.partial")
        shutil.rmtree(partial, ignore_errors=True)
        command = [mvn, "-B", "-q", *(["-o"] if offline else []), "-f", str(pom)]
        command += ["dependency:copy-dependencies", f"-DoutputDirectory={partial}"]
        logger.debug("running %s", command)
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - argv of our own, mvn found by shutil.which
        if result.returncode != 0:
            output = (result.stdout + result.stderr).splitlines()
            errors = [line for line in output if line.startswith("[ERROR]")] or output or [""]
            raise BrokerError(f"mvn could not resolve the Kafka jars: {errors[0]}")
        shutil.rmtree(self.libs_dir, ignore_errors=True)
        partial.rename(self.libs_dir)
        stamp.write_text(digest + "\n")
        logger.info("resolved Kafka jars in %.1f s", time.monotonic() - started)
        return self.libs_dir

    def _java(self, main: str, *args: str, jvm: tuple[str, ...] = ()) -> list[str]:
        log4j = self.deploy_dir / "log4j2.yaml"
        classpath = f"{self.libs_dir}/*"
        java = require_tool("java", JAVA_HINT)
        return [java, "-cp", classpath, *jvm, f"-Dlog4j2.configurationFile={log4j}", main, *args]

    def write_config(self) -> None:
        template = (self.deploy_dir / "server.properties").read_text()
        self.home.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(render_config(template, self.port, self.data_dir))

    def format_storage(self) -> None:
        """Format the data directory unless it is; the cluster id is generated once and kept."""
        if (self.data_dir / "meta.properties").exists():
            return
        id_path = self.home / "cluster-id"
        if not id_path.is_file():
            id_path.write_text(new_cluster_id() + "\n")
        self.progress("formatting storage...")
        command = self._java("kafka.tools.StorageTool", "format", "--ignore-formatted")
        command += ["-t", id_path.read_text().strip(), "-c", str(self.config_path)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - argv of our own, java found by shutil.which
        if result.returncode != 0:
            detail = last_relevant_line((result.stdout + result.stderr).splitlines())
            raise BrokerError(f"formatting Kafka storage in {self.data_dir} failed: {detail}")

    def running_pid(self) -> int | None:
        pid = read_pid(self.pid_path)
        return pid if pid is not None and pid_alive(pid) else None

    def running_port(self) -> int | None:
        """The PLAINTEXT port of the config the broker was last started with."""
        try:
            lines = self.config_path.read_text().splitlines()
        except OSError:
            return None
        listeners = [line for line in lines if line.startswith("listeners=")]
        return int(listeners[0].split(",")[0].rsplit(":", 1)[1]) if listeners else None

    def start(self, timeout: float = 60.0) -> tuple[int, float | None]:
        """Start the broker unless it runs, then wait until it answers a metadata request.

        Returns the pid and the seconds it took to get ready (None if it was running already).
        """
        pid = self.running_pid()
        if pid is not None:
            port = self.running_port()
            if port is not None and port != self.port:
                raise BrokerError(
                    f"a broker already runs as pid {pid} on {HOST}:{port}; "
                    "stop it with `qrstream dev down` to use another port"
                )
            self.wait_ready(timeout)
            return pid, None
        require_tool("java", JAVA_HINT)  # before a long jar download that would be of no use
        for port in (self.port, self.port + 1):
            if not port_free(HOST, port):
                raise BrokerError(
                    f"{HOST}:{port} is already in use by another process; stop it or choose "
                    "another port with --port (the controller takes port + 1)"
                )
        self.resolve_jars()
        self.write_config()
        self.format_storage()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
        jvm = (*heap_flags(self.heap), *JVM_FLAGS)
        command = self._java("kafka.Kafka", str(self.config_path), jvm=jvm)
        logger.debug("starting %s", command)
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(  # noqa: S603 - argv of our own, java found by shutil.which
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.home,  # where a crashing JVM writes its hs_err file
                start_new_session=True,  # outlives `qrstream dev up` and a Ctrl-C in its terminal
            )
        self.pid_path.write_text(f"{self._proc.pid}\n")
        logger.info("started Kafka (pid %d) on %s", self._proc.pid, self.bootstrap)
        return self._proc.pid, self.wait_ready(timeout)

    def _exit_status(self, pid: int) -> int | None:
        """None while `pid` runs; its exit status once it exited (-1 if not our child)."""
        if self._proc is not None and self._proc.pid == pid:
            return self._proc.poll()  # also reaps it, so no zombie looks alive
        return None if pid_alive(pid) else -1

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until the broker answered a metadata request; BrokerError if it exits first
        or does not answer within `timeout`."""
        pid = read_pid(self.pid_path)
        if pid is None:
            raise BrokerError("no local broker runs; start one with `qrstream dev up`")
        self.progress(f"waiting for broker on {self.bootstrap} ...")
        started = time.monotonic()
        deadline = started + timeout
        while (status := self._exit_status(pid)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrokerError(
                    f"Kafka (pid {pid}) did not answer on {self.bootstrap} within {timeout:g} s; "
                    f"see {self.log_path}; `qrstream dev down` stops it",
                    self.log_path,
                )
            # A plain connect first: librdkafka facing a closed port only retries and logs.
            if (
                port_open(HOST, self.port)
                and topic_count(self.bootstrap, min(remaining, 2.0)) is not None
            ):
                return time.monotonic() - started
            time.sleep(POLL_INTERVAL_S)
        self.pid_path.unlink(missing_ok=True)
        lines = tail_lines(self.log_path, 200) if self.log_path.exists() else []
        how = f" with status {status}" if status >= 0 else ""
        raise BrokerError(
            f"Kafka exited during startup{how}: {last_relevant_line(lines)} (log: {self.log_path})",
            self.log_path,
        )

    def status(self) -> BrokerStatus:
        pid = self.running_pid()
        if pid is None:
            return BrokerStatus(False, None, self.bootstrap, None)
        bootstrap = f"{HOST}:{self.running_port() or self.port}"
        return BrokerStatus(True, pid, bootstrap, topic_count(bootstrap))

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM (Kafka then shuts down in order), SIGKILL after `timeout`.

        Returns the pid that was stopped, None when no broker ran.
        """
        pid = self.running_pid()
        if pid is not None:
            self.progress(f"stopping Kafka (pid {pid})...")
            self._signal(pid, signal.SIGTERM)
            if not self._wait_exit(pid, timeout):
                logger.warning(
                    "Kafka pid %d still runs %g s after SIGTERM; killing it", pid, timeout
                )
                self._signal(pid, signal.SIGKILL)
                self._wait_exit(pid, 10.0)
        self.pid_path.unlink(missing_ok=True)
        return pid

    @staticmethod
    def _signal(pid: int, signum: signal.Signals) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass  # it exited on its own meanwhile

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._exit_status(pid) is not None:
                return True
            time.sleep(POLL_INTERVAL_S / 2)
        return False
