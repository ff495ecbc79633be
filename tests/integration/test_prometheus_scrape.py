"""A real Prometheus (Debian's package) on loopback, run with deploy/prometheus as shipped (only
the target files point at this test's worker), scrapes a running `qrstream worker`: its HTTP API
shows the target up, our metrics stored, the alerting rules loaded and evaluated without error,
and every Prometheus query of the Grafana dashboards accepted."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from confluent_kafka import Producer

from tests.grafana import prometheus_exprs
from tests.integration.pipeline import (
    PipelineEnv,
    WorkerProcess,
    free_port,
    make_pipeline_env,
    scrape,
)
from tests.utils import Timeout
from topics.specs import TRANSACTIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
JOB = "qrstream-worker"


class PrometheusServer:
    """`prometheus` with a temporary TSDB on 127.0.0.1, never the package's system service."""

    def __init__(self, config: Path, data: Path, log: Path) -> None:
        if shutil.which("prometheus") is None:
            pytest.fail("prometheus not found: `make setup` installs Debian's prometheus package")
        self.address = f"127.0.0.1:{free_port()}"
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address={self.address}",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        timeout = Timeout(30, f"Prometheus ready (log: {log})")
        while timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://{self.address}/-/ready", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)

    def api(self, path: str, **params: str) -> Any:
        """The `data` of an HTTP API answer; an error answer fails the test with its message."""
        query = urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(
                f"http://{self.address}/api/v1/{path}?{query}", timeout=10
            ) as response:
                body = json.load(response)
        except urllib.error.HTTPError as err:
            body = json.load(err)
        assert body["status"] == "success", f"{path} {params}: {body}"
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.api("query", query=expr)["result"]
        return result

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self._log.close()


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineEnv]:
    yield make_pipeline_env(tmp_path_factory.mktemp("prometheus"), kafka_bootstrap, ("bank/p1",))


@pytest.fixture(scope="module")
def worker(pipeline: PipelineEnv) -> Iterator[WorkerProcess]:
    process = WorkerProcess(pipeline, "prom1", free_port(), "--verify-only")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def prometheus(pipeline: PipelineEnv, worker: WorkerProcess) -> Iterator[PrometheusServer]:
    config_dir = pipeline.root / "prometheus"
    shutil.copytree(REPO_ROOT / "deploy" / "prometheus", config_dir)
    # Only our worker: the shipped target files name the default ports, which may be anything
    # on a shared machine.
    (config_dir / "targets" / "worker.yml").write_text(
        json.dumps([{"targets": [f"127.0.0.1:{worker.metrics_port}"]}])
    )
    for name in ("sink.yml", "siem-forwarder.yml"):
        (config_dir / "targets" / name).write_text("[]")
    server = PrometheusServer(
        config_dir / "prometheus.yml", pipeline.root / "tsdb", pipeline.root / "prometheus.log"
    )
    try:
        yield server
    finally:
        server.stop()


def test_prometheus_scrapes_the_worker(
    pipeline: PipelineEnv, worker: WorkerProcess, prometheus: PrometheusServer
) -> None:
    # Unsigned records: quarantined as missing_header, which makes the labelled counters appear.
    producer = Producer({"bootstrap.servers": pipeline.env["QR_KAFKA_BOOTSTRAP"]})
    for i in range(5):
        producer.produce(TRANSACTIONS, orjson.dumps({"i": i}), f"prom-{i}".encode())
    assert producer.flush(30) == 0
    counted = f'qrstream_records_in_total{{topic="{TRANSACTIONS}"}}'
    timeout = Timeout(60, "the worker counts its input")
    while scrape(worker.metrics_port).get(counted, 0) < 5 and timeout:
        time.sleep(0.5)

    # The shipped configuration scrapes every 15 s, the first time at an offset within that.
    instance = f"127.0.0.1:{worker.metrics_port}"
    selector = f'{{job="{JOB}", instance="{instance}", topic="{TRANSACTIONS}"}}'
    timeout = Timeout(60, "Prometheus stores the worker's counters")
    while timeout:
        stored = prometheus.query(f"qrstream_records_in_total{selector}")
        if stored and float(stored[0]["value"][1]) >= 5:
            break
        time.sleep(1)
    [up] = prometheus.query(f'up{{job="{JOB}"}}')
    assert up["metric"]["instance"] == instance
    assert up["value"][1] == "1"
    quarantined = prometheus.query(
        f'qrstream_records_quarantined_total{{job="{JOB}", reason="missing_header"}}'
    )
    assert quarantined, "no quarantine counter scraped"
    assert prometheus.query(f'qrstream_stage_seconds_bucket{{job="{JOB}", stage="verify"}}')


def test_rules_load_and_evaluate_and_dashboard_queries_run(prometheus: PrometheusServer) -> None:
    timeout = Timeout(60, "Prometheus evaluates every rule once")
    while timeout:
        rules = [r for g in prometheus.api("rules")["groups"] for r in g["rules"]]
        if rules and all(r["health"] != "unknown" for r in rules):
            break
        time.sleep(1)
    assert {r["name"] for r in rules} >= {"QrstreamWorkerDown", "QrstreamLatencyP99High"}
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []
    for query in prometheus_exprs():
        prometheus.query(query.text)
