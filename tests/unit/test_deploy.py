"""The deployment files: docker-compose.yml (with its Prometheus config and env example), the
Dockerfile and the Kubernetes manifests of deploy/k8s.

No container runs here: these tests hold the files to the compose specification's JSON Schema
(`tests/schemas/compose-spec.json`, from compose-spec/compose-spec at commit 170098ba, Apache-2.0),
to the Kubernetes API schemas that kubernetes-validate bundles for `K8S_VERSION` (offline), and
to what the code expects: every QR_* variable is a setting or a CLI option, every referenced
object, volume, service and file exists. `promtool` checks the compose Prometheus config, and
`docker compose config` runs too where the compose plugin is installed.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import jsonschema
import kubernetes_validate
import pytest
import yaml
from click.testing import CliRunner

from streams.cli import cli
from streams.keys.store import kid_to_filename
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "tests" / "schemas" / "compose-spec.json"
K8S_DIR = ROOT / "deploy" / "k8s"
# The oldest Kubernetes minor release upstream still supports; the manifests use nothing newer.
K8S_VERSION = "1.35.0"

# Services that run once and exit, so have no health to check.
ONE_SHOT = {"init", "loadgen"}
_QR_NAME = re.compile(r"\bQR_[A-Z0-9_]+\b")


def _env_names_of_settings() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"QR_{name.upper()}")
        alias = field.validation_alias
        if alias is not None and not isinstance(alias, str):
            names.update(str(choice) for choice in alias.choices)
    return names


def _env_names_of_cli(command: click.Command) -> Iterator[str]:
    for param in command.params:
        envvars = param.envvar if isinstance(param.envvar, list | tuple) else [param.envvar]
        yield from (e for e in envvars if isinstance(e, str))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _env_names_of_cli(sub)


KNOWN_QR_NAMES = _env_names_of_settings() | set(_env_names_of_cli(cli))


def _unknown(names: set[str]) -> set[str]:
    return {name for name in names if name.startswith("QR_")} - KNOWN_QR_NAMES


def _interpolate(value: Any) -> Any:
    """Compose's variable substitution with every variable unset: `${X:-default}` gives the
    default, `$$` a literal `$`."""
    if isinstance(value, dict):
        return {k: _interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v) for v in value]
    if isinstance(value, str):
        value = re.sub(r"(?<!\$)\$\{\w+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", value)
        return value.replace("$$", "$")
    return value


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


def test_compose_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    # Named explicitly: the schema's "$schema" URI lacks the "#" jsonschema looks drafts up by.
    jsonschema.Draft7Validator(schema).validate(_interpolate(compose))


def test_compose_has_every_component(compose: dict[str, Any]) -> None:
    services = compose["services"]
    expected = {"kafka", "clickhouse", "prometheus", "grafana", "init", "worker", "sink"}
    assert expected | {"siem-forwarder", "loadgen"} <= set(services)
    assert services["loadgen"]["profiles"] == ["loadgen"]
    assert all("profiles" not in services[name] for name in expected)
    assert int(_interpolate(services["worker"]["deploy"]["replicas"])) >= 2


def test_compose_services_are_runnable(compose: dict[str, Any]) -> None:
    services = compose["services"]
    declared_volumes = set(compose["volumes"])
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if name not in ONE_SHOT:
            assert "test" in service.get("healthcheck", {}), f"{name} has no health check"
        for target, condition in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}'s health"
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared_volumes, f"{name} mounts undeclared volume {source}"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


def test_compose_workers_get_distinct_ids_and_their_keys(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    script = "\n".join(worker["command"])
    assert "hostname" not in worker and "container_name" not in worker
    assert '--worker-id "$$HOSTNAME"' in script
    assert 'qrstream keys publish "$$kid"' in script


def _root_public_key_outside_key_store(env: dict[str, Any]) -> None:
    # In the key store, <dir>/root.pem is the root's encrypted private key: exporting the public
    # key there would overwrite it.
    root_pem = Path(env["QR_ROOT_PUBLIC_KEY_FILE"])
    assert Path(env["QR_KEYS_DIR"]) not in root_pem.parents


def test_compose_keeps_the_root_public_key_out_of_the_key_store(compose: dict[str, Any]) -> None:
    _root_public_key_outside_key_store(compose["x-qrstream-env"])


def test_compose_and_env_example_name_only_known_settings(compose: dict[str, Any]) -> None:
    names: set[str] = set()
    for key, value in compose.items():
        if key.startswith("x-") and isinstance(value, dict):
            names.update(value.get("environment", value))
    for service in compose["services"].values():
        names.update(service.get("environment", {}))
    example = (ROOT / "deploy" / "compose.env.example").read_text(encoding="utf-8")
    in_example = set(re.findall(r"^#?\s*(QR_[A-Z0-9_]+)=", example, re.MULTILINE))
    assert "QR_KEY_PASSPHRASE" in in_example
    assert _unknown(names | in_example) == set()
    assert "QR_KEY_PASSPHRASE" not in names, "secrets belong in deploy/compose.env"


def test_compose_env_file_is_the_ignored_copy_of_the_example(compose: dict[str, Any]) -> None:
    app = compose["x-qrstream-app"]
    assert app["env_file"] == [{"path": "deploy/compose.env", "required": False}]
    assert "/deploy/compose.env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_compose_prometheus_config_is_valid(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool not found: `make setup` installs Debian's prometheus package")
    # Laid out as the prometheus service mounts it: the rules beside the config.
    shutil.copy(ROOT / "deploy" / "compose" / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copytree(ROOT / "deploy" / "prometheus" / "rules", tmp_path / "rules")
    result = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_prometheus_jobs_are_those_of_deploy_prometheus() -> None:
    def jobs(path: Path) -> set[str]:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {job["job_name"] for job in config["scrape_configs"]}

    compose_jobs = jobs(ROOT / "deploy" / "compose" / "prometheus.yml")
    assert compose_jobs == jobs(ROOT / "deploy" / "prometheus" / "prometheus.yml")


def test_metrics_endpoint_binds_qr_metrics_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Containers set QR_METRICS_HOST=0.0.0.0 so that Prometheus can reach the endpoint."""
    # By module path: the package `streams.cli` rebinds the name `sink` to the command.
    sink_cli = importlib.import_module("streams.cli.sink")
    bound: list[tuple[int, str]] = []
    monkeypatch.setattr(sink_cli.metrics, "serve_metrics", lambda *a: bound.append(a))
    monkeypatch.setattr(
        sink_cli, "run_sink", lambda *a, **k: SimpleNamespace(records=0, rows=0, batches=0)
    )
    env = {"QR_METRICS_HOST": "192.0.2.10", "QR_CLICKHOUSE_URL": "http://ch:8123"}
    result = CliRunner().invoke(cli, ["sink", "--metrics-port", "9410"], env=env)
    assert result.exit_code == 0, result.output
    assert bound == [(9410, "192.0.2.10")]
    assert Settings().metrics_host == "127.0.0.1"


def test_dockerfile_builds_every_python_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for package in ["streams", *pyproject["tool"]["maturin"]["python-packages"]]:
        assert f"COPY {package}/ {package}/" in dockerfile, package
    # streams/sinks/ddl.py finds the schema at <site-packages>/deploy/clickhouse.
    assert "FROM python:3.11-" in dockerfile
    assert "/usr/local/lib/python3.11/site-packages/deploy/clickhouse/" in dockerfile
    assert 'ENTRYPOINT ["qrstream"]' in dockerfile


def _k8s_documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted([*K8S_DIR.glob("*.yaml"), *K8S_DIR.glob("examples/*.yaml")]):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(K8S_DIR)}:{doc['kind']}/{doc['metadata']['name']}"
            found.append((where, doc))
    return found


K8S_DOCUMENTS = _k8s_documents()


@pytest.mark.parametrize(("where", "doc"), K8S_DOCUMENTS, ids=[w for w, _ in K8S_DOCUMENTS])
def test_k8s_manifest_matches_the_api_schema(where: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in K8S_DOCUMENTS if d["kind"] == kind}


LONG_RUNNING = ("Deployment", "StatefulSet")


def _pod_specs(kinds: tuple[str, ...] = (*LONG_RUNNING, "Job")) -> dict[str, dict[str, Any]]:
    workloads = {name: w for kind in kinds for name, w in _by_kind(kind).items()}
    return {name: w["spec"]["template"]["spec"] for name, w in workloads.items()}


def test_k8s_has_every_component() -> None:
    assert set(_by_kind("StatefulSet")) == {"qrstream-worker"}
    deployments = _by_kind("Deployment").values()
    components = {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in deployments}
    assert components == {"sink", "siem-forwarder"}
    assert "qrstream-worker" in _by_kind("PodDisruptionBudget")
    topics_job = _pod_specs(("Job",))["qrstream-topics"]
    assert topics_job["containers"][0]["args"] == ["topics", "create"]
    assert {d["metadata"]["namespace"] for _, d in K8S_DOCUMENTS if d["kind"] != "Namespace"} == {
        "qrstream"
    }


def test_k8s_keeps_the_root_public_key_out_of_the_key_store() -> None:
    _root_public_key_outside_key_store(_by_kind("ConfigMap")["qrstream-config"]["data"])


def test_k8s_workers_do_not_outnumber_partitions() -> None:
    config = _by_kind("ConfigMap")["qrstream-config"]["data"]
    workers = _by_kind("StatefulSet")["qrstream-worker"]["spec"]["replicas"]
    assert 1 <= workers <= int(config["QR_TOPIC_PARTITIONS"])


def test_k8s_containers_have_resources_probes_and_no_privileges() -> None:
    for name, pod in _pod_specs().items():
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod.get("initContainers", []) + pod["containers"]:
            where = f"{name}/{container['name']}"
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert "memory" in container["resources"]["limits"], where
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, where
    for name, pod in _pod_specs(LONG_RUNNING).items():
        for container in pod["containers"]:
            where = f"{name}/{container['name']}"
            assert "livenessProbe" in container and "readinessProbe" in container, where
            port = next(p["containerPort"] for p in container["ports"] if p["name"] == "metrics")
            assert container["args"][container["args"].index("--metrics-port") + 1] == str(port)


def test_k8s_references_resolve_and_settings_are_known() -> None:
    config_maps, secrets = _by_kind("ConfigMap"), _by_kind("Secret")
    names = set(config_maps["qrstream-config"]["data"])
    for name, pod in _pod_specs().items():
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, name
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets, name
        for container in pod.get("initContainers", []) + pod["containers"]:
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps, name
            for env in container.get("env", []):
                names.add(env["name"])
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], name
    assert _unknown(names) == set()


def test_k8s_worker_key_lands_where_the_key_store_looks() -> None:
    pod = _pod_specs()["qrstream-worker"]
    script = pod["initContainers"][0]["args"][0]
    assert kid_to_filename("processor/qrstream-worker-0") == "processor%2Fqrstream-worker-0"
    assert '"$QR_KEYS_DIR/processor%2F$POD_NAME.pem"' in script
    assert '"$QR_KEYS_DIR/processor%2F$POD_NAME.json"' in script
    worker = pod["containers"][0]
    assert worker["args"][:3] == ["worker", "--worker-id", "$(POD_NAME)"]
