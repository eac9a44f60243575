"""The history events steps record, one constructor per event type.

The stored format (type, element, task, job, JSON data with these keys in this
order) is what history listings, the Cockpit-like UI and Camunda's history
endpoints read; keep it when adding fields.
"""

from __future__ import annotations

import json
from typing import Any

from engine.intents import HistoryEvent
from engine.spiff.codec import encode_value
from engine.spiff.runtime import ActivityEvent
from engine.store.records import IncidentRecord, JobRecord

MAX_VALUE_CHARS = 2_000
"""A written value longer than this (as JSON) is kept in history as a preview; the variables keep it whole."""


def written_values(variables: dict[str, Any]) -> dict[str, Any]:
    """The values a step wrote, as plain JSON for the event (``values``), long ones cut to a preview.

    ``variables`` (the sorted names) stays beside it, so readers of the older format keep working.
    """
    values: dict[str, Any] = {}
    for name in sorted(variables):
        text = encode_value(variables[name])
        if len(text) <= MAX_VALUE_CHARS:
            values[name] = json.loads(text)
        else:
            values[name] = {"preview": text[:200] + "…", "chars": len(text)}
    return values


def _event(
    type_: str,
    *,
    element_id: str | None = None,
    task_id: str | None = None,
    job_id: str | None = None,
    **data: Any,
) -> HistoryEvent:
    return HistoryEvent(type_, element_id, task_id, job_id, data or None)


def _of_job(type_: str, job: JobRecord, **data: Any) -> HistoryEvent:
    """An event about ``job``: its element, task, id and attempt come along."""
    return _event(type_, element_id=job.element_id, task_id=job.task_id, job_id=job.id, attempt=job.attempt, **data)


def activity(fact: ActivityEvent) -> HistoryEvent:
    """ActivityActivated / Completed / Cancelled and the like, as the Spiff adapter derived them."""
    return HistoryEvent(fact.type, fact.element_id, fact.task_id, None, fact.data or None)


def instance_started(
    definition_id: str, business_key: str | None, variables: dict[str, Any], via: tuple[str, str] | None
) -> HistoryEvent:
    return _event(
        "InstanceStarted",
        definition_id=definition_id,
        business_key=business_key,
        variables=sorted(variables),
        start_event=f"{via[0]} {via[1]}" if via else None,
        values=written_values(variables),
    )


def activity_cancelled(element_id: str, task_id: str) -> HistoryEvent:
    """An operator's modification ended this activity instance."""
    return HistoryEvent("ActivityCancelled", element_id, task_id)


def instance_completed() -> HistoryEvent:
    return _event("InstanceCompleted")


def instance_cancelled(reason: str | None) -> HistoryEvent:
    return _event("InstanceCancelled", reason=reason)


def variables_changed(
    variables: dict[str, Any], element_id: str | None = None, task_id: str | None = None
) -> HistoryEvent:
    """Variables set by an edit: in the process scope, or (``task_id``) in that element instance's local scope."""
    if task_id is None:
        return _event("VariablesChanged", variables=sorted(variables), values=written_values(variables))
    return _event(
        "VariablesChanged",
        element_id=element_id,
        task_id=task_id,
        variables=sorted(variables),
        values=written_values(variables),
        scope="local",
    )


def job_created(job: dict[str, Any]) -> HistoryEvent:
    return _event(
        "JobCreated",
        element_id=job["element_id"],
        task_id=job["task_id"],
        job_id=job["id"],
        type=job["type"],
        retries=job["retries_left"],
    )


def job_completed(job: JobRecord, worker: str | None, variables: dict[str, Any]) -> HistoryEvent:
    return _of_job("JobCompleted", job, worker=worker, variables=sorted(variables), values=written_values(variables))


def job_failed(
    job: JobRecord, error: str, retries_left: int, next_attempt_at: float | None, worker: str | None
) -> HistoryEvent:
    """A failed attempt; ``next_attempt_at`` None: no retry left (an incident follows)."""
    if next_attempt_at is None:
        return _of_job("JobFailed", job, error=error, retries_left=0, worker=worker, job_type=job.type)
    return _of_job(
        "JobFailed",
        job,
        error=error,
        retries_left=retries_left,
        next_attempt_at=next_attempt_at,
        worker=worker,
        job_type=job.type,
    )


def job_postponed(job: JobRecord, next_attempt_at: float, message: str | None) -> HistoryEvent:
    return _of_job("JobPostponed", job, next_attempt_at=next_attempt_at, message=message)


def job_error_thrown(job: JobRecord, code: str, message: str, caught: bool) -> HistoryEvent:
    return _of_job("JobErrorThrown", job, code=code, message=message, caught=caught)


def job_cancelled(job_id: str) -> HistoryEvent:
    return _event("JobCancelled", job_id=job_id)


def incident_raised(incident: dict[str, Any]) -> HistoryEvent:
    return _event(
        "IncidentRaised",
        element_id=incident["element_id"],
        task_id=incident["task_id"],
        job_id=incident["job_id"],
        incident_id=incident["id"],
        message=incident["message"],
        kind=incident["type"],
    )


def incident_resolved(incident: IncidentRecord, resolution: str | None = None) -> HistoryEvent:
    return _event(
        "IncidentResolved",
        element_id=incident.element_id,
        task_id=incident.task_id,
        job_id=incident.job_id,
        incident_id=incident.id,
        resolution=resolution,
    )


def timer_scheduled(element_id: str, task_id: str, due_at: float) -> HistoryEvent:
    return _event("TimerScheduled", element_id=element_id, task_id=task_id, due_at=due_at)


def timer_fired(element_id: str | None, task_id: str) -> HistoryEvent:
    return _event("TimerFired", element_id=element_id, task_id=task_id)


def user_task_completed(element_id: str, task_id: str, variables: dict[str, Any]) -> HistoryEvent:
    return _event(
        "UserTaskCompleted",
        element_id=element_id,
        task_id=task_id,
        variables=sorted(variables),
        values=written_values(variables),
    )


def event_caught(
    kind: str, element_id: str, task_id: str, name: str, message_id: str | None, variables: dict[str, Any]
) -> HistoryEvent:
    """MessageCorrelated or SignalReceived at a waiting task."""
    return _event(
        "MessageCorrelated" if kind == "message" else "SignalReceived",
        element_id=element_id,
        task_id=task_id,
        name=name,
        message_id=message_id,
        variables=sorted(variables),
        values=written_values(variables),
    )


def instance_rewound(step: int, reason: str | None) -> HistoryEvent:
    """An operator restarted the instance from the state it had right after ``step``."""
    return _event("InstanceRewound", step=step, reason=reason)


def instance_modified(instructions: list[dict[str, Any]], reason: str | None) -> HistoryEvent:
    """An operator cancelled, started or moved tokens (``instructions`` as the engine understood them)."""
    return _event("InstanceModified", instructions=instructions, reason=reason)


def instance_migrated(source: str, target: str, mapping: dict[str, str]) -> HistoryEvent:
    """The instance now runs on definition ``target``; ``mapping``: the element ids that changed."""
    return _event("InstanceMigrated", source=source, target=target, mapping=mapping)


def decision_evaluated(row: dict[str, Any], result: Any) -> HistoryEvent:
    """A business rule task evaluated a decision; the full record is its ``decision_evaluations`` row."""
    text = json.dumps(result)
    shown = result if len(text) <= MAX_VALUE_CHARS else {"preview": text[:200] + "…", "chars": len(text)}
    return _event(
        "DecisionEvaluated",
        element_id=row["element_id"],
        task_id=row["task_id"],
        decision_key=row["decision_key"],
        decision_definition_id=row["decision_definition_id"],
        evaluation_id=row["id"],
        result=shown,
    )
