"""`qrstream demo` end to end on the test broker: the report files exist, and its detection
figures come from the alerts the worker really published on qr.alerts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from streams.report.truth import load_truth
from streams.settings import Settings
from streams.sinks.clickhouse import connect
from tests.integration.pipeline import drain
from tests.utils import free_port_pair
from topics.specs import ALERTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_short_demo_reports_on_real_alerts(kafka_bootstrap: str, tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {
        **os.environ,
        "QR_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "QR_VAR_DIR": str(var),
        "QR_KEYS_DIR": str(var / "keys"),
        "QR_TOPIC_PARTITIONS": "3",
    }
    result = subprocess.run(
        [sys.executable, "-m", "streams", "demo", "--duration", "15", "--rate", "300",
         "--metrics-port", str(free_port_pair())],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]

    [run_dir] = (var / "demo").iterdir()
    report_dir = var / "reports" / run_dir.name
    for name in ("index.html", "throughput.png", "latency.png", "alerts_per_typology.png"):
        assert (report_dir / name).stat().st_size > 0, name
    assert "precision" in result.stdout and "producer -> emitted" in result.stdout

    # The report's alerts are the ones signed by this run's worker on qr.alerts.
    with connect(Settings(var_dir=var)) as ch:  # type: ignore[call-arg]
        stored = {
            (str(e), str(t))
            for e, t in ch.query("SELECT entity, typology FROM qrstream.alerts_latest").rows
        }
        scored = ch.query("SELECT count() FROM qrstream.scores FINAL").rows[0][0]
    published = {
        (a["entity"], a["typology"])
        for m in drain(kafka_bootstrap, ALERTS)
        if dict(m.headers() or []).get("qr-kid") == b"processor/w1"
        and (a := orjson.loads(m.value()))
    }
    assert stored and stored <= published
    assert scored > 0
    truth = load_truth(run_dir / "truth.jsonl")
    assert truth & stored, "no injected scenario was found"
