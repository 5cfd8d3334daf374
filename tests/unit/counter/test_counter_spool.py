"""The on-disk buffer: oldest first, survives a restart, bounded by size and by age."""

from __future__ import annotations

from pathlib import Path

from gdesk_counter.spool import Spool


def rows(n: int, start: float = 1000.0) -> list[tuple[float, str, bytes]]:
    return [(start + i, "cam-1", f'{{"n":{i}}}'.encode()) for i in range(n)]


def test_records_leave_in_order_and_only_when_acknowledged(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite")
    spool.append(rows(5))
    first = spool.oldest(3)
    assert [item.data for item in first] == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
    spool.ack([first[0].seq, first[2].seq])  # the middle one failed: it stays, still first in line
    assert [item.data for item in spool.oldest(10)] == [b'{"n":1}', b'{"n":3}', b'{"n":4}']
    assert len(spool) == 3


def test_the_spool_survives_a_restart(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite")
    spool.append(rows(4))
    spool.close()
    again = Spool(tmp_path / "s.sqlite")
    assert len(again) == 4
    again.append(rows(1, start=2000))
    assert [item.created for item in again.oldest(10)] == [1000, 1001, 1002, 1003, 2000]


def test_a_full_spool_drops_the_oldest(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite", max_records=10)
    assert spool.append(rows(8)) == 0
    assert spool.append(rows(5, start=2000)) == 3
    assert len(spool) == 10 and spool.dropped == 3
    assert spool.oldest(1)[0].created == 1003


def test_records_too_old_for_the_stream_expire(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite")
    spool.append(rows(10))
    assert spool.expire(before=1004) == 4
    assert spool.oldest(1)[0].created == 1004 and spool.dropped == 4


def test_the_spool_holds_only_what_was_given(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite")
    spool.append([(1.0, "cam-1", b'{"camera_id":"cam-1","zone":"korean","count":3}')])
    spool.close()
    import sqlite3

    columns = [row[1] for row in sqlite3.connect(tmp_path / "s.sqlite").execute("PRAGMA table_info(spool)")]
    assert columns == ["seq", "created", "partition_key", "data"]
