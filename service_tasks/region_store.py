"""What a place that holds region databases must offer, and what every such place shares.

The built-in handlers create real databases, either as SQLite files under the
engine's data directory or on a PostgreSQL server. Both backends implement
:class:`RegionStore`, apply the same schema and report real creations to one
append-only ``creations.log``, so the handlers and the tests do not care which
backend ran.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

META_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS steadyflow_database ("
    " database_name TEXT PRIMARY KEY,"
    " region TEXT NOT NULL,"
    " idempotency_key TEXT NOT NULL,"
    " created_at TEXT NOT NULL)"
)
"""One row saying which database this is and which job created it."""

LINKS_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS replication_links ("
    " source_region TEXT NOT NULL,"
    " target_region TEXT NOT NULL,"
    " database_name TEXT NOT NULL,"
    " idempotency_key TEXT NOT NULL,"
    " created_at TEXT NOT NULL,"
    " PRIMARY KEY (source_region, target_region, database_name))"
)
"""The application table: the replication topology, kept in the primary's database."""

SCHEMA_DDL: tuple[str, ...] = (META_TABLE_DDL, LINKS_TABLE_DDL)


@dataclass(frozen=True)
class CreationRequest:
    """One ``create-database`` job, as a backend needs it."""

    database: str
    region: str
    idempotency_key: str
    instance_id: str


@dataclass(frozen=True)
class CreationResult:
    """Where the database lives and whether this call made it (False: it was already there)."""

    location: str
    created: bool
    created_at: str


@dataclass(frozen=True)
class ReplicationLinks:
    """A primary region replicating one database to other regions."""

    database: str
    primary: str
    replicas: tuple[str, ...]
    idempotency_key: str


class RegionStore(Protocol):
    """A place that holds one database per (region, database name)."""

    def location(self, database: str, region: str) -> str:
        """Where that region's database is or would be (a path or a server database name)."""
        ...

    def create(self, request: CreationRequest) -> CreationResult:
        """Create idempotently; BpmnError DATABASE_EXISTS if another job made it."""
        ...

    def missing(self, database: str, regions: Sequence[str]) -> list[str]:
        """The regions, in the given order, that have no such database yet."""
        ...

    def record_links(self, links: ReplicationLinks) -> None:
        """Store the topology in the primary's database; recording it twice is harmless."""
        ...


def utc_now() -> str:
    """An ISO 8601 UTC timestamp with milliseconds, as stored in every table."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def creations_log_path(data_dir: Path) -> Path:
    return data_dir / "regions" / "creations.log"


def append_creation(data_dir: Path, request: CreationRequest, created_at: str) -> None:
    """Append one JSON line for a real creation, unless this job's line is already there.

    A worker can die between creating the database and writing its line; the
    job's next attempt finds the database made by the same job and calls this
    again, so the line is written then, once. The check and the append run under
    an exclusive ``flock`` on the log, so two attempts of one job (a lock that
    expired while the first still ran) cannot both append. The fsync makes the
    line as durable as the database it reports, so a test can count lines to
    prove each database was created exactly once.
    """
    path = creations_log_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "region": request.region,
        "database": request.database,
        "idempotency_key": request.idempotency_key,
        "instance_id": request.instance_id,
        "created_at": created_at,
    }
    line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
    marker = json.dumps({"idempotency_key": request.idempotency_key})[1:-1].encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if _contains(fd, marker):
            return
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"short write to {path}: {written} of {len(line)} bytes")
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the flock


def _contains(fd: int, marker: bytes) -> bool:
    """Whether the log already holds ``marker``; read in chunks that overlap by the marker's length."""
    os.lseek(fd, 0, os.SEEK_SET)
    tail = b""
    while chunk := os.read(fd, 1 << 20):
        if marker in tail + chunk:
            return True
        tail = chunk[-len(marker) :]
    return False


def read_creations(data_dir: Path) -> list[dict[str, str]]:
    """Every line of ``creations.log`` parsed, oldest first; [] if there is none."""
    path = creations_log_path(data_dir)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
