"""Model checkpoints: naming, atomic writes, retention, restore with fallbacks, and the guards
around unpickling (private directory, no symbolic links, right name and version)."""

from __future__ import annotations

import logging
import os
import pickle
import random
import re
from pathlib import Path

import pytest

from models.checkpoint import Checkpointer, UnsafeStateDirError, restore_latest, save_checkpoint
from models.classifier import LogisticClassifier
from models.hst import HalfSpaceTrees

NAME_RE = re.compile(r"aml_hst-1-\d{8}T\d{12}Z-(\d{6})\.pkl")


def _trained(n: int = 120) -> HalfSpaceTrees:
    model = HalfSpaceTrees(window_size=20, warm_up=40, seed=3)
    rng = random.Random(0)  # noqa: S311 - seeded test data, not crypto
    for _ in range(n):
        model.learn_one({"amount": rng.lognormvariate(3, 1), "n": rng.gauss(5, 1)})
    return model


def _probe(model: HalfSpaceTrees) -> list[float]:
    return [model.score_one({"amount": a, "n": 5.0}) for a in (1.0, 20.0, 5000.0)]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_save_names_file_and_creates_private_dir(state: Path) -> None:
    path = save_checkpoint(_trained(), state, "aml_hst", "1")
    assert path.parent == state.resolve()
    assert NAME_RE.fullmatch(path.name)
    assert state.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in state.iterdir()] == [path.name]  # no temporary file left


def test_restore_round_trip_scores_exactly(state: Path) -> None:
    model = _trained()
    save_checkpoint(model, state, "aml_hst", "1")
    restored = restore_latest(state, "aml_hst", "1", HalfSpaceTrees)
    assert restored is not None
    assert repr(restored) == repr(model)
    assert _probe(restored) == _probe(model)


def test_restore_without_checkpoints_is_none(state: Path) -> None:
    assert restore_latest(state, "aml_hst", "1") is None
    assert not state.exists()  # restoring never creates the directory
    state.mkdir(mode=0o700)
    assert restore_latest(state, "aml_hst", "1") is None


def test_counter_orders_and_keep_prunes(state: Path) -> None:
    ckpt = Checkpointer(state, "aml_hst", "1", keep=2)
    models = [_trained(n) for n in (60, 80, 100)]
    paths = [ckpt.save(m) for m in models]
    counters = [int(NAME_RE.fullmatch(p.name)[1]) for p in paths]  # type: ignore[index]
    assert counters == [1, 2, 3]
    assert [i.path for i in ckpt.checkpoints()] == [paths[2], paths[1]]
    assert not paths[0].exists()
    restored = ckpt.restore(HalfSpaceTrees)
    assert restored is not None
    assert _probe(restored) == _probe(models[2])


def test_names_are_independent(state: Path) -> None:
    save_checkpoint(_trained(60), state, "aml_hst", "1", keep=1)
    save_checkpoint(_trained(100), state, "aml_hst.p2", "1", keep=1)
    save_checkpoint(_trained(80), state, "aml_hst", "1", keep=1)
    assert len(list(state.iterdir())) == 2
    restored = restore_latest(state, "aml_hst.p2", "1", HalfSpaceTrees)
    assert restored is not None
    assert _probe(restored) == _probe(_trained(100))


def test_corrupt_newest_falls_back_with_warning(
    state: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ckpt = Checkpointer(state, "aml_hst", "1")
    model = _trained()
    ckpt.save(model)
    newest = ckpt.save(_trained(60))
    newest.write_bytes(newest.read_bytes()[:50])  # torn
    with caplog.at_level(logging.WARNING, logger="models.checkpoint"):
        restored = ckpt.restore(HalfSpaceTrees)
    assert restored is not None
    assert _probe(restored) == _probe(model)
    assert newest.name in caplog.text


def test_other_version_is_ignored_with_warning(
    state: Path, caplog: pytest.LogCaptureFixture
) -> None:
    save_checkpoint(_trained(), state, "aml_hst", "1")
    with caplog.at_level(logging.WARNING, logger="models.checkpoint"):
        assert restore_latest(state, "aml_hst", "2") is None
    assert "model version 1, expected 2" in caplog.text
    # The old version's files are kept (for a rollback) while the new version saves.
    save_checkpoint(_trained(), state, "aml_hst", "2", keep=1)
    save_checkpoint(_trained(), state, "aml_hst", "2", keep=1)
    assert len(list(state.glob("aml_hst-1-*.pkl"))) == 1
    assert restore_latest(state, "aml_hst", "2") is not None


def test_renamed_file_is_rejected_by_its_contents(
    state: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = save_checkpoint(_trained(), state, "aml_hst", "1")
    path.rename(path.with_name(path.name.replace("aml_hst-1-", "aml_hst-2-")))
    with caplog.at_level(logging.WARNING, logger="models.checkpoint"):
        assert restore_latest(state, "aml_hst", "2") is None
    assert "written for 'aml_hst' version '1'" in caplog.text


def test_wrong_class_is_rejected(state: Path, caplog: pytest.LogCaptureFixture) -> None:
    save_checkpoint(LogisticClassifier(), state, "aml_hst", "1")
    with caplog.at_level(logging.WARNING, logger="models.checkpoint"):
        assert restore_latest(state, "aml_hst", "1", HalfSpaceTrees) is None
    assert "expected a HalfSpaceTrees" in caplog.text
    assert isinstance(restore_latest(state, "aml_hst", "1"), LogisticClassifier)


def test_symlink_is_not_followed(
    state: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outside = save_checkpoint(_trained(), tmp_path / "elsewhere", "aml_hst", "1")
    state.mkdir(mode=0o700)
    (state / outside.name).symlink_to(outside)
    with caplog.at_level(logging.WARNING, logger="models.checkpoint"):
        assert restore_latest(state, "aml_hst", "1") is None
    assert outside.name in caplog.text


def test_files_outside_the_pattern_are_never_read(state: Path) -> None:
    state.mkdir(mode=0o700)
    evil = pickle.dumps({"format": 1, "name": "aml_hst", "model_version": "1", "model": None})
    for name in ("aml_hst-1.pkl", ".aml_hst-1-20260101T000000000000Z-000009.pkl.tmp", "x.pkl"):
        (state / name).write_bytes(evil)
    assert restore_latest(state, "aml_hst", "1") is None


@pytest.mark.parametrize("mode", [0o770, 0o777, 0o722])
def test_shared_directory_is_refused(state: Path, mode: int) -> None:
    save_checkpoint(_trained(), state, "aml_hst", "1")
    state.chmod(mode)
    with pytest.raises(UnsafeStateDirError, match="writable by group or others"):
        restore_latest(state, "aml_hst", "1")
    with pytest.raises(UnsafeStateDirError):
        save_checkpoint(_trained(), state, "aml_hst", "1")


def test_shared_file_is_skipped(state: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = save_checkpoint(_trained(), state, "aml_hst", "1")
    path.chmod(0o666)
    with caplog.at_level(logging.WARNING, logger="models.checkpoint"):
        assert restore_latest(state, "aml_hst", "1") is None
    assert "writable by group or others" in caplog.text


@pytest.mark.parametrize("name", ["../etc", "a-b", ".hidden", "", "a/b"])
def test_unsafe_names_are_rejected(state: Path, name: str) -> None:
    with pytest.raises(ValueError, match="name must match"):
        Checkpointer(state, name, "1")
    with pytest.raises(ValueError, match="model_version must match"):
        Checkpointer(state, "aml_hst", name)


def test_failed_write_leaves_nothing(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ckpt = Checkpointer(state, "aml_hst", "1")
    first = ckpt.save(_trained())

    def fail(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        ckpt.save(_trained(60))
    monkeypatch.undo()
    assert [p.name for p in state.iterdir()] == [first.name]


def test_stale_temporary_files_are_removed(state: Path) -> None:
    state.mkdir(mode=0o700)
    stale = state / ".aml_hst-1-20260101T000000000000Z-000001.pkl.tmp"
    stale.write_bytes(b"half a pickle")
    save_checkpoint(_trained(), state, "aml_hst", "1")
    assert not stale.exists()


def test_maybe_save_follows_the_interval(state: Path) -> None:
    now = [100.0]
    ckpt = Checkpointer(state, "aml_hst", "1", interval_s=60.0, clock=lambda: now[0])
    model = _trained()
    assert ckpt.maybe_save(model) is None
    now[0] = 159.0
    assert ckpt.maybe_save(model) is None
    now[0] = 160.0
    assert ckpt.maybe_save(model) is not None
    assert ckpt.maybe_save(model) is None  # the interval restarts at each save
    now[0] = 200.0
    ckpt.save(model)  # on shutdown, whatever the interval
    now[0] = 250.0
    assert not ckpt.due()
    assert len(ckpt.checkpoints()) == 2
