"""Shared fixtures. Real test material lives in ../shared (or $QR_SHARED_DIR); it is read in
place, never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared test material: NIST vectors, sanctions lists, Zeek logs."""
    path = Path(os.environ.get("QR_SHARED_DIR", REPO_ROOT.parent / "shared")).resolve()
    if not (path / "vectors").is_dir():
        pytest.fail(f"shared test material not found at {path}; set QR_SHARED_DIR")
    return path
