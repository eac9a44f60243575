"""Typed records read from the store (plain data; the engine never sees SQLAlchemy rows)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class TaskRow:
    """One task as stored; fields mirror the ``tasks`` table."""

    id: str
    workflow_id: str
    parent_id: str | None
    spec_name: str
    element_id: str | None
    state: int
    last_state_change: float
    triggered: bool
    seq: int
    """Creation order within the instance: a task's children are the rows naming it as parent, by seq.
    Keeping the children list out of the parent row is what keeps a thousand-way fan-in cheap."""
    internal: str
    data: str
    depth: int
    kind: str = "activity"
    """What the element is to a user: user, job, timer, gateway, event, subprocess, activity, internal."""


@dataclass(frozen=True)
class DefinitionRecord:
    id: str
    key: str
    version: int
    name: str | None
    deployment_id: str
    xml_sha256: str
    deployed_at: float
    called: str = "{}"
    """JSON {process key: definition id} of the processes deployed with this one, which a call activity's
    ``deployment`` binding calls. A JSON list is a definition from before call activities were resolved
    when they run: the deployment ids its callees were bound to at deploy time."""
    version_tag: str | None = None
    """The process's ``camunda:versionTag`` / ``zeebe:versionTag``: what a ``versionTag`` binding looks for."""

    def deployed_with(self) -> dict[str, str]:
        """The processes deployed with this one (key -> definition id); empty for an older definition."""
        found = json.loads(self.called or "{}")
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def bound_deployments(self) -> list[str]:
        """The deployment ids an older definition's callees were bound to at deploy time (else empty)."""
        found = json.loads(self.called or "{}")
        return [str(d) for d in found] if isinstance(found, list) else []


@dataclass(frozen=True)
class InstanceRecord:
    id: str
    definition_id: str
    definition_key: str
    business_key: str | None
    state: str
    version: int
    event_seq: int
    open_incidents: int
    frame: str
    started_at: float
    updated_at: float
    ended_at: float | None


@dataclass(frozen=True)
class JobRecord:
    id: str
    instance_id: str
    task_id: str
    element_id: str
    type: str
    state: str
    variables: Mapping[str, Any]
    """As stored, name -> blob hash; as the engine hands a job out, name -> value (``JobVariables``)."""
    headers: dict[str, str]
    retry_policy: dict[str, Any]
    attempt: int
    retries_left: int
    due_at: float
    lock_owner: str | None
    lock_expires_at: float | None
    last_error: str | None
    error_details: str | None
    priority: int
    created_at: float
    business_key: str | None = None
    """The instance's business key; filled in when jobs are claimed (handlers and workers want it)."""
    called_definition_id: str | None = None
    """The called child's definition whose model holds the job's element; None: the instance's own."""


@dataclass(frozen=True)
class IncidentRecord:
    id: str
    instance_id: str
    job_id: str | None
    task_id: str | None
    element_id: str | None
    type: str
    message: str
    details: str | None
    state: str
    created_at: float
    resolved_at: float | None


@dataclass(frozen=True)
class EventRecord:
    instance_id: str
    seq: int
    type: str
    element_id: str | None
    task_id: str | None
    job_id: str | None
    at: float
    data: dict[str, Any]


def instance_from(row: Any) -> InstanceRecord:
    m = row._mapping
    return InstanceRecord(**{k: m[k] for k in InstanceRecord.__dataclass_fields__})


def definition_from(row: Any) -> DefinitionRecord:
    m = row._mapping
    return DefinitionRecord(**{k: m[k] for k in DefinitionRecord.__dataclass_fields__})


_JOB_JSON = frozenset({"variables", "headers", "retry_policy"})
_JOB_FIELDS = frozenset(JobRecord.__dataclass_fields__)


def job_from(row: Any) -> JobRecord:
    """A job row (every column, or every column and the business key) as a record, its JSON decoded."""
    values = {
        key: (json.loads(value) if key in _JOB_JSON else value)
        for key, value in zip(row._fields, row, strict=True)
        if key in _JOB_FIELDS
    }
    return JobRecord(**values)


def incident_from(row: Any) -> IncidentRecord:
    m = row._mapping
    return IncidentRecord(**{k: m[k] for k in IncidentRecord.__dataclass_fields__})


def event_from(row: Any) -> EventRecord:
    m = row._mapping
    return EventRecord(
        instance_id=m["instance_id"],
        seq=m["seq"],
        type=m["type"],
        element_id=m["element_id"],
        task_id=m["task_id"],
        job_id=m["job_id"],
        at=m["at"],
        data=json.loads(m["data"]) if m["data"] else {},
    )
