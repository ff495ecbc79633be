"""`qrstream siem forward`: settings and destinations that cannot work give one line and a
non-zero status before anything is read."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from streams.cli import cli


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--to", "ftp://x/y"], {}, "unsupported destination 'ftp://x/y'; use one of:"),
        (["--to", "https://splunk:8088"], {}, "needs its token: QR_SIEM_HEC_TOKEN or --hec-token"),
        (["--to", "-"], {}, "QR_ROOT_PUBLIC_KEY_FILE is not set"),
        (["--to", "-"], {"QR_ROOT_PUBLIC_KEY_FILE": "/nonexistent/root.pem"}, "cannot read"),
    ],
)
def test_unusable_settings_give_one_line(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = CliRunner().invoke(
        cli,
        ["siem", "forward", "--format", "cef", *args],
        env={"QR_ROOT_PUBLIC_KEY_FILE": None, **env},
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.output


def test_unknown_format_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["siem", "forward", "--format", "xml", "--to", "-"])
    assert result.exit_code == 2
    assert "'xml' is not one of 'ecs', 'ocsf', 'cef', 'leef', 'splunk-hec'" in result.output
