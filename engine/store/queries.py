"""Read-only SQL behind the web UI and API: statistics, filtered instance pages, change feeds.

Every query here is shaped for an index (see the 0002 migration) so the
instances page stays fast with hundreds of thousands of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, Connection, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from engine.store import schema as t

ACTIVE_TASK_STATES = (8, 16, 32)  # WAITING, READY, STARTED
COMPLETED_TASK_STATE = 64
UNCOUNTED_KINDS = ("internal", "multi")
"""Rows the element counts skip: SpiffWorkflow's own specs, and multi-instance bodies (their inner instances count)."""
SORTABLE = {
    "started_at": t.instances.c.started_at,
    "ended_at": t.instances.c.ended_at,
    "updated_at": t.instances.c.updated_at,
    "business_key": t.instances.c.business_key,
    "state": t.instances.c.state,
    "definition_key": t.instances.c.definition_key,
}
LIST_COLUMNS = (
    t.instances.c.id,
    t.instances.c.definition_id,
    t.instances.c.definition_key,
    t.instances.c.business_key,
    t.instances.c.state,
    t.instances.c.version,
    t.instances.c.open_incidents,
    t.instances.c.started_at,
    t.instances.c.updated_at,
    t.instances.c.ended_at,
)


@dataclass(frozen=True)
class InstanceFilter:
    """What the instances page filters by; every field is optional."""

    state: str | None = None  # running | completed | cancelled | failed | incident
    definition_key: str | None = None
    definition_id: str | None = None
    business_key_prefix: str | None = None
    started_after: float | None = None
    started_before: float | None = None
    variable_name: str | None = None
    variable_hash: str | None = None
    """Content hash of the wanted value (see engine.spiff.codec); matched against task data manifests."""


def _filtered(query: Select[Any], f: InstanceFilter) -> Select[Any]:
    c = t.instances.c
    if f.state == "incident":
        query = query.where(and_(c.state == "running", c.open_incidents > 0))
    elif f.state:
        query = query.where(c.state == f.state)
    if f.definition_key:
        query = query.where(c.definition_key == f.definition_key)
    if f.definition_id:
        query = query.where(c.definition_id == f.definition_id)
    if f.business_key_prefix:
        # A range instead of LIKE, so both SQLite and PostgreSQL use the business-key index.
        query = query.where(
            and_(c.business_key >= f.business_key_prefix, c.business_key < f.business_key_prefix + "\uffff")
        )
    if f.started_after is not None:
        query = query.where(c.started_at >= f.started_after)
    if f.started_before is not None:
        query = query.where(c.started_at < f.started_before)
    if f.variable_name and f.variable_hash:
        needle = f'"{f.variable_name}":"{f.variable_hash}"'
        holders = select(t.tasks.c.instance_id).where(t.tasks.c.data.contains(needle, autoescape=True))
        query = query.where(c.id.in_(holders))
    return query


def instance_page(
    conn: Connection, f: InstanceFilter, *, sort: str, descending: bool, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of instances (without their frames) and how many match in total."""
    column = SORTABLE[sort]
    order = [column.desc() if descending else column.asc(), t.instances.c.id.desc() if descending else t.instances.c.id]
    rows = conn.execute(_filtered(select(*LIST_COLUMNS), f).order_by(*order).limit(limit).offset(offset))
    total = conn.execute(_filtered(select(func.count()).select_from(t.instances), f)).scalar_one()
    return [dict(r._mapping) for r in rows], int(total)


def instance_heads(conn: Connection, instance_ids: list[str]) -> list[dict[str, Any]]:
    """Version, state and incident count of instances: what a live page compares to know it is stale."""
    if not instance_ids:
        return []
    query = select(
        t.instances.c.id,
        t.instances.c.version,
        t.instances.c.state,
        t.instances.c.open_incidents,
        t.instances.c.updated_at,
    ).where(t.instances.c.id.in_(instance_ids[:500]))
    return [dict(r._mapping) for r in conn.execute(query)]


def changed_since(conn: Connection, since: float, limit: int) -> list[dict[str, Any]]:
    """Instances whose row changed at or after ``since``, oldest change first."""
    query = (
        select(
            t.instances.c.id,
            t.instances.c.version,
            t.instances.c.state,
            t.instances.c.open_incidents,
            t.instances.c.updated_at,
        )
        .where(t.instances.c.updated_at >= since)
        .order_by(t.instances.c.updated_at)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def latest_change(conn: Connection) -> float:
    """The newest instance update or deployment time (0 when there is none)."""
    updated = conn.execute(select(func.max(t.instances.c.updated_at))).scalar()
    deployed = conn.execute(select(func.max(t.definitions.c.deployed_at))).scalar()
    return float(max(updated or 0.0, deployed or 0.0))


def definition_state_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """definition id -> instance state -> count, plus 'incident': running instances with open incidents."""
    counts: dict[str, dict[str, int]] = {}
    by_state = select(t.instances.c.definition_id, t.instances.c.state, func.count()).group_by(
        t.instances.c.definition_id, t.instances.c.state
    )
    for definition_id, state, count in conn.execute(by_state):
        counts.setdefault(str(definition_id), {})[str(state)] = int(count)
    with_incidents = (
        select(t.instances.c.definition_id, func.count(func.distinct(t.incidents.c.instance_id)))
        .join(t.instances, t.instances.c.id == t.incidents.c.instance_id)
        .where(t.incidents.c.state == "open")
        .group_by(t.instances.c.definition_id)
    )
    for definition_id, count in conn.execute(with_incidents):
        counts.setdefault(str(definition_id), {})["incident"] = int(count)
    return counts


def called_workflows(of_definitions: Any, call_elements: Sequence[str]) -> CTE:
    """(workflow id, instance id, call element) of every workflow a called child runs in, with the caller's call.

    A call activity's task owns its child's workflow (the workflow id of the child's tasks); the
    child's own subprocesses are owned by tasks inside it, so the walk goes down subprocess owners.
    """
    k = t.tasks.c
    base = (
        select(k.id.label("workflow_id"), k.instance_id, k.element_id.label("call_element"))
        .join(t.instances, t.instances.c.id == k.instance_id)
        .where(and_(of_definitions, k.element_id.in_(list(call_elements)), k.kind != "internal"))
        .cte("called_workflows", recursive=True)
    )
    inner = aliased(t.tasks)
    step = select(inner.c.id, inner.c.instance_id, base.c.call_element).where(
        and_(
            inner.c.instance_id == base.c.instance_id,
            inner.c.workflow_id == base.c.workflow_id,
            inner.c.kind.in_(("subprocess", "multi")),
        )
    )
    return base.union(step)


def element_counts(
    conn: Connection, definition_ids: list[str], call_elements: Sequence[str] = ()
) -> dict[str, dict[str, int]]:
    """element id -> active / completed / incidents over every instance of the given definitions.

    ``call_elements`` are the definitions' call activities: the tasks of the children they ran inside
    the instance are no elements of these definitions and are left out; a child's open incident
    counts on the call activity, as Cockpit marks a call activity whose called instance has one.
    """
    result: dict[str, dict[str, int]] = {}

    def bucket(element_id: str) -> dict[str, int]:
        return result.setdefault(element_id, {"active": 0, "completed": 0, "incidents": 0})

    if not definition_ids:
        return result
    of_definitions = t.instances.c.definition_id.in_(definition_ids)
    k = t.tasks.c
    called = called_workflows(of_definitions, call_elements) if call_elements else None

    def own_tasks(query: Select[Any]) -> Select[Any]:
        if called is None:
            return query
        # An anti-join: the database indexes the walk's few rows once, then probes it per task.
        in_child = and_(called.c.instance_id == k.instance_id, called.c.workflow_id == k.workflow_id)
        return query.outerjoin(called, in_child).where(called.c.workflow_id.is_(None))

    # One pass over the tasks for both figures (and one walk of the called workflows).
    is_active = and_(t.instances.c.state == "running", k.state.in_(ACTIVE_TASK_STATES))
    is_completed = k.state == COMPLETED_TASK_STATE
    counted = own_tasks(
        select(
            k.element_id,
            func.sum(case((is_active, 1), else_=0)),
            func.sum(case((is_completed, 1), else_=0)),
        )
        .select_from(t.tasks)
        .join(t.instances, t.instances.c.id == k.instance_id)
        .where(and_(of_definitions, or_(is_active, is_completed)))
        .where(k.element_id.is_not(None), k.kind.not_in(UNCOUNTED_KINDS))
    ).group_by(k.element_id)
    for element_id, active, completed in conn.execute(counted):
        found = bucket(str(element_id))
        found["active"], found["completed"] = int(active or 0), int(completed or 0)
    i = t.incidents.c
    open_incidents = and_(of_definitions, i.state == "open", i.element_id.is_not(None))
    if called is None:
        incidents = (
            select(i.element_id, func.count())
            .join(t.instances, t.instances.c.id == i.instance_id)
            .where(open_incidents)
            .group_by(i.element_id)
        )
    else:
        shown_on = func.coalesce(called.c.call_element, i.element_id)
        incidents = (
            select(shown_on, func.count())
            .join(t.instances, t.instances.c.id == i.instance_id)
            .outerjoin(t.tasks, and_(k.instance_id == i.instance_id, k.id == i.task_id))
            .outerjoin(called, and_(called.c.instance_id == k.instance_id, called.c.workflow_id == k.workflow_id))
            .where(open_incidents)
            .group_by(shown_on)
        )
    for element_id, count in conn.execute(incidents):
        bucket(str(element_id))["incidents"] += int(count)
    return result


def recent_incidents(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The newest open incidents with their instance's process and business key."""
    query = (
        select(
            t.incidents.c.id,
            t.incidents.c.instance_id,
            t.incidents.c.element_id,
            t.incidents.c.type,
            t.incidents.c.message,
            t.incidents.c.created_at,
            t.instances.c.definition_key,
            t.instances.c.definition_id,
            t.instances.c.business_key,
        )
        .join(t.instances, t.instances.c.id == t.incidents.c.instance_id)
        .where(t.incidents.c.state == "open")
        .order_by(t.incidents.c.created_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def recent_failed_instances(conn: Connection, limit: int) -> list[dict[str, Any]]:
    query = (
        select(*LIST_COLUMNS)
        .where(t.instances.c.state == "failed")
        .order_by(t.instances.c.updated_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
