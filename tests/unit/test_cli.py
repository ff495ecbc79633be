from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from streams import __version__
from streams.cli import cli

pytestmark = pytest.mark.native


def run_qrstream(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
        timeout=60,
    )


def test_help_lists_the_subcommands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "version" in result.output
    assert "bench" in result.output


@pytest.mark.parametrize("args", [["bench", "--help"], ["bench", "crypto", "--help"]])
def test_every_subcommand_has_help(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    assert "Usage: " in result.output


def test_version_names_the_native_code_path() -> None:
    result = CliRunner().invoke(cli, ["version"])
    assert result.exit_code == 0
    assert f"qrstream {__version__}" in result.output
    assert any(path in result.output for path in ("avx2", "neon", "portable"))


def test_unknown_option_is_one_line_without_traceback() -> None:
    result = run_qrstream("bench", "crypto", "--alg", "ML-DSA-66")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Invalid value for '--alg'" in result.stderr


def test_invalid_environment_setting_is_one_clear_line() -> None:
    result = run_qrstream("version", QR_LOG_LEVEL="LOUD")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: invalid setting log_level:")


def test_bench_rejects_non_positive_durations() -> None:
    result = CliRunner().invoke(cli, ["bench", "crypto", "--seconds", "0"])
    assert result.exit_code == 2
    assert "--seconds and --batch must be positive" in result.output
