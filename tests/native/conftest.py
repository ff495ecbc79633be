"""Fixtures of the native ML-DSA tests: NIST ACVP vectors read in place from the shared folder,
and a session tally of checked and skipped ACVP cases printed in the terminal summary."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MLDSA_VECTORS = Path("vectors") / "mldsa"


@dataclass
class AcvpTally:
    """Cases of one ACVP file: how many were checked, and how many were skipped and why."""

    checked: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def line(self, suite: str) -> str:
        text = f"ACVP {suite}: {self.checked} checked, {sum(self.skipped.values())} skipped"
        if self.skipped:
            reasons = ", ".join(f"{why}: {n}" for why, n in self.skipped.items())
            text += f" ({reasons})"
        return text


@dataclass
class AcvpReport:
    """Filled by the ACVP tests, printed by `pytest_terminal_summary`."""

    suites: dict[str, AcvpTally] = field(default_factory=dict)

    def tally(self, suite: str) -> AcvpTally:
        return self.suites.setdefault(suite, AcvpTally())

    def lines(self) -> list[str]:
        return [tally.line(suite) for suite, tally in self.suites.items()]


_REPORT = pytest.StashKey[AcvpReport]()


@pytest.fixture(scope="session")
def acvp_report(request: pytest.FixtureRequest) -> AcvpReport:
    return request.config.stash.setdefault(_REPORT, AcvpReport())


@pytest.fixture(scope="session")
def mldsa_vectors(shared_dir: Path) -> Path:
    path = shared_dir / MLDSA_VECTORS
    if not path.is_dir():
        pytest.fail(f"ML-DSA ACVP vectors not found at {path}")
    return path


@pytest.fixture(scope="session")
def acvp_json(mldsa_vectors: Path) -> Any:
    """`acvp_json("v1.1.0.43/ML-DSA-keyGen-FIPS204/prompt.json")`: the parsed file, read once."""
    cache: dict[str, Any] = {}

    def load(relative: str) -> Any:
        if relative not in cache:
            cache[relative] = json.loads((mldsa_vectors / relative).read_text(encoding="utf-8"))
        return cache[relative]

    return load


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report = config.stash.get(_REPORT, None)
    if report is None or not report.suites:
        return
    terminalreporter.write_sep("-", "NIST ACVP ML-DSA vectors")
    for line in report.lines():
        terminalreporter.write_line(line)
