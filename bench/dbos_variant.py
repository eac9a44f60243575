"""Variant (d): the same 5-step shape on DBOS 3.x (``pip install -e '.[bench]'``), at the same durability.

One DBOS workflow per instance: one no-op step per region, then a final no-op step,
the steps of the BPMN example's parallel multi-instance and create-replication.
DBOS checkpoints each step's output in its system database before the workflow goes
on, one transaction per step. Its system database is a SQLite file in WAL mode with
``synchronous=FULL``: DBOS builds its own engine from ``system_database_url`` (and
runs its own connect hook: IMMEDIATE transactions, busy timeout, foreign keys); the
``creator`` we hand it through ``db_engine_kwargs`` opens each connection with the two
pragmas set and reads them back, so the figures say what every DBOS connection ran with.
"""

from __future__ import annotations

import importlib.util
import logging
import sqlite3
import time
from pathlib import Path

from bench.disk_usage import DiskUsage, durability
from bench.measurement import CLIENTS, Measurement, expected_steps, from_clients, start_variables

MISSING = "DBOS 3.x is not installed (pip install -e '.[bench]', or make bench)"


class CountingConnection(sqlite3.Connection):
    """A DBOS connection that counts its write commits (SQLAlchemy commits through the driver's ``commit``)."""

    commits = 0

    def commit(self) -> None:
        if self.in_transaction:  # the driver opened one for a write; a read-only commit is not counted
            CountingConnection.commits += 1
        super().commit()


def dbos_available() -> bool:
    return importlib.util.find_spec("dbos") is not None


def dbos_version() -> str:
    from importlib.metadata import version

    return version("dbos")


def run_dbos(instances: int, regions: int, workdir: Path, clients: int = CLIENTS) -> Measurement:
    """Run (d): each instance one DBOS workflow, called from ``clients`` threads at once as (c)'s starts."""
    from dbos import DBOS, DBOSConfig

    path = workdir / f"dbos-{time.monotonic_ns()}.sqlite"
    seen: list[tuple[str, int]] = []

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False, factory=CountingConnection)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        seen.append(durability(conn))
        return conn

    config: DBOSConfig = {
        "name": "steadyflow-bench",
        "system_database_url": f"sqlite:///{path}",
        "db_engine_kwargs": {"creator": connect},
        "log_level": "WARNING",
    }
    logging.getLogger("dbos").setLevel(logging.WARNING)
    DBOS(config=config)

    @DBOS.step(name="create-database")
    def create_database(region: str) -> str:
        return f"{region}-db"

    @DBOS.step(name="create-replication")
    def create_replication(databases: list[str]) -> None:
        return None

    @DBOS.workflow(name="database-creation")
    def database_creation(database: str, regions: list[str]) -> None:
        databases = [create_database(region) for region in regions]
        create_replication(databases)

    DBOS.launch()
    try:
        disk = DiskUsage(path)
        disk.start()
        commits = CountingConnection.commits
        started = time.perf_counter()

        def run(i: int) -> None:
            variables = start_variables(i, regions)
            database_creation(variables["database"], variables["regions"])

        from_clients(instances, clients, run)
        elapsed = time.perf_counter() - started
        commits = CountingConnection.commits - commits
        disk.stop()
        done, outputs = _read_back(path)
    finally:
        DBOS.destroy(destroy_registry=True)
    if done != instances or outputs != instances * (regions + 1):
        raise RuntimeError(f"DBOS finished {done} of {instances} workflows with {outputs} step outputs")
    modes = sorted(set(seen))
    extra = {
        "dbos_version": dbos_version(),
        "journal_mode": ",".join(m for m, _ in modes),
        "synchronous": min(s for _, s in modes),
        "file_journal_mode": _file_journal_mode(path),
        "connections_checked": len(seen),
        "step_outputs": outputs,
        "clients": clients,
    }
    steps = instances * expected_steps(regions)
    return Measurement("d", instances, regions, steps, elapsed, disk.written, disk.stored, commits, extra)


def _read_back(path: Path) -> tuple[int, int]:
    """Workflows that finished and step outputs DBOS recorded, read from its own tables."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        (done,) = conn.execute("SELECT count(*) FROM workflow_status WHERE status = 'SUCCESS'").fetchone()
        (outputs,) = conn.execute("SELECT count(*) FROM operation_outputs").fetchone()
    finally:
        conn.close()
    return int(done), int(outputs)


def _file_journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return durability(conn)[0]
    finally:
        conn.close()


__all__ = ["MISSING", "dbos_available", "run_dbos"]
