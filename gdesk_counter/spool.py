"""The bounded on-disk buffer between counting and the stream (SQLite, one file).

Every record is written here first and deleted only after Kinesis acknowledged it, so a network or
AWS outage, or a restart of the counter, loses nothing. Records leave oldest first. The buffer is
bounded twice: by ``max_records`` (the oldest are dropped, with a log line, when it is full) and by
age — the density function rejects records older than its maximum record age (1 hour), so a
record that could no longer be accepted is dropped instead of being sent. Only count records are
stored: no image, nothing personal.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spooled:
    seq: int
    created: float  # epoch seconds when counted (= the record's ts)
    partition_key: str
    data: bytes


class Spool:
    def __init__(self, path: str | Path, max_records: int = 50_000) -> None:
        self.path = Path(os.path.expanduser(str(path)))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_records = max_records
        self.dropped = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                         "created REAL NOT NULL, partition_key TEXT NOT NULL, data BLOB NOT NULL)")

    def append(self, rows: list[tuple[float, str, bytes]]) -> int:
        """Queue records; returns how many old ones had to be dropped to stay within the bound."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO spool (created, partition_key, data) VALUES (?, ?, ?)", rows)
            (size,) = self._db.execute("SELECT COUNT(*) FROM spool").fetchone()
            over = max(0, size - self.max_records)
            if over:
                self._db.execute("DELETE FROM spool WHERE seq IN "
                                 "(SELECT seq FROM spool ORDER BY seq LIMIT ?)", (over,))
            self._db.execute("COMMIT")
            self.dropped += over
            return over

    def oldest(self, limit: int) -> list[Spooled]:
        with self._lock:
            rows = self._db.execute("SELECT seq, created, partition_key, data FROM spool "
                                    "ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [Spooled(int(s), float(c), str(k), bytes(d)) for s, c, k, d in rows]

    def ack(self, seqs: list[int]) -> None:
        if not seqs:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM spool WHERE seq = ?", [(s,) for s in seqs])
            self._db.execute("COMMIT")

    def expire(self, before: float) -> int:
        """Drop records counted before ``before`` (the stream would reject them as too old)."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM spool WHERE created < ?", (before,))
            self.dropped += cursor.rowcount
            return cursor.rowcount

    def __len__(self) -> int:
        with self._lock:
            (size,) = self._db.execute("SELECT COUNT(*) FROM spool").fetchone()
        return int(size)

    def close(self) -> None:
        with self._lock:
            self._db.close()
