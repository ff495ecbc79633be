from __future__ import annotations

from pathlib import Path

from streams.replay import ReplayCheck, SqliteReplayGuard

NEW, REDELIVERY, REPLAY = ReplayCheck.NEW, ReplayCheck.REDELIVERY, ReplayCheck.REPLAY


def test_increasing_sequence_numbers_are_new(tmp_path: Path) -> None:
    guard = SqliteReplayGuard(tmp_path / "r.db")
    assert [guard.check("k", b"a", seq, 0, seq) for seq in (1, 2, 5)] == [NEW] * 3


def test_old_sequence_at_a_new_offset_is_a_replay(tmp_path: Path) -> None:
    guard = SqliteReplayGuard(tmp_path / "r.db")
    assert guard.check("k", b"a", 5, 0, 10) is NEW
    assert guard.check("k", b"a", 5, 0, 11) is REPLAY
    assert guard.check("k", b"a", 4, 0, 12) is REPLAY


def test_old_sequence_at_an_old_offset_is_a_redelivery(tmp_path: Path) -> None:
    guard = SqliteReplayGuard(tmp_path / "r.db")
    guard.check("k", b"a", 5, 0, 10)
    assert guard.check("k", b"a", 5, 0, 10) is REDELIVERY
    assert guard.check("k", b"a", 3, 0, 8) is REDELIVERY
    # The same offset on another partition is another record.
    assert guard.check("k", b"a", 5, 1, 10) is REPLAY


def test_state_is_per_key_id_and_record_key(tmp_path: Path) -> None:
    guard = SqliteReplayGuard(tmp_path / "r.db")
    guard.check("k", b"a", 5, 0, 1)
    assert guard.check("k", b"b", 1, 0, 2) is NEW
    assert guard.check("other", b"a", 1, 0, 3) is NEW


def test_committed_state_survives_a_restart_and_uncommitted_does_not(tmp_path: Path) -> None:
    guard = SqliteReplayGuard(tmp_path / "r.db")
    guard.check("k", b"a", 5, 0, 10)
    guard.commit()
    guard.check("k", b"a", 6, 0, 11)  # never committed: the process dies here
    guard.close()
    restarted = SqliteReplayGuard(tmp_path / "r.db")
    assert restarted.check("k", b"a", 5, 0, 10) is REDELIVERY
    assert restarted.check("k", b"a", 6, 0, 11) is NEW
    assert restarted.check("k", b"a", 5, 0, 12) is REPLAY


def test_full_u64_range_keeps_its_order(tmp_path: Path) -> None:
    guard = SqliteReplayGuard(tmp_path / "r.db")
    top = (1 << 64) - 1
    guard.check("k", b"a", (1 << 63) + 1, 0, 1)
    guard.commit()
    restarted = SqliteReplayGuard(tmp_path / "r.db")
    assert restarted.check("k", b"a", 1 << 63, 0, 2) is REPLAY
    assert restarted.check("k", b"a", top, 0, 3) is NEW
