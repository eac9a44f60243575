"""Reads and writes of every table. Methods take the caller's connection (its transaction).

The engine decides transaction boundaries (one per step); this module only
knows SQL. Nothing outside ``engine/store`` imports SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, and_, bindparam, delete, func, or_, select, update

from engine.store import hot
from engine.store import schema as t
from engine.store.database import Database
from engine.store.dialect import bulk_insert, for_update, upsert
from engine.store.records import (
    DefinitionRecord,
    EventRecord,
    IncidentRecord,
    InstanceRecord,
    JobRecord,
    TaskRow,
    definition_from,
    event_from,
    incident_from,
    instance_from,
    job_from,
)

R = TypeVar("R")
_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """SQL for steadyflow's tables over one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- definitions --------------------------------------------------------
    def insert_deployment(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(t.deployments.insert(), [row])

    def insert_definition(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(t.definitions.insert(), [row])

    def latest_definition(self, conn: Connection, key: str) -> DefinitionRecord | None:
        row = conn.execute(hot.LATEST_DEFINITION, {"key": key}).first()
        return definition_from(row) if row else None

    def latest_definition_id(self, conn: Connection, key: str) -> str | None:
        """The id of the newest version of ``key`` (one indexed read of one column)."""
        found = conn.execute(hot.LATEST_DEFINITION_ID, {"key": key}).scalar()
        return str(found) if found is not None else None

    def definition(self, conn: Connection, definition_id: str) -> DefinitionRecord | None:
        row = conn.execute(select(t.definitions).where(t.definitions.c.id == definition_id)).first()
        return definition_from(row) if row else None

    def definition_version(self, conn: Connection, key: str, version: int) -> DefinitionRecord | None:
        row = conn.execute(
            select(t.definitions).where(and_(t.definitions.c.key == key, t.definitions.c.version == version))
        ).first()
        return definition_from(row) if row else None

    def latest_tagged_definition(self, conn: Connection, key: str, version_tag: str) -> DefinitionRecord | None:
        """The newest version of ``key`` whose process carries ``version_tag``."""
        row = conn.execute(
            select(t.definitions)
            .where(and_(t.definitions.c.key == key, t.definitions.c.version_tag == version_tag))
            .order_by(t.definitions.c.version.desc())
            .limit(1)
        ).first()
        return definition_from(row) if row else None

    def definitions(self, conn: Connection) -> list[DefinitionRecord]:
        rows = conn.execute(select(t.definitions).order_by(t.definitions.c.key, t.definitions.c.version))
        return [definition_from(r) for r in rows]

    def definition_keys(self, conn: Connection) -> list[str]:
        return [r[0] for r in conn.execute(select(t.definitions.c.key).distinct().order_by(t.definitions.c.key))]

    def deployment_xml(self, conn: Connection, deployment_id: str) -> tuple[str, str]:
        row = conn.execute(
            select(t.deployments.c.xml, t.deployments.c.filename).where(t.deployments.c.id == deployment_id)
        ).one()
        return str(row.xml), str(row.filename)

    # -- instances ----------------------------------------------------------
    def insert_instances(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            conn.execute(t.instances.insert(), list(rows))

    def lock_instance(self, conn: Connection, instance_id: str) -> InstanceRecord | None:
        row = conn.execute(hot.lock_instance(conn.dialect.name), {"instance_id": instance_id}).first()
        return instance_from(row) if row else None

    def lock_instances(self, conn: Connection, instance_ids: Iterable[str]) -> dict[str, InstanceRecord]:
        return _locked_by_ids(conn, t.instances, instance_ids, instance_from)

    def instance(self, conn: Connection, instance_id: str) -> InstanceRecord | None:
        row = conn.execute(select(t.instances).where(t.instances.c.id == instance_id)).first()
        return instance_from(row) if row else None

    def update_instances(self, conn: Connection, updates: Sequence[tuple[str, int, dict[str, Any]]]) -> int:
        """Compare-and-set several instance rows (id, expected version, new values); how many were updated."""
        by_statement: dict[Any, list[dict[str, Any]]] = {}
        updated = 0
        for instance_id, expected_version, values in updates:
            prepared = hot.update_instance_params(instance_id, expected_version, values)
            if prepared is not None:
                by_statement.setdefault(prepared[0], []).append(prepared[1])
                continue
            result = conn.execute(
                update(t.instances)
                .where(and_(t.instances.c.id == instance_id, t.instances.c.version == expected_version))
                .values(**values)
            )
            updated += result.rowcount
        for statement, params in by_statement.items():
            updated += conn.execute(statement, params).rowcount
        return updated

    def list_instances(
        self,
        conn: Connection,
        *,
        state: str | None = None,
        definition_key: str | None = None,
        business_key: str | None = None,
        with_incidents: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[InstanceRecord]:
        query = select(t.instances)
        if state:
            query = query.where(t.instances.c.state == state)
        if definition_key:
            query = query.where(t.instances.c.definition_key == definition_key)
        if business_key:
            query = query.where(t.instances.c.business_key == business_key)
        if with_incidents is True:
            query = query.where(t.instances.c.open_incidents > 0)
        query = query.order_by(t.instances.c.started_at.desc(), t.instances.c.id).limit(limit).offset(offset)
        return [instance_from(r) for r in conn.execute(query)]

    def count_instances_by_state(self, conn: Connection) -> dict[str, int]:
        rows = conn.execute(select(t.instances.c.state, func.count()).group_by(t.instances.c.state))
        return {str(state): int(count) for state, count in rows}

    # -- tasks and blobs ------------------------------------------------------
    def task_rows(self, conn: Connection, instance_id: str) -> list[TaskRow]:
        rows = conn.execute(hot.TASKS_OF_INSTANCE, {"instance_id": instance_id})
        return [TaskRow(**{k: r._mapping[k] for k in TaskRow.__dataclass_fields__}) for r in rows]

    def upsert_task_rows(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        bulk_insert(conn, t.tasks, rows, conflict=("instance_id", "id"), update=True)

    def delete_task_rows(self, conn: Connection, keys: list[tuple[str, str]]) -> None:
        """Delete task rows by (instance id, task id)."""
        if keys:
            conn.execute(hot.DELETE_TASK, [{"instance_id": i, "task_id": task_id} for i, task_id in keys])

    def open_user_tasks(self, conn: Connection, instance_id: str | None) -> list[dict[str, Any]]:
        """Every READY user task, oldest first, with its instance's key and business key."""
        query = (
            select(
                t.tasks.c.instance_id,
                t.tasks.c.id.label("task_id"),
                t.tasks.c.element_id,
                t.tasks.c.last_state_change.label("created_at"),
                t.instances.c.definition_key,
                t.instances.c.business_key,
            )
            .join(t.instances, t.instances.c.id == t.tasks.c.instance_id)
            .where(and_(t.tasks.c.kind == "user", t.tasks.c.state == 16))
        )
        if instance_id:
            query = query.where(t.tasks.c.instance_id == instance_id)
        return [dict(r._mapping) for r in conn.execute(query.order_by(t.tasks.c.last_state_change))]

    def insert_blobs(self, conn: Connection, blobs: dict[str, str]) -> None:
        bulk_insert(conn, t.blobs, [{"hash": h, "data": d} for h, d in blobs.items()], conflict=("hash",))

    def blobs(self, conn: Connection, hashes: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(sorted(set(hashes))):
            for row in conn.execute(hot.BLOBS_BY_HASH, {"hashes": list(chunk)}):
                found[row.hash] = row.data
        return found

    # -- jobs ---------------------------------------------------------------
    def insert_jobs(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        bulk_insert(conn, t.jobs, rows)

    def job_ids_of_tasks(self, conn: Connection, instance_id: str, task_ids: list[str]) -> list[str]:
        if not task_ids:
            return []
        return [r[0] for r in conn.execute(hot.JOBS_OF_TASKS, {"instance_id": instance_id, "task_ids": task_ids})]

    def delete_jobs_of_tasks(self, conn: Connection, keys: list[tuple[str, str]]) -> None:
        """Delete the jobs of tasks given as (instance id, task id)."""
        if keys:
            conn.execute(hot.DELETE_JOBS_OF_TASK, [{"instance_id": i, "task_id": task_id} for i, task_id in keys])

    def lock_jobs(self, conn: Connection, job_ids: Iterable[str]) -> dict[str, JobRecord]:
        return _locked_by_ids(conn, t.jobs, job_ids, job_from)

    def job(self, conn: Connection, job_id: str, *, lock: bool = False) -> JobRecord | None:
        row = conn.execute(hot.job_by_id(conn.dialect.name, lock), {"job_id": job_id}).first()
        return job_from(row) if row else None

    def jobs(
        self, conn: Connection, *, instance_id: str | None = None, state: str | None = None, limit: int = 500
    ) -> list[JobRecord]:
        query = select(t.jobs)
        if instance_id:
            query = query.where(t.jobs.c.instance_id == instance_id)
        if state:
            query = query.where(t.jobs.c.state == state)
        return [job_from(r) for r in conn.execute(query.order_by(t.jobs.c.created_at).limit(limit))]

    def job_variable_manifests(self, conn: Connection, instance_id: str) -> dict[str, dict[str, str]]:
        """The instance's jobs' variables as stored (name -> blob hash), by task id (the latest job of a task wins)."""
        query = select(t.jobs.c.task_id, t.jobs.c.variables).where(t.jobs.c.instance_id == instance_id)
        return {r.task_id: json.loads(r.variables) for r in conn.execute(query.order_by(t.jobs.c.created_at))}

    def update_job(self, conn: Connection, job_id: str, values: dict[str, Any]) -> None:
        conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(**values))

    def update_jobs(self, conn: Connection, updates: dict[str, dict[str, Any]]) -> None:
        """Set new values on jobs by id: one executemany per set of columns changed."""
        _update_by_id(conn, t.jobs, updates)

    def claim_jobs(
        self, conn: Connection, *, owner: str, types: Sequence[str] | None, limit: int, now: float, lock_s: float
    ) -> list[JobRecord]:
        """Lock up to ``limit`` due jobs for ``owner``; expired locks count as free."""
        if types is not None and not types:
            return []
        params: dict[str, Any] = {"now": now, "limit": limit}
        if types is not None:
            params["types"] = list(types)
        ids = [r[0] for r in conn.execute(hot.claimable_jobs(conn.dialect.name, types is None), params)]
        if not ids:
            return []
        conn.execute(hot.LOCK_JOBS_FOR, {"ids": ids, "owner": owner, "expires": now + lock_s})
        return [job_from(r) for r in conn.execute(hot.CLAIMED_JOBS, {"ids": ids})]

    def next_due(self, conn: Connection, types: Sequence[str] | None) -> float | None:
        """The earliest time a ready job (of ``types``) or a timer becomes runnable."""
        job_query = select(func.min(func.coalesce(t.jobs.c.lock_expires_at, t.jobs.c.due_at))).where(
            t.jobs.c.state == "ready"
        )
        if types is not None:
            job_query = job_query.where(t.jobs.c.type.in_(list(types) or [""]))
        job_due = conn.execute(job_query).scalar()
        timer_due = conn.execute(select(func.min(t.timers.c.due_at))).scalar()
        candidates = [v for v in (job_due, timer_due) if v is not None]
        return min(candidates) if candidates else None

    def release_locks(self, conn: Connection, owner: str, job_ids: list[str], *, unstarted: bool = False) -> None:
        """Give up jobs this owner still holds (graceful shutdown): others may claim them at once.

        ``unstarted``: no handler ran them, so the attempt their claim counted is taken back.
        """
        if job_ids:
            values: dict[str, Any] = {"lock_owner": None, "lock_expires_at": None}
            if unstarted:
                values["attempt"] = t.jobs.c.attempt - 1
            conn.execute(
                update(t.jobs).where(and_(t.jobs.c.id.in_(job_ids), t.jobs.c.lock_owner == owner)).values(**values)
            )

    def extend_locks(self, conn: Connection, owner: str, job_ids: list[str], until: float) -> None:
        """Extend this owner's locks; rows a step holds right now are skipped (that step is finishing them).

        A plain UPDATE would take the rows in no particular order and deadlock with a step
        of this worker that holds one job row and waits for another.
        """
        if not job_ids:
            return
        mine = select(t.jobs.c.id).where(and_(t.jobs.c.id.in_(job_ids), t.jobs.c.lock_owner == owner))
        free = [r[0] for r in conn.execute(for_update(conn, mine, skip_locked=True))]
        if free:
            conn.execute(update(t.jobs).where(t.jobs.c.id.in_(free)).values(lock_expires_at=until))

    # -- timers ---------------------------------------------------------------
    def upsert_timers(self, conn: Connection, timers: Sequence[Any]) -> None:
        """Timers (anything with instance_id, task_id, element_id, due_at) as they are now, unlocked."""
        rows = [
            {
                "id": timer.task_id,
                "instance_id": timer.instance_id,
                "element_id": timer.element_id,
                "due_at": timer.due_at,
                "lock_owner": None,
                "lock_expires_at": None,
            }
            for timer in timers
        ]
        upsert(conn, t.timers, rows, ("id",))

    def delete_timers(self, conn: Connection, task_ids: list[str]) -> None:
        for ids in _chunks(task_ids):
            conn.execute(delete(t.timers).where(t.timers.c.id.in_(ids)))

    def claim_timers(
        self, conn: Connection, *, owner: str, now: float, limit: int, lock_s: float
    ) -> list[tuple[str, str]]:
        query = (
            select(t.timers.c.id, t.timers.c.instance_id)
            .where(
                and_(
                    t.timers.c.due_at <= now,
                    or_(t.timers.c.lock_expires_at.is_(None), t.timers.c.lock_expires_at < now),
                )
            )
            .order_by(t.timers.c.due_at)
            .limit(limit)
        )
        rows = [(r[0], r[1]) for r in conn.execute(for_update(conn, query, skip_locked=True))]
        if rows:
            conn.execute(
                update(t.timers)
                .where(t.timers.c.id.in_([r[0] for r in rows]))
                .values(lock_owner=owner, lock_expires_at=now + lock_s)
            )
        return rows

    def release_timers(self, conn: Connection, timer_ids: list[str]) -> None:
        for ids in _chunks(timer_ids):
            conn.execute(update(t.timers).where(t.timers.c.id.in_(ids)).values(lock_owner=None, lock_expires_at=None))

    def timers(self, conn: Connection, instance_id: str) -> list[dict[str, Any]]:
        rows = conn.execute(select(t.timers).where(t.timers.c.instance_id == instance_id).order_by(t.timers.c.due_at))
        return [dict(r._mapping) for r in rows]

    # -- messages and signals ---------------------------------------------------
    def replace_subscriptions(self, conn: Connection, by_task: Mapping[str, Sequence[dict[str, Any]]]) -> None:
        """Task id -> the subscription rows it has now (none: it stopped waiting); older ones go."""
        for ids in _chunks(list(by_task)):
            conn.execute(delete(t.subscriptions).where(t.subscriptions.c.task_id.in_(ids)))
        rows = [row for rows in by_task.values() for row in rows]
        if rows:
            conn.execute(t.subscriptions.insert(), rows)

    def find_subscriptions(
        self,
        conn: Connection,
        kind: str,
        name: str,
        *,
        correlation_key: str | None = None,
        business_key: str | None = None,
        instance_id: str | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Waiting tasks for this message or signal, oldest first."""
        query = (
            select(t.subscriptions, t.instances.c.business_key)
            .join(t.instances, t.instances.c.id == t.subscriptions.c.instance_id)
            .where(
                and_(t.subscriptions.c.kind == kind, t.subscriptions.c.name == name, t.instances.c.state == "running")
            )
        )
        if correlation_key is not None:
            query = query.where(
                or_(t.subscriptions.c.correlation_key == correlation_key, t.subscriptions.c.correlation_key.is_(None))
            )
        if business_key is not None:
            query = query.where(t.instances.c.business_key == business_key)
        if instance_id is not None:
            query = query.where(t.subscriptions.c.instance_id == instance_id)
        query = query.order_by(t.subscriptions.c.created_at, t.subscriptions.c.id).limit(limit)
        return [dict(r._mapping) for r in conn.execute(query)]

    def subscriptions(self, conn: Connection, instance_id: str) -> list[dict[str, Any]]:
        query = select(t.subscriptions).where(t.subscriptions.c.instance_id == instance_id)
        return [dict(r._mapping) for r in conn.execute(query.order_by(t.subscriptions.c.created_at))]

    def message_result(self, conn: Connection, message_id: str) -> str | None:
        row = conn.execute(select(t.messages.c.result).where(t.messages.c.id == message_id)).first()
        return str(row[0]) if row else None

    def insert_messages(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Message ids seen for the first time; a second insert of one id fails on its key (decides races)."""
        if rows:
            conn.execute(t.messages.insert(), rows)

    def update_message_results(self, conn: Connection, results: dict[str, str]) -> None:
        _update_by_id(conn, t.messages, {message_id: {"result": r} for message_id, r in results.items()})

    def insert_outbox(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(t.outbox.insert(), rows)

    def outbox(self, conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
        query = select(t.outbox).order_by(t.outbox.c.id).limit(limit)
        return [dict(r._mapping) for r in conn.execute(for_update(conn, query, skip_locked=True))]

    def delete_outbox(self, conn: Connection, ids: list[int]) -> None:
        if ids:
            conn.execute(delete(t.outbox).where(t.outbox.c.id.in_(ids)))

    # -- timer start events -------------------------------------------------------
    def replace_start_timers(self, conn: Connection, definition_key: str, rows: list[dict[str, Any]]) -> None:
        """A new version replaces the start timers of the previous one (as Camunda does)."""
        conn.execute(delete(t.start_timers).where(t.start_timers.c.definition_key == definition_key))
        if rows:
            conn.execute(t.start_timers.insert(), rows)

    def claim_start_timers(
        self, conn: Connection, *, owner: str, now: float, limit: int, lock_s: float
    ) -> list[dict[str, Any]]:
        query = (
            select(t.start_timers)
            .where(
                and_(
                    t.start_timers.c.due_at <= now,
                    or_(t.start_timers.c.lock_expires_at.is_(None), t.start_timers.c.lock_expires_at < now),
                )
            )
            .order_by(t.start_timers.c.due_at)
            .limit(limit)
        )
        rows = [dict(r._mapping) for r in conn.execute(for_update(conn, query, skip_locked=True))]
        if rows:
            conn.execute(
                update(t.start_timers)
                .where(t.start_timers.c.id.in_([r["id"] for r in rows]))
                .values(lock_owner=owner, lock_expires_at=now + lock_s)
            )
        return rows

    def reschedule_start_timer(
        self, conn: Connection, timer_id: str, due_at: float | None, cycles_left: int | None
    ) -> None:
        if due_at is None:
            conn.execute(delete(t.start_timers).where(t.start_timers.c.id == timer_id))
        else:
            conn.execute(
                update(t.start_timers)
                .where(t.start_timers.c.id == timer_id)
                .values(due_at=due_at, cycles_left=cycles_left, lock_owner=None, lock_expires_at=None)
            )

    def start_timers(self, conn: Connection) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in conn.execute(select(t.start_timers).order_by(t.start_timers.c.due_at))]

    # -- incidents ------------------------------------------------------------
    def insert_incidents(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(t.incidents.insert(), rows)

    def open_incidents(self, conn: Connection, instance_id: str | None = None) -> list[IncidentRecord]:
        query = select(t.incidents).where(t.incidents.c.state == "open")
        if instance_id:
            query = query.where(t.incidents.c.instance_id == instance_id)
        return [incident_from(r) for r in conn.execute(query.order_by(t.incidents.c.created_at))]

    def incidents(self, conn: Connection, instance_id: str) -> list[IncidentRecord]:
        query = select(t.incidents).where(t.incidents.c.instance_id == instance_id).order_by(t.incidents.c.created_at)
        return [incident_from(r) for r in conn.execute(query)]

    def resolve_incidents_at(self, conn: Connection, resolved: dict[str, float]) -> None:
        """Incident id -> when it was resolved."""
        _update_by_id(conn, t.incidents, {i: {"state": "resolved", "resolved_at": at} for i, at in resolved.items()})

    # -- history ---------------------------------------------------------------
    def insert_events(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        bulk_insert(conn, t.events, rows)

    def events(self, conn: Connection, instance_id: str, after_seq: int = 0, limit: int = 10_000) -> list[EventRecord]:
        query = (
            select(t.events)
            .where(and_(t.events.c.instance_id == instance_id, t.events.c.seq > after_seq))
            .order_by(t.events.c.seq)
            .limit(limit)
        )
        return [event_from(r) for r in conn.execute(query)]


def _locked_by_ids(conn: Connection, table: Table, ids: Iterable[str], record: Callable[[Any], R]) -> dict[str, R]:
    """Rows of ``table`` by id as records, locked in id order (PostgreSQL; SQLite's writer lock covers it)."""
    found: dict[str, R] = {}
    for chunk in _chunks(sorted(set(ids))):
        for row in conn.execute(hot.locked_by_ids(conn.dialect.name, table), {"ids": list(chunk)}):
            found[row.id] = record(row)
    return found


def _update_by_id(conn: Connection, table: Table, updates: dict[str, dict[str, Any]]) -> None:
    """One executemany per set of columns changed (the statement is the same for every row of a shape).

    Rows are updated in id order, the order every writer locks them in, so two writers never deadlock.
    """
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in sorted(updates.items()):
        shape = tuple(sorted(values))
        by_shape.setdefault(shape, []).append({"row_id": row_id, **{f"v_{k}": values[k] for k in shape}})
    for shape, params in by_shape.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"v_{name}") for name in shape})
        )
        conn.execute(statement, params)


def task_row_params(instance_id: str, r: TaskRow) -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "id": r.id,
        "workflow_id": r.workflow_id,
        "parent_id": r.parent_id,
        "spec_name": r.spec_name,
        "element_id": r.element_id,
        "state": r.state,
        "last_state_change": r.last_state_change,
        "triggered": r.triggered,
        "seq": r.seq,
        "internal": r.internal,
        "data": r.data,
        "depth": r.depth,
        "kind": r.kind,
    }


def event_row(
    instance_id: str,
    seq: int,
    type_: str,
    at: float,
    *,
    element_id: str | None = None,
    task_id: str | None = None,
    job_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "seq": seq,
        "type": type_,
        "element_id": element_id,
        "task_id": task_id,
        "job_id": job_id,
        "at": at,
        "data": json.dumps(data, default=str) if data else None,
    }
