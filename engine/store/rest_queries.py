"""SQL behind the Camunda 7 REST subset: filtered listings, and claiming jobs per external-task topic.

Separate from ``queries.py`` (the web UI's read models) so both can change
independently. Every function takes the caller's connection (its transaction).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, or_, select, true, union_all, update

from engine.store import schema as t
from engine.store.records import IncidentRecord, JobRecord, incident_from, job_from

ACTIVE_TASK_STATES = (8, 16, 32)  # WAITING, READY, STARTED


@dataclass(frozen=True)
class InstanceQuery:
    """What a process instance listing filters by; empty fields do not filter."""

    ids: tuple[str, ...] | None = None
    business_key: str | None = None
    business_key_like: str | None = None
    definition_keys: tuple[str, ...] | None = None
    definition_ids: tuple[str, ...] | None = None
    deployment_id: str | None = None
    states: tuple[str, ...] | None = None
    with_incident: bool = False
    incident_type: str | None = None
    started_after: float | None = None
    started_before: float | None = None
    ended_after: float | None = None
    ended_before: float | None = None


INSTANCE_SORT = {
    "instanceId": t.instances.c.id,
    "definitionKey": t.instances.c.definition_key,
    "definitionId": t.instances.c.definition_id,
    "businessKey": t.instances.c.business_key,
    "startTime": t.instances.c.started_at,
    "endTime": t.instances.c.ended_at,
}


def _instance_filters(q: InstanceQuery) -> list[ColumnElement[bool]]:
    c = t.instances.c
    where: list[ColumnElement[bool]] = []
    if q.ids is not None:
        where.append(c.id.in_(q.ids))
    if q.business_key is not None:
        where.append(c.business_key == q.business_key)
    if q.business_key_like is not None:
        where.append(c.business_key.like(q.business_key_like))
    if q.definition_keys is not None:
        where.append(c.definition_key.in_(q.definition_keys))
    if q.definition_ids is not None:
        where.append(c.definition_id.in_(q.definition_ids))
    if q.deployment_id is not None:
        of_deployment = select(t.definitions.c.id).where(t.definitions.c.deployment_id == q.deployment_id)
        where.append(c.definition_id.in_(of_deployment))
    if q.states is not None:
        where.append(c.state.in_(q.states))
    if q.with_incident or q.incident_type is not None:
        incident = and_(t.incidents.c.instance_id == c.id, t.incidents.c.state == "open")
        if q.incident_type is not None:
            incident = and_(incident, t.incidents.c.type == q.incident_type)
        where.append(exists().where(incident))
    for column, bound, op in (
        (c.started_at, q.started_after, "ge"),
        (c.started_at, q.started_before, "lt"),
        (c.ended_at, q.ended_after, "ge"),
        (c.ended_at, q.ended_before, "lt"),
    ):
        if bound is not None:
            where.append(column >= bound if op == "ge" else column < bound)
    return where


def instance_rows(
    conn: Connection, q: InstanceQuery, *, sort: str, descending: bool, limit: int | None, offset: int
) -> list[dict[str, Any]]:
    """Instances (without their frames) matching ``q``, with their definition's version and name."""
    c = t.instances.c
    column = INSTANCE_SORT.get(sort, c.started_at)
    query = (
        select(
            c.id,
            c.definition_id,
            c.definition_key,
            c.business_key,
            c.state,
            c.open_incidents,
            c.started_at,
            c.ended_at,
            t.definitions.c.version.label("definition_version"),
            t.definitions.c.name.label("definition_name"),
        )
        .join(t.definitions, t.definitions.c.id == c.definition_id)
        .where(*_instance_filters(q))
        .order_by(column.desc() if descending else column.asc(), c.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def instance_count(conn: Connection, q: InstanceQuery) -> int:
    query = select(func.count()).select_from(t.instances).where(*_instance_filters(q))
    return int(conn.execute(query).scalar_one())


def deployments(conn: Connection) -> list[dict[str, Any]]:
    """Every deployment without its XML, oldest first."""
    d = t.deployments.c
    query = select(d.id, d.name, d.source, d.filename, d.deployed_at).order_by(d.deployed_at, d.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def active_activity_rows(conn: Connection, instance_id: str) -> list[dict[str, Any]]:
    """Task rows of the elements an instance is in now (the activity instance tree's leaves and scopes)."""
    k = t.tasks.c
    query = (
        select(k.id, k.workflow_id, k.parent_id, k.element_id, k.state, k.kind, k.spec_name, k.last_state_change)
        .where(
            and_(
                k.instance_id == instance_id,
                k.element_id.is_not(None),
                k.state.in_(ACTIVE_TASK_STATES),
                k.kind != "internal",
            )
        )
        .order_by(k.seq)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


# -- incidents -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentQuery:
    incident_id: str | None = None
    instance_id: str | None = None
    types: tuple[str, ...] | None = None
    element_id: str | None = None
    job_id: str | None = None
    definition_id: str | None = None


def incidents(conn: Connection, q: IncidentQuery) -> list[tuple[IncidentRecord, str]]:
    """Open incidents matching ``q``, oldest first, each with its instance's definition id."""
    i = t.incidents.c
    query = (
        select(t.incidents, t.instances.c.definition_id.label("definition_id"))
        .join(t.instances, t.instances.c.id == i.instance_id)
        .where(i.state == "open")
    )
    for column, wanted in (
        (i.id, q.incident_id),
        (i.instance_id, q.instance_id),
        (i.element_id, q.element_id),
        (i.job_id, q.job_id),
        (t.instances.c.definition_id, q.definition_id),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    if q.types is not None:
        query = query.where(i.type.in_(q.types))
    rows = conn.execute(query.order_by(i.created_at, i.id))
    return [(incident_from(r), str(r._mapping["definition_id"])) for r in rows]


# -- external tasks (jobs) ------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicClaim:
    """One topic of a fetchAndLock request: which jobs it may lock, and for how long."""

    topic: str
    lock_s: float
    definition_keys: tuple[str, ...] | None = None
    definition_ids: tuple[str, ...] | None = None
    version_tag: str | None = None
    business_key: str | None = None
    variable_hashes: dict[str, str] = field(default_factory=dict)
    """name -> content hash of the wanted value (processVariables filter)."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job with the definition whose model holds its element: a called child's, or its instance's."""

    job: JobRecord
    definition_id: str
    definition_key: str
    definition_version_tag: str | None = None


def job_definition_id() -> ColumnElement[str]:
    """The definition a job belongs to: the called child's that holds its element, else its instance's.

    For a select that joins the job's instance. A called child runs inside its caller's instance
    (``engine.instance_models``), but its jobs are the child's, as Camunda shows a called instance's.
    """
    return func.coalesce(t.jobs.c.called_definition_id, t.instances.c.definition_id)


def _of_definitions(matches: Callable[[ColumnElement[str]], ColumnElement[bool]]) -> ColumnElement[bool]:
    """Jobs whose definition (a called child's, or their instance's) ``matches``.

    The ids of two selects that indexes serve (instances by definition, then their jobs by instance;
    jobs by ``called_definition_id``): an OR across jobs and instances, or coalesce() of the two,
    is served by none and scans every job. A subquery rather than a join: FOR UPDATE must lock job
    rows only, never instance rows. Aliases: neither select may correlate with the outer query.
    """
    jobs, instances = t.jobs.alias("of_definition_jobs"), t.instances.alias("of_definition_instances")
    own = (
        select(jobs.c.id)
        .join(instances, instances.c.id == jobs.c.instance_id)
        .where(matches(instances.c.definition_id), jobs.c.called_definition_id.is_(None))
    )
    called = select(jobs.c.id).where(matches(jobs.c.called_definition_id))
    return t.jobs.c.id.in_(union_all(own, called))


def _fetchable(now: float) -> ColumnElement[bool]:
    j = t.jobs.c
    return and_(j.state == "ready", j.due_at <= now, or_(j.lock_expires_at.is_(None), j.lock_expires_at < now))


def _topic_condition(topic: TopicClaim) -> ColumnElement[bool]:
    j = t.jobs.c
    d = t.definitions.c
    condition: ColumnElement[bool] = j.type == topic.topic
    definition_filters: list[ColumnElement[bool]] = []
    if topic.definition_keys is not None:
        definition_filters.append(d.key.in_(topic.definition_keys))
    if topic.definition_ids is not None:
        definition_filters.append(d.id.in_(topic.definition_ids))
    if topic.version_tag is not None:
        definition_filters.append(d.version_tag == topic.version_tag)
    if definition_filters:
        definitions = select(d.id).where(*definition_filters)
        condition = and_(condition, _of_definitions(lambda column: column.in_(definitions)))
    if topic.business_key is not None:
        # A subquery rather than a join: FOR UPDATE must lock job rows only, never instance rows.
        of_instances = select(t.instances.c.id).where(t.instances.c.business_key == topic.business_key)
        condition = and_(condition, j.instance_id.in_(of_instances))
    for name, digest in topic.variable_hashes.items():
        # Manifests are written by json.dumps with its default separators (see engine.steps).
        needle = f'{json.dumps(name)}: "{digest}"'
        condition = and_(condition, j.variables.contains(needle, autoescape=True))
    return condition


def fetchable_exists(conn: Connection, topics: Sequence[str], now: float) -> bool:
    """Whether any job of these topics could be locked now (a cheap read for long polls)."""
    if not topics:
        return False
    query = select(t.jobs.c.id).where(and_(_fetchable(now), t.jobs.c.type.in_(list(topics)))).limit(1)
    return conn.execute(query).first() is not None


def claim_for_topics(
    conn: Connection,
    *,
    owner: str,
    topics: Sequence[TopicClaim],
    limit: int,
    now: float,
    use_priority: bool,
    newest_first: bool | None,
) -> list[ClaimedJob]:
    """Lock up to ``limit`` fetchable jobs of ``topics`` for ``owner``; each topic sets its lock duration."""
    if not topics or limit <= 0:
        return []
    j = t.jobs.c
    by_topic = {topic.topic: topic for topic in topics}
    query = select(j.id, j.type).where(and_(_fetchable(now), or_(*(_topic_condition(tp) for tp in topics))))
    order: list[Any] = [j.priority.desc()] if use_priority else []
    if newest_first is not None:
        order.append(j.created_at.desc() if newest_first else j.created_at.asc())
    order.extend([j.due_at, j.id])
    query = query.order_by(*order).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    picked = [(str(r[0]), str(r[1])) for r in conn.execute(query)]
    if not picked:
        return []
    by_lock: dict[float, list[str]] = {}
    for job_id, job_type in picked:
        by_lock.setdefault(by_topic[job_type].lock_s, []).append(job_id)
    for lock_s, ids in by_lock.items():
        conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id.in_(ids))
            .values(lock_owner=owner, lock_expires_at=now + lock_s, attempt=t.jobs.c.attempt + 1)
        )
    return _with_definitions(conn, [job_id for job_id, _ in picked])


def _with_definitions(conn: Connection, job_ids: Sequence[str]) -> list[ClaimedJob]:
    found = {}
    for row in conn.execute(_with_definition(select(t.jobs)).where(t.jobs.c.id.in_(list(job_ids)))):
        claimed = _claimed(row)
        found[claimed.job.id] = claimed
    return [found[i] for i in job_ids if i in found]


def _with_definition(query: Select[Any]) -> Select[Any]:
    """``query`` over jobs, with their instance's business key and their own definition's id, key, tag."""
    definition = job_definition_id()
    return (
        query.add_columns(
            t.instances.c.business_key,
            definition.label("job_definition_id"),
            t.definitions.c.key.label("job_definition_key"),
            t.definitions.c.version_tag.label("job_definition_version_tag"),
        )
        .join(t.instances, t.instances.c.id == t.jobs.c.instance_id)
        .outerjoin(t.definitions, t.definitions.c.id == definition)
    )


def _claimed(row: Any) -> ClaimedJob:
    m = row._mapping
    definition_id = str(m["job_definition_id"])
    # A called child's definition whose record is gone still has its key in its id (key:version:hash).
    key = m["job_definition_key"] or definition_id.partition(":")[0]
    return ClaimedJob(job_from(row), definition_id, str(key), m["job_definition_version_tag"])


@dataclass(frozen=True)
class JobQuery:
    job_id: str | None = None
    ids: tuple[str, ...] | None = None
    topic: str | None = None
    instance_id: str | None = None
    worker_id: str | None = None
    element_id: str | None = None
    definition_id: str | None = None
    locked: bool | None = None
    with_retries_left: bool | None = None


def _job_filters(q: JobQuery, now: float) -> list[ColumnElement[bool]]:
    j = t.jobs.c
    where: list[ColumnElement[bool]] = [true()]
    for column, wanted in (
        (j.id, q.job_id),
        (j.type, q.topic),
        (j.instance_id, q.instance_id),
        (j.lock_owner, q.worker_id),
        (j.element_id, q.element_id),
    ):
        if wanted is not None:
            where.append(column == wanted)
    if q.definition_id is not None:
        definition_id = q.definition_id
        where.append(_of_definitions(lambda column: column == definition_id))
    if q.ids is not None:
        where.append(j.id.in_(q.ids))
    if q.locked is True:
        where.append(and_(j.lock_owner.is_not(None), j.lock_expires_at >= now))
    elif q.locked is False:
        where.append(or_(j.lock_owner.is_(None), j.lock_expires_at.is_(None), j.lock_expires_at < now))
    if q.with_retries_left is True:
        where.append(j.state == "ready")
    elif q.with_retries_left is False:
        where.append(j.state == "incident")
    return where


def _job_select(q: JobQuery, now: float) -> Select[Any]:
    return _with_definition(select(t.jobs)).where(*_job_filters(q, now))


def jobs(conn: Connection, q: JobQuery, *, now: float, limit: int | None, offset: int) -> list[ClaimedJob]:
    """Jobs matching ``q`` with their instance's definition, oldest first."""
    query = _job_select(q, now).order_by(t.jobs.c.created_at, t.jobs.c.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_claimed(row) for row in conn.execute(query)]


def job_count(conn: Connection, q: JobQuery, *, now: float) -> int:
    query = (
        select(func.count())
        .select_from(t.jobs.join(t.instances, t.instances.c.id == t.jobs.c.instance_id))
        .where(*_job_filters(q, now))
    )
    return int(conn.execute(query).scalar_one())
