"""Region databases as SQLite files: ``<data_dir>/regions/<region>/<database>.db``.

The default backend needs no server, yet creates real databases with a real
schema. Creation is atomic and race-free without any lock: the database is
built completely in a temporary file beside the final one and then hard-linked
into place. ``os.link`` fails if the name exists, so among any number of
threads or processes exactly one wins; the others find a finished file and
compare idempotency keys. A crash leaves at most a stray temporary file, never
a half-made database under the final name.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from engine.handlers import BpmnError
from service_tasks.region_store import (
    LINKS_TABLE_DDL,
    SCHEMA_DDL,
    CreationRequest,
    CreationResult,
    ReplicationLinks,
    utc_now,
)

BUSY_TIMEOUT_S = 30.0
"""How long a connection waits for another writer (several workers share a file)."""


class SqliteRegionStore:
    """One SQLite file per (region, database) under the engine's data directory."""

    def __init__(self, data_dir: Path) -> None:
        self._root = Path(data_dir) / "regions"

    def path(self, database: str, region: str) -> Path:
        return self._root / region / f"{database}.db"

    def location(self, database: str, region: str) -> str:
        return str(self.path(database, region))

    def create(self, request: CreationRequest) -> CreationResult:
        final = self.path(request.database, request.region)
        if final.exists():
            return self._existing(final, request)
        final.parent.mkdir(parents=True, exist_ok=True)
        created_at = utc_now()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{request.database}.", suffix=".building", dir=final.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _build(tmp, request, created_at)
            try:
                os.link(tmp, final)
            except FileExistsError:
                return self._existing(final, request)
            _fsync_dir(final.parent)
        finally:
            tmp.unlink(missing_ok=True)
        return CreationResult(location=str(final), created=True, created_at=created_at)

    def _existing(self, final: Path, request: CreationRequest) -> CreationResult:
        """The file is there: harmless if this job made it, DATABASE_EXISTS if not."""
        row: tuple[str, str] | None
        try:
            with closing(_connect(final, "ro")) as conn:
                row = conn.execute(
                    "SELECT idempotency_key, created_at FROM steadyflow_database WHERE database_name = ?",
                    (request.database,),
                ).fetchone()
        except sqlite3.DatabaseError:
            row = None
        where = f"database '{request.database}' already exists in region {request.region}"
        if row is None:
            raise BpmnError(
                "DATABASE_EXISTS",
                f"{where} ({final}) but steadyflow did not create it; remove the file or choose another database name",
            )
        if row[0] != request.idempotency_key:
            raise BpmnError(
                "DATABASE_EXISTS",
                f"{where}: another job created it at {row[1]}; choose another database name",
            )
        return CreationResult(location=str(final), created=False, created_at=row[1])

    def missing(self, database: str, regions: Sequence[str]) -> list[str]:
        return [r for r in regions if not self.path(database, r).is_file()]

    def record_links(self, links: ReplicationLinks) -> None:
        created_at = utc_now()
        rows = [
            (links.primary, replica, links.database, links.idempotency_key, created_at) for replica in links.replicas
        ]
        primary = self.path(links.database, links.primary)
        # closing() closes the file; the inner "conn" commits or rolls back.
        with closing(_connect(primary, "rw")) as conn, conn:
            conn.execute(LINKS_TABLE_DDL)
            conn.executemany(
                "INSERT OR IGNORE INTO replication_links"
                " (source_region, target_region, database_name, idempotency_key,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                rows,
            )


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """Open an existing file only (``ro``/``rw``): never create one by accident."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_S)


def _build(tmp: Path, request: CreationRequest, created_at: str) -> None:
    """Apply the schema and the meta row to the (empty) temporary file."""
    with closing(sqlite3.connect(tmp, timeout=BUSY_TIMEOUT_S)) as conn, conn:
        for ddl in SCHEMA_DDL:
            conn.execute(ddl)
        conn.execute(
            "INSERT INTO steadyflow_database (database_name, region, idempotency_key, created_at) VALUES (?, ?, ?, ?)",
            (request.database, request.region, request.idempotency_key, created_at),
        )


def _fsync_dir(folder: Path) -> None:
    """Make the new directory entry durable, so a crash cannot lose a reported creation."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
