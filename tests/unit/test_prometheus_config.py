"""deploy/prometheus passes promtool (Debian's prometheus package, installed by `make setup`):
the scrape configuration with its target files, the alerting rules, and the rules' unit tests on
synthetic series (tests/prometheus). Every metric the rules and the dashboards' Prometheus
panels name is one a qrstream process exports, and every panel expression parses."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

# Imported for their metrics, registered on prometheus_client's default registry.
import streams.metrics
import streams.siem.metrics
import streams.sinks.metrics  # noqa: F401
from tests.grafana import prometheus_exprs

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"
RULE_FILES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
# The samples each metric type exposes (a counter's family name itself is no sample).
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
}


def promtool(*args: str, cwd: Path = REPO_ROOT) -> str:
    if shutil.which("promtool") is None:
        pytest.fail("promtool not found: `make setup` installs Debian's prometheus package")
    result = subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def exported_names() -> set[str]:
    """Sample names of our processes' metrics (a labelled metric has no samples until used, so
    they come from the metric types)."""
    names: set[str] = set()
    for metric in REGISTRY.collect():
        if metric.name.startswith("qrstream_"):
            names.update(metric.name + suffix for suffix in SUFFIXES.get(metric.type, ("",)))
    return names


def rules() -> list[dict[str, str]]:
    return [
        rule
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    ]


def test_scrape_config_and_target_files_are_valid() -> None:
    out = promtool("check", "config", "prometheus.yml", cwd=PROMETHEUS_DIR)
    assert f"{len(RULE_FILES)} rule files found" in out


def test_rules_are_valid() -> None:
    assert RULE_FILES
    promtool("check", "rules", *map(str, RULE_FILES))


def test_alerts_fire_on_synthetic_series() -> None:
    promtool("test", "rules", "qrstream_rules_test.yml", cwd=REPO_ROOT / "tests" / "prometheus")


def test_the_required_alerts_exist() -> None:
    assert {rule["alert"] for rule in rules()} >= {
        "QrstreamWorkerDown",
        "QrstreamSinkLagGrowing",
        "QrstreamQuarantineRatioHigh",
        "QrstreamLatencyP99High",
        "QrstreamIntegrityAlertBurst",
    }


def test_rules_and_dashboards_name_only_exported_metrics() -> None:
    texts = [rule["expr"] for rule in rules()] + [q.text for q in prometheus_exprs()]
    used = {name for text in texts for name in re.findall(r"\bqrstream_[a-z0-9_]+\b", text)}
    assert used, "no qrstream metric used"
    assert used <= exported_names(), f"not exported: {sorted(used - exported_names())}"


def test_dashboard_expressions_parse(tmp_path: Path) -> None:
    """Each expression as a recording rule: `promtool check rules` parses PromQL offline."""
    exprs = prometheus_exprs()
    assert len(exprs) >= 10
    rules = [{"record": f"dashboard:expr_{i}", "expr": q.text} for i, q in enumerate(exprs)]
    path = tmp_path / "dashboard-exprs.yml"
    # JSON is YAML.
    path.write_text(json.dumps({"groups": [{"name": "dashboards", "rules": rules}]}))
    promtool("check", "rules", str(path))
