"""Reading and mapping Zeek's real test-suite logs (shared/data/tls): TSV headers, zeek-cut
output, JSON lines (flat, nested, `_` scope separator) and gzip give the same events; names
of other Zeek versions; certificates joined from x509.log; group code points; the CLI."""

from __future__ import annotations

import doctest
import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from models.quantum import classify
from streams.cli import cli
from streams.ingest import (
    CertIndex,
    ZeekIngest,
    ZeekLogError,
    log_kind,
    map_ssl,
    read_log,
    zeek_fields,
    zeek_map,
)
from tests.zeek_oracle import baselines
from topics.messages.telemetry import TelemetryEvent

NOW_US = 1_767_225_600_000_000


@pytest.fixture(scope="module")
def logs(shared_dir: Path) -> Path:
    return baselines(shared_dir)


ML_DSA = "scripts.base.protocols.ssl.ml-dsa-44-cert"
LOG_EXT = "scripts.policy.protocols.ssl.ssl-log-ext/ssl-all.log"
MLKEM_CUT = "scripts.base.protocols.quic.decrypt-fail-google-de-51833/ssl.log.cut"
SAMPLE = [
    f"{ML_DSA}/ssl.log",
    f"{ML_DSA}/x509.log",
    LOG_EXT,
    "scripts.base.protocols.ssl.tls13/ssl-out.log",
    "scripts.base.protocols.smtp.starttls/ssl.log",
    "scripts.base.protocols.smtp.starttls/x509.log",
    "scripts.base.protocols.ssl.tls1_1/ssl.log",
    "scripts.base.protocols.ssl.tls1_1/x509.log",
]


def events(paths: list[Path], sensor: str = "zeek/test") -> list[TelemetryEvent]:
    run = ZeekIngest(paths, sensor=sensor, fallback_ts_us=NOW_US)
    out = list(run.events())
    assert run.stats.failed == [] and run.stats.invalid == 0
    return out


def test_tsv_headers_types_and_concatenated_logs(logs: Path) -> None:
    records = list(read_log(logs / LOG_EXT))
    assert len(records) == 12  # nine logs, each with its own headers, in one file
    tls13 = records[8]
    assert tls13["_path"] == "ssl"
    assert tls13["client_curves"] == ["25", "24", "23", "21", "19", "16", "256"]  # vector[count]
    assert records[7]["client_cert_chain_fps"] == []  # (empty)
    assert tls13["cert_chain_fps"] is None  # -
    assert (tls13["version"], tls13["established"]) == ("TLSv13", "T")


def test_zeek_cut_output_is_read_under_its_header_row(logs: Path) -> None:
    [record] = read_log(logs / MLKEM_CUT)
    assert log_kind(record) == "ssl"
    assert (record["curve"], record["server_name"]) == ("X25519MLKEM768", "www.google.de")
    [event] = events([logs / MLKEM_CUT])
    unspecified = "0.0.0.0"  # noqa: S104  # zeek-cut left the endpoints out
    assert (event.group, event.resp_h, event.resp_p) == ("X25519MLKEM768", unspecified, 0)


def test_data_without_field_names_is_an_error_naming_the_line(logs: Path) -> None:
    path = logs / "scripts.base.protocols.ssl.max-history-length/ssl-max-history-length-3.log"
    with pytest.raises(ZeekLogError, match=r"ssl-max-history-length-3\.log:2: data before"):
        list(read_log(path))


def _typed(value: str, zeek_type: str) -> Any:
    """A TSV value as Zeek's JSON writer writes it."""
    if zeek_type.startswith(("set[", "vector[")):
        inner = zeek_type[zeek_type.index("[") + 1 : -1]
        return [] if value == "(empty)" else [_typed(v, inner) for v in value.split(",")]
    if zeek_type in ("count", "int", "port"):
        return int(value)
    if zeek_type in ("time", "interval", "double"):
        return value if value.startswith("X") else float(value)  # btest masks some times
    if zeek_type == "bool":
        return value == "T"
    return value


def as_json(path: Path, *, nested: bool = False, scope_sep: str = ".") -> list[dict[str, Any]]:
    """The records of a real TSV log as Zeek's JSON writer would log them: typed values, unset
    fields left out; `nested` as shippers that nest `id.*` write them."""
    out: list[dict[str, Any]] = []
    names: list[str] = []
    types: list[str] = []
    for line in path.read_text().splitlines():
        if line.startswith("#fields\t"):
            names = line.split("\t")[1:]
        elif line.startswith("#types\t"):
            types = line.split("\t")[1:]
        elif line and not line.startswith("#"):
            record: dict[str, Any] = {}
            for name, zeek_type, value in zip(names, types, line.split("\t"), strict=True):
                if value == "-":
                    continue
                if nested and name.startswith("id."):
                    record.setdefault("id", {})[name[3:]] = _typed(value, zeek_type)
                else:
                    record[name.replace(".", scope_sep)] = _typed(value, zeek_type)
            out.append(record)
    return out


@pytest.mark.parametrize(
    ("variant", "options"),
    [
        pytest.param("flat.log", {}, id="json"),
        pytest.param("nested.log.gz", {"nested": True}, id="json-nested-gzip"),
        pytest.param("scope.log", {"scope_sep": "_"}, id="json-scope-sep-underscore"),
    ],
)
def test_json_variants_give_the_events_of_the_tsv_logs(
    logs: Path, tmp_path: Path, variant: str, options: dict[str, Any]
) -> None:
    tsv = [logs / name for name in SAMPLE]
    converted = []
    for i, path in enumerate(tsv):
        out = tmp_path / f"{i}-{variant}"
        body = b"".join(orjson.dumps(r) + b"\n" for r in as_json(path, **options))
        out.write_bytes(gzip.compress(body) if variant.endswith(".gz") else body)
        converted.append(out)

    def without_ids(evs: list[TelemetryEvent]) -> list[dict[str, Any]]:
        return [e.model_dump(exclude={"event_id"}) for e in evs]

    expected = events(tsv)
    assert len(expected) == 1 + 12 + 11 + 1 + 1
    assert without_ids(events(converted)) == without_ids(expected)


def test_gzipped_tsv_is_read(logs: Path, tmp_path: Path) -> None:
    path = tmp_path / "ssl.log.gz"
    path.write_bytes(gzip.compress((logs / LOG_EXT).read_bytes()))
    assert events([path]) == events([logs / LOG_EXT])


def test_certificate_joined_by_fingerprint(logs: Path) -> None:
    [event] = events([logs / ML_DSA / "x509.log", logs / ML_DSA / "ssl.log"])  # any order
    cert = event.cert
    assert cert is not None and event.client_cert is None
    assert (cert.key_type, cert.key_alg, cert.sig_alg) == ("ML-DSA-44",) * 3
    assert (cert.key_length, cert.serial) == (10496, "6CC93D07602EC79CFD5201B425D1A93C7023197F")
    assert (cert.not_valid_before_us, cert.not_valid_after_us) == (
        1_775_199_968_000_000,
        1_806_735_968_000_000,
    )
    assert classify(event).cert_key == "pq"

    run = ZeekIngest([logs / ML_DSA / "ssl.log"], sensor="zeek/test", fallback_ts_us=NOW_US)
    [alone] = run.events()
    assert alone.cert is None and run.stats.unjoined_certs == 1


def test_x509_rows_of_zeek_before_4_2_have_no_fingerprint_to_join(logs: Path) -> None:
    [row] = read_log(logs / ML_DSA / "x509.log")
    old = {k: v for k, v in row.items() if k != "fingerprint"} | {"id": "FhYtIx3cpQz0Vp8Ef"}
    index = CertIndex()
    index.add(old)
    index.add(row)
    assert (index.rows, index.unusable, len(index)) == (2, 1, 1)
    [ssl] = read_log(logs / ML_DSA / "ssl.log")
    renamed = {k: v for k, v in ssl.items() if k != "cert_chain_fps"}
    renamed["cert_chain_fuids"] = ["FhYtIx3cpQz0Vp8Ef"]
    event, unjoined = map_ssl(renamed, index, sensor="zeek/test", fallback_ts_us=NOW_US)
    assert (event.cert, unjoined) == (None, 1)


@pytest.mark.parametrize(
    ("logged", "name"),
    [
        ("X25519MLKEM768", "X25519MLKEM768"),
        ("unknown-4588", "X25519MLKEM768"),
        ("4588", "X25519MLKEM768"),
        ("0x11EC", "X25519MLKEM768"),
        ("X25519Kyber768Draft00", "X25519Kyber768Draft00"),
        ("unknown-25497", "X25519Kyber768Draft00"),
        ("0x6399", "X25519Kyber768Draft00"),
        ("unknown-4587", "SecP256r1MLKEM768"),
        ("4589", "SecP384r1MLKEM1024"),
    ],
)
def test_hybrid_group_code_points_are_named_and_post_quantum(
    logs: Path, logged: str, name: str
) -> None:
    [row] = read_log(logs / MLKEM_CUT)
    event, _ = map_ssl(row | {"curve": logged}, CertIndex(), sensor="z", fallback_ts_us=NOW_US)
    posture = classify(event)
    assert (event.group, posture.kex, posture.quantum_vulnerable_kex) == (
        name,
        "pq_hybrid",
        False,
    )


def test_ssl_log_ext_offers_are_named_and_grease_dropped(logs: Path) -> None:
    chrome = events([logs / LOG_EXT])[9]  # tls13draft23-chrome67.0.3368.0-canary.pcap
    # Logged as 39578,29,23,24 / 56026,32535,771,770,769 / 39578,29: 39578 and 56026 are GREASE.
    assert chrome.client_groups == ["x25519", "secp256r1", "secp384r1"]
    assert chrome.client_versions == ["TLSv13", "TLSv12", "TLSv11", "TLSv10"]
    assert chrome.client_key_shares == ["x25519"]
    assert chrome.client_ciphers[:3] == ["0x1301", "0x1302", "0x1303"]
    assert (chrome.version, chrome.group) == ("TLSv13-draft23", "x25519")


def test_server_key_share_group_stands_in_for_an_unset_curve(logs: Path) -> None:
    row = next(r for r in read_log(logs / LOG_EXT) if r["server_key_share_group"] == "23")
    event, _ = map_ssl(row | {"curve": None}, CertIndex(), sensor="z", fallback_ts_us=NOW_US)
    assert event.group == "secp256r1"


def test_event_ids_are_stable_per_sensor_and_record(logs: Path) -> None:
    paths = [logs / LOG_EXT]
    first, again, other = events(paths), events(paths), events(paths, sensor="zeek/other")
    assert [e.event_id for e in first] == [e.event_id for e in again]
    assert len({e.event_id for e in first} | {e.event_id for e in other}) == 2 * len(first)


def test_cli_dry_run_writes_valid_events_and_totals(logs: Path) -> None:
    paths = [str(logs / p) for p in SAMPLE] + [
        str(logs / "scripts.base.protocols.ftp.gridftp/conn.log")
    ]
    result = CliRunner().invoke(cli, ["ingest", "zeek", "--dry-run", "--sensor", "zeek/t", *paths])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    parsed = [TelemetryEvent.model_validate_json(line) for line in lines]
    assert len(parsed) == 26 and {e.sensor for e in parsed} == {"zeek/t"}
    assert "gridftp/conn.log: not an ssl or x509 log" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "26 events from 26 handshakes in 5 ssl logs, 6 certificates from 3 x509 logs; "
        "0 invalid, 7 certificates not found; written to stdout"  # 7: ssl-log-ext has no x509
    )


def test_cli_unreadable_file_fails_after_the_rest(logs: Path) -> None:
    bad = logs / "scripts.base.protocols.ssl.max-history-length/ssl-max-history-length-3.log"
    result = CliRunner().invoke(cli, ["ingest", "zeek", "--dry-run", str(logs / LOG_EXT), str(bad)])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 12
    assert result.stderr.splitlines()[-1].startswith("Error: 1 files unreadable, first ")


def test_cli_needs_a_key_id_to_publish(logs: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "zeek", str(logs / LOG_EXT)])
    assert result.exit_code == 2
    assert "--key-id is required unless --dry-run" in result.stderr


@pytest.mark.parametrize("module", [zeek_fields, zeek_map], ids=lambda m: m.__name__)
def test_docstring_examples(module: Any) -> None:
    result = doctest.testmod(module)
    assert (result.failed, result.attempted > 0) == (0, True)
