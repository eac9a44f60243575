"""The database side of ``/metrics``: counts of instances, jobs, incidents and timers, read at scrape time.

Each query is an aggregate over an indexed column (``ix_instances_state_started``,
``ix_jobs_due``, ``ix_incidents_state``, ``ix_timers_due``), so a scrape stays cheap
as history grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select

from engine.store import schema as t
from engine.store.database import Database


@dataclass
class Gauges:
    instances_by_state: dict[str, int] = field(default_factory=dict)
    jobs_by_state: dict[str, int] = field(default_factory=dict)
    """ready (waiting for its due time or a worker), locked (a worker holds it), incident."""
    incidents_open: int = 0
    queue_depth: int = 0
    oldest_due_s: float = 0.0
    timers_due: int = 0


def read_gauges(db: Database, now: float) -> Gauges:
    """One read transaction, so the numbers agree with each other."""
    gauges = Gauges(
        instances_by_state={"running": 0, "completed": 0, "cancelled": 0, "failed": 0},
        jobs_by_state={"ready": 0, "locked": 0, "incident": 0},
    )
    locked = and_(t.jobs.c.lock_expires_at.is_not(None), t.jobs.c.lock_expires_at >= now)
    free = or_(t.jobs.c.lock_expires_at.is_(None), t.jobs.c.lock_expires_at < now)
    with db.read() as conn:
        for state, count in conn.execute(select(t.instances.c.state, func.count()).group_by(t.instances.c.state)):
            gauges.instances_by_state[str(state)] = int(count)
        job_state = case((and_(t.jobs.c.state == "ready", locked), "locked"), else_=t.jobs.c.state)
        for state, count in conn.execute(select(job_state, func.count()).group_by(job_state)):
            gauges.jobs_by_state[str(state)] = int(count)
        due = and_(t.jobs.c.state == "ready", t.jobs.c.due_at <= now, free)
        depth, oldest = conn.execute(select(func.count(), func.min(t.jobs.c.due_at)).where(due)).one()
        gauges.queue_depth = int(depth)
        gauges.oldest_due_s = max(0.0, now - float(oldest)) if oldest is not None else 0.0
        gauges.incidents_open = int(
            conn.execute(select(func.count()).select_from(t.incidents).where(t.incidents.c.state == "open")).scalar()
            or 0
        )
        gauges.timers_due = int(
            conn.execute(select(func.count()).select_from(t.timers).where(t.timers.c.due_at <= now)).scalar() or 0
        )
    return gauges
