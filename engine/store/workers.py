"""The workers table: our pools register, heartbeat, and take over the jobs of pools that died.

Only rows of this table count as "our" lock owners. A job locked by anyone else (an external
client's ``workerId``) is never touched here: its lock keeps the meaning its client asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, cast, delete, func, literal, or_, select, update

from engine.store import schema as t
from engine.store.dialect import for_update, upsert


@dataclass(frozen=True)
class WorkerRow:
    id: str
    host: str
    pid: int
    started_at: float
    heartbeat_at: float


def database_now(conn: Connection) -> float:
    """The database server's clock in epoch seconds: one clock for every heartbeat and every sweep.

    Heartbeats written with each worker's own clock and judged with the sweeper's would make a
    host whose clock runs behind look dead forever; the database's clock is shared by all.
    """
    now: ColumnElement[Any]
    if conn.dialect.name == "postgresql":
        now = cast(func.extract("epoch", func.clock_timestamp()), Float)
    else:
        now = (func.julianday(literal("now")) - 2440587.5) * 86400.0
    return float(conn.execute(select(now)).scalar_one())


def heartbeat(conn: Connection, worker: WorkerRow, at: float | None = None) -> None:
    """Record that ``worker`` is alive now by the database's clock (or at ``at``, for tests and tools).

    Registers it again if a sweeper had forgotten it.
    """
    row = {"id": worker.id, "host": worker.host, "pid": worker.pid, "started_at": worker.started_at}
    beat = database_now(conn) if at is None else at
    upsert(conn, t.workers, [{**row, "heartbeat_at": beat}], keys=["id"])


def deregister(conn: Connection, worker_id: str) -> None:
    conn.execute(delete(t.workers).where(t.workers.c.id == worker_id))


def workers(conn: Connection) -> list[WorkerRow]:
    return [WorkerRow(*r) for r in conn.execute(select(*_COLUMNS).order_by(t.workers.c.id))]


def lock_suspects(conn: Connection, *, stale_before: float, host: str | None) -> list[WorkerRow]:
    """Workers whose heartbeat is older than ``stale_before``, and every worker of ``host`` (for a pid check).

    A worker's ``host`` column is its host identity, optionally followed by ``#`` and its
    process's start time; ``host`` None (no reliable identity) selects by staleness only.

    Locked so two sweepers never take over the same worker at once; rows another sweeper holds
    are skipped. On PostgreSQL a heartbeat committed meanwhile makes the row fail the staleness
    test again when it is locked, so a worker that just beat is not taken for dead.
    """
    condition = t.workers.c.heartbeat_at < stale_before
    if host is not None:
        condition = or_(condition, t.workers.c.host == host, t.workers.c.host.startswith(f"{host}#", autoescape=True))
    query = select(*_COLUMNS).where(condition)
    return [WorkerRow(*r) for r in conn.execute(for_update(conn, query.order_by(t.workers.c.id), skip_locked=True))]


def release_jobs_of(conn: Connection, worker_ids: Sequence[str]) -> tuple[int, set[str]]:
    """Unlock the jobs and timers these (dead) workers hold; returns (jobs released, workers with jobs left).

    Job rows a step holds right now are skipped, as in ``extend_locks``: that step is finishing
    them, and waiting for it could deadlock. Their worker stays registered, so the next sweep
    tries again.
    """
    if not worker_ids:
        return 0, set()
    released = 0
    for table in (t.jobs, t.timers, t.start_timers):
        held = select(table.c.id).where(table.c.lock_owner.in_(list(worker_ids))).order_by(table.c.id)
        free = [r[0] for r in conn.execute(for_update(conn, held, skip_locked=True))]
        if free:
            conn.execute(update(table).where(table.c.id.in_(free)).values(lock_owner=None, lock_expires_at=None))
        released += len(free) if table is t.jobs else 0
    left = conn.execute(
        select(t.jobs.c.lock_owner, func.count())
        .where(t.jobs.c.lock_owner.in_(list(worker_ids)))
        .group_by(t.jobs.c.lock_owner)
    )
    return released, {r[0] for r in left}


def forget(conn: Connection, worker_ids: Sequence[str]) -> None:
    if worker_ids:
        conn.execute(delete(t.workers).where(t.workers.c.id.in_(list(worker_ids))))


_COLUMNS = (t.workers.c.id, t.workers.c.host, t.workers.c.pid, t.workers.c.started_at, t.workers.c.heartbeat_at)
