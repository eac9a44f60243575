"""Bytes a benchmark variant really put on disk: read from the file system and the kernel, never estimated.

Two figures per run, both divided by the steps of the run:

- *written*: what the process handed to ``write()`` while the variant ran, from
  ``/proc/self/io`` (``wchar``), up to and including a final WAL checkpoint, so every
  committed page is counted once in the WAL and once when it is copied into the
  database file, as SQLite would do sooner or later anyway;
- *stored*: how much the database file grew, each size read after a
  ``wal_checkpoint(TRUNCATE)`` (so the WAL is empty and the file holds everything).

``wchar`` counts every write of the process; nothing else writes while a variant is
measured (no printing, no logging below WARNING).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

PROC_IO = Path("/proc/self/io")


def process_bytes_written() -> int | None:
    """The process's ``wchar`` so far, or None where the kernel does not tell (not Linux)."""
    try:
        for line in PROC_IO.read_text(encoding="ascii").splitlines():
            key, _, value = line.partition(":")
            if key == "wchar":
                return int(value)
    except OSError:
        return None
    return None


def checkpoint(path: Path) -> bool:
    """Copy the WAL into the database file and empty it; False if a reader kept part of it."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        busy, _log, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    return int(busy) == 0


def file_bytes(path: Path) -> int:
    """The database file with its WAL and shared-memory index, as they lie on disk now."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def durability(conn: sqlite3.Connection) -> tuple[str, int]:
    """(journal_mode, synchronous) as SQLite reports them on ``conn``; synchronous 2 is FULL."""
    (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    (sync,) = conn.execute("PRAGMA synchronous").fetchone()
    return str(mode), int(sync)


@dataclass
class DiskUsage:
    """Measure one variant's run on one SQLite file: ``start()`` before the timed run, ``stop()`` after it."""

    path: Path
    written: int = 0
    stored: int = 0
    checkpoints_complete: bool = True
    _wchar: int | None = None
    _size: int = 0

    def start(self) -> None:
        self.checkpoints_complete = checkpoint(self.path)
        self._size = file_bytes(self.path)
        self._wchar = process_bytes_written()

    def stop(self) -> None:
        self.checkpoints_complete = checkpoint(self.path) and self.checkpoints_complete
        wchar = process_bytes_written()
        self.written = wchar - self._wchar if wchar is not None and self._wchar is not None else 0
        self.stored = file_bytes(self.path) - self._size


__all__ = ["DiskUsage", "checkpoint", "durability", "file_bytes", "process_bytes_written"]
