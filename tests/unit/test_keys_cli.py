from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from streams.cli import cli
from streams.keys.pem import load_public_pem
from streams.keys.registry import load_root_public_key
from streams.keys.store import KeyStore

PASSPHRASE = "cli test passphrase"  # noqa: S105  # a test fixture
HOUR_US = 3_600_000_000


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def run(keys_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("QR_ROOT_PUBLIC_KEY_FILE", "QR_ROOT_KEY_ID", "QR_KEYS_TOPIC"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner(env={"QR_KEYS_DIR": str(keys_dir), "QR_KEY_PASSPHRASE": PASSPHRASE})


def keys(runner: CliRunner, *args: str, **env: str) -> Result:
    return runner.invoke(cli, ["keys", *args], env=env or None)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def one_line_error(result: Result, exit_code: int = 1) -> str:
    """The command failed with exactly one `Error:` line and no traceback."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def listed(runner: CliRunner) -> dict[str, dict[str, object]]:
    return {row["kid"]: row for row in orjson.loads(ok(keys(runner, "list", "--json")))}


@pytest.mark.parametrize(
    "command", ["", "generate", "list", "rotate", "revoke", "publish", "export-public"]
)
def test_every_keys_command_has_help(run: CliRunner, command: str) -> None:
    output = ok(keys(run, *[c for c in (command,) if c], "--help"))
    assert "Usage: " in output


def test_generate_prints_where_the_files_went(run: CliRunner, keys_dir: Path) -> None:
    output = ok(keys(run, "generate", "bank-core/p1", "--valid-days", "30"))
    assert str(keys_dir / "bank-core%2Fp1.pem") in output
    assert str(keys_dir / "bank-core%2Fp1.json") in output
    assert PASSPHRASE not in output
    row = listed(run)["bank-core/p1"]
    assert row["owner"] == "bank-core"
    assert row["algorithm"] == "ML-DSA-65"
    assert row["valid_to_us"] == row["valid_from_us"] + 30 * 24 * HOUR_US  # type: ignore[operator]
    assert row["published"] == "no"


def test_generate_root_uses_the_configured_root_key_id(run: CliRunner) -> None:
    output = ok(keys(run, "generate", "--root", "--alg", "ML-DSA-87"))
    assert "export-public root" in output
    row = listed(run)["root"]
    assert row["root"] is True
    assert row["algorithm"] == "ML-DSA-87"
    assert row["published"] == "n/a"
    assert "root (root)" in ok(keys(run, "list"))


def test_generate_refuses_to_overwrite(run: CliRunner) -> None:
    ok(keys(run, "generate", "k1"))
    before = listed(run)["k1"]["public_key_sha256"]
    error = one_line_error(keys(run, "generate", "k1"))
    assert "already exists" in error
    assert listed(run)["k1"]["public_key_sha256"] == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "root"], "use --root"),
        (["generate", "other", "--root"], "the root key id is 'root'"),
        (["generate"], "missing KID"),
        (["generate", "k1", "--valid-from", "yesterday"], "not 'now' or an ISO 8601 time"),
        (["generate", "k1", "--valid-from", "3000-01-01"], "outside 1970 to 2255"),
        (["generate", "k1", "--alg", "Falcon-512"], "Invalid value for '--alg'"),
        (["generate", "k1", "--valid-days", "0"], "Invalid value for '--valid-days'"),
        (["publish"], "name the keys to publish or give --all"),
        (["publish", "k1", "--all"], "name the keys to publish or give --all"),
        (["rotate", "k1"], "Missing option '--new-kid'"),
    ],
)
def test_bad_arguments_give_one_line(run: CliRunner, args: list[str], message: str) -> None:
    assert message in one_line_error(keys(run, *args), exit_code=2)


def test_store_errors_give_one_line(run: CliRunner) -> None:
    assert "invalid key id 'has space'" in one_line_error(keys(run, "generate", "has space"))
    assert "no key 'nope'" in one_line_error(keys(run, "rotate", "nope", "--new-kid", "n2"))
    assert "no key 'nope'" in one_line_error(keys(run, "revoke", "nope"))
    assert "no key 'nope'" in one_line_error(keys(run, "export-public", "nope"))


def test_missing_passphrase_gives_one_line(run: CliRunner) -> None:
    error = one_line_error(keys(run, "generate", "k1", QR_KEY_PASSPHRASE=""))
    assert error == "Error: no key passphrase: set QR_KEY_PASSPHRASE"


def test_list_is_empty_without_a_store(run: CliRunner) -> None:
    assert orjson.loads(ok(keys(run, "list", "--json"))) == []
    assert ok(keys(run, "list")).startswith("KID")


def test_rotate_overlaps_old_and_new_key(run: CliRunner) -> None:
    ok(keys(run, "generate", "bank-core/p1", "--owner", "Bank Core Ltd"))
    before = time.time_ns() // 1000
    output = ok(
        keys(run, "rotate", "bank-core/p1", "--new-kid", "bank-core/p2", "--overlap-hours", "2")
    )
    after = time.time_ns() // 1000
    assert "bank-core/p2" in output
    rows = listed(run)
    old, new = rows["bank-core/p1"], rows["bank-core/p2"]
    assert new["owner"] == "Bank Core Ltd"
    assert new["algorithm"] == old["algorithm"]
    assert before <= new["valid_from_us"] <= after  # type: ignore[operator]
    assert old["valid_to_us"] == new["valid_from_us"] + 2 * HOUR_US  # type: ignore[operator]


def test_rotate_never_extends_a_key(run: CliRunner) -> None:
    ok(keys(run, "generate", "k1", "--valid-days", "1"))
    valid_to = listed(run)["k1"]["valid_to_us"]
    ok(keys(run, "rotate", "k1", "--new-kid", "k2", "--overlap-hours", "48"))
    assert listed(run)["k1"]["valid_to_us"] == valid_to


def test_rotate_refuses_an_existing_new_kid_and_the_root_key(run: CliRunner) -> None:
    ok(keys(run, "generate", "k1"))
    ok(keys(run, "generate", "k2"))
    ok(keys(run, "generate", "--root"))
    assert "already exists" in one_line_error(keys(run, "rotate", "k1", "--new-kid", "k2"))
    assert listed(run)["k1"]["valid_to_us"] is None
    assert "out of band" in one_line_error(keys(run, "rotate", "root", "--new-kid", "r2"))


def test_revoke_sets_the_time_and_only_moves_it_earlier(run: CliRunner) -> None:
    ok(keys(run, "generate", "k1"))
    output = ok(keys(run, "revoke", "k1", "--at", "2030-01-01T00:00:00+01:00"))
    assert "2029-12-31T23:00:00Z" in output
    at = listed(run)["k1"]["revoked_at_us"]
    assert at == 1_893_452_400 * 1_000_000
    ok(keys(run, "revoke", "k1", "--at", "2031-01-01"))
    assert listed(run)["k1"]["revoked_at_us"] == at
    ok(keys(run, "revoke", "k1"))
    assert listed(run)["k1"]["revoked_at_us"] < at  # type: ignore[operator]


def test_export_public_writes_spki_pem(run: CliRunner, tmp_path: Path, keys_dir: Path) -> None:
    ok(keys(run, "generate", "--root"))
    stdout_pem = ok(keys(run, "export-public", "root"))
    assert stdout_pem.startswith("-----BEGIN PUBLIC KEY-----")
    out = tmp_path / "root.pem"
    result = keys(run, "export-public", "root", "--out", str(out))
    ok(result)
    assert out.read_text() == stdout_pem
    root = load_root_public_key(out)
    stored = KeyStore(keys_dir).get("root")
    assert (root.algorithm, root.raw) == (stored.algorithm, stored.public_key)
    assert load_public_pem(stdout_pem.encode()) == root


def test_publish_needs_the_root_key_before_any_kafka_call(run: CliRunner) -> None:
    ok(keys(run, "generate", "k1"))
    bootstrap = ["--bootstrap", "127.0.0.1:1"]  # nothing listens there: never reached
    assert "no root key 'root'" in one_line_error(keys(run, "publish", "k1", *bootstrap))
    ok(keys(run, "generate", "--root"))
    wrong = {"QR_KEY_PASSPHRASE": "wrong"}
    error = one_line_error(keys(run, "publish", "k1", *bootstrap, **wrong))
    assert "cannot decrypt key 'root': wrong QR_KEY_PASSPHRASE" in error
    assert "is the root key" in one_line_error(keys(run, "publish", "root", *bootstrap))


def test_publish_refuses_a_root_key_other_than_the_configured_one(
    run: CliRunner, tmp_path: Path
) -> None:
    other = CliRunner(env={"QR_KEYS_DIR": str(tmp_path / "other"), "QR_KEY_PASSPHRASE": "x"})
    ok(keys(other, "generate", "--root"))
    configured = tmp_path / "configured-root.pem"
    ok(keys(other, "export-public", "root", "--out", str(configured)))
    ok(keys(run, "generate", "--root"))
    ok(keys(run, "generate", "k1"))
    result = keys(
        run,
        "publish",
        "--all",
        "--bootstrap",
        "127.0.0.1:1",
        QR_ROOT_PUBLIC_KEY_FILE=str(configured),
    )
    assert "workers would ignore its entries" in one_line_error(result)
