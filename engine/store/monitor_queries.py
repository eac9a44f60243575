"""Read-only SQL behind one instance's monitoring views: activity times, history pages, resolutions.

Every query reads one instance's rows through an index on ``instance_id`` (the events' unique
``(instance_id, seq)``), selects only the columns it needs, and pages the history from the newest
event backwards, so an instance with ten thousand events answers as fast as one with ten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from engine.store import schema as t
from engine.store.records import EventRecord, TaskRow, event_from

_TASK_COLUMNS = (
    t.tasks.c.id,
    t.tasks.c.workflow_id,
    t.tasks.c.parent_id,
    t.tasks.c.spec_name,
    t.tasks.c.element_id,
    t.tasks.c.state,
    t.tasks.c.last_state_change,
    t.tasks.c.seq,
    t.tasks.c.data,
    t.tasks.c.depth,
    t.tasks.c.kind,
)
CHUNK = 500
"""Ids per ``IN (...)``, well under SQLite's and PostgreSQL's parameter limits."""
ACTIVITY_EVENTS = ("ActivityActivated", "ActivityCompleted", "ActivityCancelled", "ActivityFailed")


def task_rows(conn: Connection, instance_id: str, ids: Sequence[str] | None = None) -> list[TaskRow]:
    """The instance's task rows (or those of ``ids``) without their internal data, in creation order."""
    query = select(*_TASK_COLUMNS).where(t.tasks.c.instance_id == instance_id).order_by(t.tasks.c.seq)
    if ids is None:
        return [_task_row(r) for r in conn.execute(query)]
    wanted = sorted(set(ids))
    found: list[TaskRow] = []
    for start in range(0, len(wanted), CHUNK):
        found.extend(_task_row(r) for r in conn.execute(query.where(t.tasks.c.id.in_(wanted[start : start + CHUNK]))))
    return sorted(found, key=lambda row: row.seq)


def internal_manifests(conn: Connection, instance_id: str, ids: Sequence[str]) -> dict[str, str]:
    """Task id -> its internal data's manifest, for the few rows a view needs it of."""
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    query = select(t.tasks.c.id, t.tasks.c.internal).where(t.tasks.c.instance_id == instance_id)
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update((str(r.id), str(r.internal)) for r in conn.execute(query.where(t.tasks.c.id.in_(chunk))))
    return found


def _task_row(r: Any) -> TaskRow:
    return TaskRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], False, r[7], "{}", r[8], r[9], r[10])


def activity_events(conn: Connection, instance_id: str) -> list[tuple[str, str, float]]:
    """(type, task id, at) of every activity start and end of the instance, in order."""
    query = (
        select(t.events.c.type, t.events.c.task_id, t.events.c.at)
        .where(and_(t.events.c.instance_id == instance_id, t.events.c.type.in_(ACTIVITY_EVENTS)))
        .where(t.events.c.task_id.is_not(None))
        .order_by(t.events.c.seq)
    )
    return [(str(r.type), str(r.task_id), float(r.at)) for r in conn.execute(query)]


def element_tasks(conn: Connection, instance_id: str, element_id: str) -> list[tuple[str, str]]:
    """(task id, workflow id) of the instance's task rows of one element id."""
    query = select(t.tasks.c.id, t.tasks.c.workflow_id).where(
        and_(t.tasks.c.instance_id == instance_id, t.tasks.c.element_id == element_id)
    )
    return [(str(r.id), str(r.workflow_id or "")) for r in conn.execute(query)]


def history_page(
    conn: Connection,
    instance_id: str,
    *,
    element_id: str | None = None,
    task_ids: Sequence[str] | None = None,
    except_task_ids: Sequence[str] = (),
    before_seq: int | None = None,
    limit: int = 100,
) -> tuple[list[EventRecord], int]:
    """The newest ``limit`` events before ``before_seq`` (of one element or some tasks), and how many match.

    ``except_task_ids`` leaves those tasks' events out (a called child's tasks of the element's id).
    """
    conditions = [t.events.c.instance_id == instance_id]
    if element_id:
        conditions.append(t.events.c.element_id == element_id)
    if task_ids is not None:
        conditions.append(t.events.c.task_id.in_(list(task_ids)))
    left_out = sorted(set(except_task_ids))
    for start in range(0, len(left_out), CHUNK):
        chunk = left_out[start : start + CHUNK]
        conditions.append(or_(t.events.c.task_id.is_(None), t.events.c.task_id.not_in(chunk)))
    total = int(conn.execute(select(func.count()).select_from(t.events).where(and_(*conditions))).scalar_one())
    if before_seq is not None:
        conditions.append(t.events.c.seq < before_seq)
    query = select(t.events).where(and_(*conditions)).order_by(t.events.c.seq.desc()).limit(limit)
    return [event_from(r) for r in conn.execute(query)], total


def incident_resolutions(conn: Connection, instance_id: str) -> dict[str, dict[str, Any]]:
    """incident id -> the IncidentResolved event's data (with its ``at``), for resolved incidents."""
    query = (
        select(t.events.c.at, t.events.c.data)
        .where(and_(t.events.c.instance_id == instance_id, t.events.c.type == "IncidentResolved"))
        .order_by(t.events.c.seq)
    )
    found: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query):
        record = event_from_data(row.data)
        if record.get("incident_id"):
            found[str(record["incident_id"])] = record | {"at": float(row.at)}
    return found


def event_from_data(text: str | None) -> dict[str, Any]:
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {}


def instance_ids_with_prefix(conn: Connection, prefix: str, limit: int = 2) -> list[str]:
    """Instance ids starting with ``prefix`` (hex digits and dashes only; the caller checks)."""
    query = select(t.instances.c.id).where(t.instances.c.id.startswith(prefix, autoescape=True)).limit(limit)
    return [str(r.id) for r in conn.execute(query.order_by(t.instances.c.id))]
