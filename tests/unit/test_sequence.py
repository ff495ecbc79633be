from __future__ import annotations

from pathlib import Path

import pytest

from streams.sequence import SequenceFile


def test_numbers_increase_across_calls(tmp_path: Path) -> None:
    seq = SequenceFile(tmp_path / "p.seq", block=10)
    assert list(seq.take(3)) == [1, 2, 3]
    assert list(seq.take(20)) == list(range(4, 24))


def test_a_restart_resumes_above_every_reserved_number(tmp_path: Path) -> None:
    first = SequenceFile(tmp_path / "p.seq", block=10)
    used = list(first.take(4))
    # The process dies without any shutdown step; the block's end was already on disk.
    second = SequenceFile(tmp_path / "p.seq", block=10)
    resumed = list(second.take(2))
    assert min(resumed) > max(used)
    assert (tmp_path / "p.seq").read_text().strip().isdigit()


def test_a_corrupt_file_is_an_error_not_a_reset(tmp_path: Path) -> None:
    (tmp_path / "p.seq").write_text("garbage")
    with pytest.raises(ValueError, match="does not hold a sequence number"):
        SequenceFile(tmp_path / "p.seq")
