"""`qrstream ingest zeek` over the real broker: Zeek's real test-suite logs are signed and
published, a worker verifies every record, and the quantum-threat alerts it raises are those
the raw log fields call for (tests/zeek_oracle.py), no more and no fewer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from confluent_kafka import Message

from models.quantum import HostInventory, QuantumRulesConfig
from streams.cli import cli
from tests.integration.pipeline import (
    PipelineEnv,
    WorkerProcess,
    drain,
    free_port,
    make_pipeline_env,
)
from tests.utils import Timeout
from tests.zeek_oracle import baselines, expect, raw_certs, raw_rows
from topics.specs import ALERTS, QUARANTINE, SCORES

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Unique per run: qr.keys and qr.quarantine are shared with the other test modules.
SENSOR_KID = f"zeek/ingest-{uuid.uuid4().hex[:8]}"
WORKER = "z1"
LOGS = [
    "scripts.base.protocols.ssl.tls13/ssl-out.log",  # X25519Kyber768Draft00, drafts, failures
    "scripts.base.protocols.quic.decrypt-fail-google-de-51833/ssl.log.cut",  # X25519MLKEM768
    "scripts.base.protocols.ssl.ml-dsa-44-cert/ssl.log",
    "scripts.base.protocols.ssl.ml-dsa-44-cert/x509.log",
    "scripts.base.protocols.smtp.starttls/ssl.log",
    "scripts.base.protocols.smtp.starttls/x509.log",
    "scripts.base.protocols.imap.starttls/ssl.log",
    "scripts.base.protocols.imap.starttls/x509.log",
    "scripts.base.protocols.ssl.tls1_1/ssl.log",
    "scripts.base.protocols.ssl.tls1_1/x509.log",
    "scripts.policy.protocols.ssl.ssl-log-ext/ssl-all.log",  # TLSv10 RC4-MD5, DTLSv10
    "scripts.base.protocols.postgresql.psql-aws-ssl-require/ssl.cut",
]


@pytest.fixture(scope="module")
def pipeline(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineEnv]:
    root = tmp_path_factory.mktemp("ingest-zeek")
    yield make_pipeline_env(root, kafka_bootstrap, (SENSOR_KID, f"processor/{WORKER}"))


def expected_alerts(paths: list[Path]) -> set[tuple[str, str]]:
    certs = raw_certs([p for p in paths if p.name.startswith("x509")])
    cfg = QuantumRulesConfig()
    out = set()
    for path in paths:
        if not path.name.startswith("x509"):
            for row in raw_rows(path):
                want = expect(row, certs, cfg)
                out |= {(want.host, typology) for typology in want.alerts}
    return out


def test_ingested_logs_verify_and_raise_the_alerts_their_fields_call_for(
    pipeline: PipelineEnv, shared_dir: Path
) -> None:
    bootstrap = pipeline.env["QR_KAFKA_BOOTSTRAP"]
    paths = [baselines(shared_dir) / name for name in LOGS]
    expected = expected_alerts(paths)
    assert {t for _, t in expected} == {"legacy_crypto", "hndl_exposure"}
    # Event ids are a function of sensor and record, so a dry run names the ids to look for.
    dry = CliRunner().invoke(
        cli,
        ["ingest", "zeek", "--dry-run", "--sensor", SENSOR_KID, *map(str, paths)],
        env=pipeline.env,
    )
    assert dry.exit_code == 0, dry.output
    ids = {orjson.loads(line)["event_id"] for line in dry.stdout.splitlines()}
    assert len(ids) == 11 + 1 + 1 + 1 + 1 + 1 + 12 + 1

    worker = WorkerProcess(pipeline, WORKER, free_port())
    try:
        output = pipeline.qrstream("ingest", "zeek", "--key-id", SENSOR_KID, *map(str, paths))
        scores: set[str] = set()
        timeout = Timeout(90, f"{len(ids)} score records")
        while not ids <= scores and timeout:
            scores |= {s["event_id"] for s in map(_payload, drain(bootstrap, SCORES))}
        got: set[tuple[str, str]] = set()
        timeout = Timeout(60, f"alerts {expected}")
        while not expected <= got and timeout:
            alerts = [
                a for a in map(_payload, drain(bootstrap, ALERTS)) if ids & set(a["event_ids"])
            ]
            got = {(a["entity"], a["typology"]) for a in alerts}
        changelog = f"{pipeline.env['QR_APP_ID']}-crypto-inventory-changelog"
        pq_hosts, smtp = {"lh3.google.com", "www.google.de"}, "74.125.142.26:25"
        inventory: dict[str, HostInventory] = {}
        timeout = Timeout(60, f"inventory of {pq_hosts} and {smtp} on {changelog}")
        while not pq_hosts | {smtp} <= set(inventory) and timeout:
            inventory = {
                m.key().decode(): HostInventory.from_dict(_payload(m))
                for m in drain(bootstrap, changelog)
            }
        quarantined = [
            q for q in map(_payload, drain(bootstrap, QUARANTINE)) if q.get("kid") == SENSOR_KID
        ]
    finally:
        assert worker.stop() == 0

    assert f"{len(ids)} delivered to qr.telemetry signed by {SENSOR_KID}" in output
    assert ids <= scores  # every record verified and scored
    assert quarantined == []
    assert got == expected
    assert all(inventory[host].pq_ready() for host in pq_hosts)
    assert not inventory[smtp].pq_ready()


def _payload(message: Message) -> Any:
    return orjson.loads(message.value() or b"{}")
