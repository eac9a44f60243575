"""Statements on every step's path, built once (per dialect where locking differs).

Building a SQLAlchemy statement costs more than a small query itself; these run
several times per step, so they are constructed once with bind parameters.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, or_, select, update

from engine.store import schema as t


@lru_cache(maxsize=4)
def lock_instance(dialect: str) -> Any:
    query = select(t.instances).where(t.instances.c.id == bindparam("instance_id"))
    return query.with_for_update() if dialect == "postgresql" else query


@lru_cache(maxsize=8)
def locked_by_ids(dialect: str, table: Table) -> Any:
    """Rows of ``table`` by id, locked in id order (the order every batch takes them in)."""
    query = select(table).where(table.c.id.in_(bindparam("ids", expanding=True))).order_by(table.c.id)
    return query.with_for_update() if dialect == "postgresql" else query


@lru_cache(maxsize=8)
def claimable_jobs(dialect: str, any_type: bool) -> Any:
    """Ids of due, unlocked (or lock-expired) ready jobs, highest priority and oldest first; skips locked rows."""
    free = or_(t.jobs.c.lock_expires_at.is_(None), t.jobs.c.lock_expires_at < bindparam("now"))
    query = select(t.jobs.c.id).where(and_(t.jobs.c.state == "ready", t.jobs.c.due_at <= bindparam("now"), free))
    if not any_type:
        query = query.where(t.jobs.c.type.in_(bindparam("types", expanding=True)))
    query = query.order_by(t.jobs.c.priority.desc(), t.jobs.c.due_at).limit(bindparam("limit"))
    return query.with_for_update(skip_locked=True) if dialect == "postgresql" else query


LOCK_JOBS_FOR = (
    update(t.jobs)
    .where(t.jobs.c.id.in_(bindparam("ids", expanding=True)))
    .values(lock_owner=bindparam("owner"), lock_expires_at=bindparam("expires"), attempt=t.jobs.c.attempt + 1)
)
CLAIMED_JOBS = (
    select(t.jobs, t.instances.c.business_key)
    .join(t.instances, t.instances.c.id == t.jobs.c.instance_id)
    .where(t.jobs.c.id.in_(bindparam("ids", expanding=True)))
)


@lru_cache(maxsize=4)
def job_by_id(dialect: str, lock: bool) -> Any:
    query = select(t.jobs).where(t.jobs.c.id == bindparam("job_id"))
    return query.with_for_update() if lock and dialect == "postgresql" else query


JOBS_OF_TASKS = select(t.jobs.c.id).where(
    and_(t.jobs.c.instance_id == bindparam("instance_id"), t.jobs.c.task_id.in_(bindparam("task_ids", expanding=True)))
)
DELETE_JOBS_OF_TASK = delete(t.jobs).where(
    and_(t.jobs.c.instance_id == bindparam("instance_id"), t.jobs.c.task_id == bindparam("task_id"))
)
DELETE_TASK = delete(t.tasks).where(
    and_(t.tasks.c.instance_id == bindparam("instance_id"), t.tasks.c.id == bindparam("task_id"))
)
BLOBS_BY_HASH = select(t.blobs.c.hash, t.blobs.c.data).where(t.blobs.c.hash.in_(bindparam("hashes", expanding=True)))
LATEST_DEFINITION = (
    select(t.definitions)
    .where(t.definitions.c.key == bindparam("key"))
    .order_by(t.definitions.c.version.desc())
    .limit(1)
)
LATEST_DEFINITION_ID = (
    select(t.definitions.c.id)
    .where(t.definitions.c.key == bindparam("key"))
    .order_by(t.definitions.c.version.desc())
    .limit(1)
)
TASKS_OF_INSTANCE = select(t.tasks).where(t.tasks.c.instance_id == bindparam("instance_id"))

_STEP_COLUMNS = ("version", "event_seq", "state", "updated_at", "ended_at", "open_incidents")


@lru_cache(maxsize=4)
def update_instance(with_frame: bool) -> Any:
    """UPDATE instances ... WHERE id = :instance_id AND version = :expected_version (compare-and-set)."""
    columns = (*_STEP_COLUMNS, "frame") if with_frame else _STEP_COLUMNS
    return (
        update(t.instances)
        .where(and_(t.instances.c.id == bindparam("instance_id"), t.instances.c.version == bindparam("expected")))
        .values({c: bindparam(f"new_{c}") for c in columns})
    )


def update_instance_params(
    instance_id: str, expected: int, values: dict[str, Any]
) -> tuple[Any, dict[str, Any]] | None:
    """The prebuilt statement and its parameters, or None when ``values`` has another shape."""
    keys = set(values)
    if keys == set(_STEP_COLUMNS):
        statement = update_instance(False)
    elif keys == {*_STEP_COLUMNS, "frame"}:
        statement = update_instance(True)
    else:
        return None
    params = {f"new_{k}": v for k, v in values.items()}
    params.update(instance_id=instance_id, expected=expected)
    return statement, params
