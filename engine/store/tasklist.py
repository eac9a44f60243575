"""SQL for the tasklist: open user tasks with their claims, and the claims themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, select

from engine.store import schema as t
from engine.store.dialect import for_update

READY = 16
LIMIT = 500
"""How many open tasks a listing returns unless its caller asks for all (None)."""


def open_user_tasks(
    conn: Connection, *, instance_id: str | None = None, task_id: str | None = None, limit: int | None = LIMIT
) -> list[dict[str, Any]]:
    """READY user tasks, oldest first, with instance, definition, claim and the workflow the task is in."""
    query = (
        select(
            t.tasks.c.instance_id,
            t.tasks.c.id.label("task_id"),
            t.tasks.c.element_id,
            t.tasks.c.workflow_id,
            t.tasks.c.last_state_change.label("created_at"),
            t.instances.c.definition_id,
            t.instances.c.definition_key,
            t.instances.c.business_key,
            t.user_task_claims.c.username.label("assignee"),
            t.user_task_claims.c.claimed_at,
        )
        .join(t.instances, t.instances.c.id == t.tasks.c.instance_id)
        .outerjoin(t.user_task_claims, t.user_task_claims.c.task_id == t.tasks.c.id)
        .where(and_(t.tasks.c.kind == "user", t.tasks.c.state == READY, t.instances.c.state == "running"))
    )
    if instance_id:
        query = query.where(t.tasks.c.instance_id == instance_id)
    if task_id:
        query = query.where(t.tasks.c.id == task_id)
    return [dict(r._mapping) for r in conn.execute(query.order_by(t.tasks.c.last_state_change).limit(limit))]


def claim_of(conn: Connection, task_id: str, *, lock: bool = False) -> str | None:
    query = select(t.user_task_claims.c.username).where(t.user_task_claims.c.task_id == task_id)
    value = conn.execute(for_update(conn, query) if lock else query).scalar()
    return str(value) if value is not None else None


def set_claim(conn: Connection, task_id: str, instance_id: str, username: str, now: float) -> None:
    conn.execute(delete(t.user_task_claims).where(t.user_task_claims.c.task_id == task_id))
    conn.execute(
        t.user_task_claims.insert(),
        [{"task_id": task_id, "instance_id": instance_id, "username": username, "claimed_at": now}],
    )


def drop_claim(conn: Connection, task_id: str) -> None:
    conn.execute(delete(t.user_task_claims).where(t.user_task_claims.c.task_id == task_id))
