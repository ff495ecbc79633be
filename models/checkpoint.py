"""Checkpoints of online models: versioned pickle files in a private state directory.

A checkpoint is ``<dir>/<name>-<model_version>-<UTC timestamp>-<counter>.pkl``, written
atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves either the
old set of files or the new one, never a torn file under a checkpoint name. The counter grows by
one per save of a name and orders the files; the timestamp is for people. The newest `keep`
files of a (name, model version) are kept.

`model_version` names what a pickle is compatible with: bump it when the features or the model
class change, and `restore` skips (with a warning) files of any other version. One writer per
(directory, name): give every worker or partition its own name.

Security: unpickling runs code chosen by whoever wrote the file. The state directory must be
trusted and private, mode 0700 and owned by the service user: it is created that way, and saving
or restoring refuses a directory or file that is writable by group or others or owned by another
user (`UnsafeStateDirError`). Files are only ever read from the listing of the configured
directory, by names matching the pattern above, and never through a symbolic link.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar, overload

from models.base import Estimator

__all__ = [
    "CheckpointInfo",
    "Checkpointer",
    "UnsafeStateDirError",
    "restore_latest",
    "save_checkpoint",
]

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Estimator)

_FORMAT = 1
# No "-" (the separator) and no "/" or leading "." in names and versions.
_NAME_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.]*"
_NAME_PATTERN_RE = re.compile(_NAME_PATTERN)
_FILE_RE = re.compile(
    rf"(?P<name>{_NAME_PATTERN})-(?P<version>{_NAME_PATTERN})-(?P<ts>\d{{8}}T\d{{12}}Z)-(?P<counter>\d+)\.pkl"
)
_TS_FORMAT = "%Y%m%dT%H%M%S%fZ"


class UnsafeStateDirError(PermissionError):
    """The state directory or a checkpoint in it could be written by someone else."""


@dataclass(frozen=True, slots=True)
class CheckpointInfo:
    """A checkpoint file, as parsed from its name."""

    path: Path
    name: str
    model_version: str
    created: datetime
    counter: int


class Checkpointer:
    """Periodic and on-shutdown checkpoints of one model under one name.

    Parameters
    ----------
    directory
        The private state directory; created with mode 0700 if missing.
    name
        The model's name, unique per writer (e.g. ``aml_hst.p3``): letters, digits, ``_``, ``.``.
    model_version
        Compatibility version of the pickles (same characters as `name`).
    keep
        How many checkpoints of this name and version to keep.
    interval_s
        The period of `maybe_save`, in seconds.
    clock
        Monotonic clock for `maybe_save`.

    Examples
    --------
    >>> import tempfile
    >>> from models.hst import HalfSpaceTrees
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ckpt = Checkpointer(f"{tmp}/state", "aml_hst", "1", keep=2)
    ...     model = HalfSpaceTrees(warm_up=0, window_size=2)
    ...     for v in (1.0, 2.0, 3.0):
    ...         model.learn_one({"amount": v})
    ...         _ = ckpt.save(model)
    ...     restored = ckpt.restore(HalfSpaceTrees)
    ...     [info.counter for info in ckpt.checkpoints()]
    [3, 2]
    >>> restored.score_one({"amount": 2.5}) == model.score_one({"amount": 2.5})
    True

    In an event loop, take the snapshot on the loop (the model must not change while it is
    pickled) and write it from a worker thread: ``data = ckpt.serialize(model)``, then
    ``await asyncio.to_thread(ckpt.write, data)``.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        name: str,
        model_version: str,
        *,
        keep: int = 3,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for label, token in (("name", name), ("model_version", model_version)):
            if not _NAME_PATTERN_RE.fullmatch(token):
                raise ValueError(f"{label} must match {_NAME_PATTERN}, got {token!r}")
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.directory = Path(directory)
        self.name = name
        self.model_version = model_version
        self.keep = keep
        self.interval_s = interval_s
        self._clock = clock
        self._last_save = clock()

    def due(self) -> bool:
        """Whether `interval_s` has passed since the last save (or since construction)."""
        return self._clock() - self._last_save >= self.interval_s

    def maybe_save(self, model: Estimator) -> Path | None:
        """Save if `due`, for calling on every batch; the path written, or None."""
        return self.save(model) if self.due() else None

    def save(self, model: Estimator) -> Path:
        """Save now (e.g. on shutdown); the path written."""
        return self.write(self.serialize(model))

    def serialize(self, model: Estimator) -> bytes:
        """The checkpoint's bytes: a consistent snapshot of `model`, to `write` later."""
        payload = {
            "format": _FORMAT,
            "name": self.name,
            "model_version": self.model_version,
            "model": model,
        }
        return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)

    def write(self, data: bytes) -> Path:
        """Write `serialize`'s bytes atomically as the next checkpoint, then prune old ones."""
        directory = self._ensure_dir()
        previous = [info.counter for info in self._scan(directory, any_version=True)]
        counter = max(previous, default=0) + 1
        stamp = datetime.now(UTC).strftime(_TS_FORMAT)
        final = directory / f"{self.name}-{self.model_version}-{stamp}-{counter:06d}.pkl"
        tmp = directory / f".{final.name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(directory)
        self._last_save = self._clock()
        self._prune(directory)
        return final

    def checkpoints(self) -> list[CheckpointInfo]:
        """Checkpoints of this name and version, newest first."""
        directory = self._private_dir()
        return [] if directory is None else self._scan(directory)

    @overload
    def restore(self) -> Estimator | None: ...
    @overload
    def restore(self, cls: type[E]) -> E | None: ...
    def restore(self, cls: type[Estimator] = Estimator) -> Estimator | None:
        """The newest checkpoint of this name and version that loads as a `cls`, or None.

        Files of other versions, files that fail to unpickle or the ownership and mode checks,
        and objects of another class are skipped with a warning, so a bad file falls back to
        the one before it. An unsafe directory raises `UnsafeStateDirError`.
        """
        directory = self._private_dir()
        if directory is None:
            return None
        for info in self._scan(directory, any_version=True):
            if info.model_version != self.model_version:
                logger.warning(
                    "ignoring checkpoint %s: model version %s, expected %s",
                    info.path.name,
                    info.model_version,
                    self.model_version,
                )
                continue
            try:
                model = self._load(info.path, cls)
            except Exception as exc:  # unpickling can raise almost anything
                logger.warning("ignoring checkpoint %s: %s: %s", info.path.name, type(exc), exc)
                continue
            logger.info("restored %s from %s", self.name, info.path.name)
            return model
        return None

    def _load(self, path: Path, cls: type[Estimator]) -> Estimator:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ValueError("not a regular file")
            _check_owner_and_mode(path, st)
            payload = pickle.load(f)  # noqa: S301 - only from the private, checked state dir
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError("not a checkpoint of a known format")
        if payload.get("name") != self.name or payload.get("model_version") != self.model_version:
            raise ValueError(
                f"written for {payload.get('name')!r} version {payload.get('model_version')!r}"
            )
        model = payload.get("model")
        if not isinstance(model, cls):
            raise TypeError(f"holds a {type(model).__name__}, expected a {cls.__name__}")
        return model

    def _ensure_dir(self) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory = self._private_dir()
        if directory is None:
            raise FileNotFoundError(f"state directory {self.directory} vanished")
        return directory

    def _private_dir(self) -> Path | None:
        """The resolved state directory after the ownership and mode checks, or None if it
        does not exist."""
        directory = self.directory.resolve()
        try:
            st = directory.stat()
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(f"state directory {directory} is not a directory")
        _check_owner_and_mode(directory, st)
        return directory

    def _scan(self, directory: Path, *, any_version: bool = False) -> list[CheckpointInfo]:
        found = []
        with os.scandir(directory) as entries:
            for entry in entries:
                m = _FILE_RE.fullmatch(entry.name)
                if m is None or m["name"] != self.name:
                    continue
                if not any_version and m["version"] != self.model_version:
                    continue
                created = datetime.strptime(m["ts"], _TS_FORMAT).replace(tzinfo=UTC)
                info = CheckpointInfo(
                    directory / entry.name, m["name"], m["version"], created, int(m["counter"])
                )
                found.append(info)
        found.sort(key=lambda i: (i.counter, i.created), reverse=True)
        return found

    def _prune(self, directory: Path) -> None:
        for info in self._scan(directory)[self.keep :]:
            info.path.unlink(missing_ok=True)
        # Temporary files of this name are leftovers of a crashed save: one writer per name.
        for tmp in directory.glob(f".{self.name}-*.pkl.tmp"):
            tmp.unlink(missing_ok=True)


def save_checkpoint(
    model: Estimator,
    directory: str | os.PathLike[str],
    name: str,
    model_version: str,
    *,
    keep: int = 3,
) -> Path:
    """Save `model` as the next checkpoint of `name` (see `Checkpointer`)."""
    return Checkpointer(directory, name, model_version, keep=keep).save(model)


@overload
def restore_latest(
    directory: str | os.PathLike[str], name: str, model_version: str
) -> Estimator | None: ...
@overload
def restore_latest(
    directory: str | os.PathLike[str], name: str, model_version: str, cls: type[E]
) -> E | None: ...
def restore_latest(
    directory: str | os.PathLike[str],
    name: str,
    model_version: str,
    cls: type[Estimator] = Estimator,
) -> Estimator | None:
    """The newest loadable checkpoint of `name` and `model_version`, or None (see
    `Checkpointer.restore`)."""
    return Checkpointer(directory, name, model_version).restore(cls)


def _check_owner_and_mode(path: Path, st: os.stat_result) -> None:
    if st.st_uid != os.geteuid():
        raise UnsafeStateDirError(f"{path} is owned by uid {st.st_uid}, not by this user")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeStateDirError(
            f"{path} is writable by group or others (mode {stat.S_IMODE(st.st_mode):04o});"
            " checkpoints are pickles, so their directory must be private (0700)"
        )


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
