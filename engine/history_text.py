"""History events as people read them: "Create database (istanbul) — completed — {payload}".

Each row keeps the stored event (type, seq, element, task, job, time, data) and adds ``label``
(the activity instance it is about, with its multi-instance item), ``status`` (what happened, in
words) and ``payload`` (the variables the step wrote, with their values when the event carries them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from engine.store.records import EventRecord

STATUS = {
    "InstanceStarted": "started",
    "InstanceCompleted": "completed",
    "InstanceCancelled": "cancelled",
    "InstanceFailed": "failed",
    "ActivityActivated": "started",
    "ActivityCompleted": "completed",
    "ActivityCancelled": "cancelled",
    "ActivityFailed": "failed",
    "JobCreated": "job created",
    "JobCompleted": "job completed",
    "JobFailed": "job failed",
    "JobPostponed": "polled again later",
    "JobErrorThrown": "BPMN error thrown",
    "JobCancelled": "job cancelled",
    "IncidentRaised": "incident raised",
    "IncidentResolved": "incident resolved",
    "TimerScheduled": "timer scheduled",
    "TimerFired": "timer fired",
    "MessageCorrelated": "message received",
    "SignalReceived": "signal received",
    "UserTaskCompleted": "form submitted",
    "VariablesChanged": "variables set",
    "DecisionEvaluated": "decision evaluated",
}


def status_of(event: EventRecord) -> str:
    """What happened, in words, with the detail that matters for the type (worker, attempt, error)."""
    data = event.data or {}
    text = STATUS.get(event.type, event.type)
    if event.type == "JobCompleted" and data.get("worker"):
        text += f" by {data['worker']}"
    if event.type == "JobFailed":
        text += f" (attempt {data.get('attempt', '?')})"
        text += f", retry at {_clock(data['next_attempt_at'])}" if data.get("next_attempt_at") else ", no retry left"
    if event.type == "IncidentResolved" and data.get("resolution"):
        text += f" ({data['resolution']})"
    if event.type == "DecisionEvaluated" and data.get("decision_key"):
        text += f" '{data['decision_key']}'"
    if event.type in ("MessageCorrelated", "SignalReceived") and data.get("name"):
        text += f" '{data['name']}'"
    return text


def payload_of(event: EventRecord) -> dict[str, Any] | None:
    """The variables the event says its step wrote: values when it carries them, else just the names."""
    data = event.data or {}
    if event.type == "DecisionEvaluated":
        return {"result": data.get("result")}
    values = data.get("values")
    if isinstance(values, dict):
        return values
    names = data.get("variables")
    if isinstance(names, list) and names:
        return {str(n): None for n in names}
    return None


def message_of(event: EventRecord) -> str | None:
    data = event.data or {}
    text = data.get("error") or data.get("message") or data.get("reason")
    return str(text) if text else None


def readable_rows(
    events: Sequence[EventRecord], labels: Mapping[str, str], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Events (in the order given) with label, status and payload added.

    An activity's completion shows the payload its job (or form, or message) wrote in the same
    instance, so the row reads "Create database (istanbul) — completed — {regionDatabase: ...}".
    """
    written: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.type in ("JobCompleted", "UserTaskCompleted", "MessageCorrelated") and event.task_id:
            payload = payload_of(event)
            if payload:
                written.setdefault(event.task_id, payload)
    rows = []
    for event in events:
        if event.task_id and event.task_id in labels:
            label = labels[event.task_id]
        elif event.element_id:
            label = names.get(event.element_id, event.element_id)
        else:
            label = "Instance"
        payload = payload_of(event)
        if payload is None and event.type == "ActivityCompleted" and event.task_id:
            payload = written.get(event.task_id)
        rows.append(
            {
                "seq": event.seq,
                "type": event.type,
                "at": event.at,
                "element_id": event.element_id,
                "task_id": event.task_id,
                "job_id": event.job_id,
                "data": event.data,
                "label": label,
                "status": status_of(event),
                "payload": payload,
                "message": message_of(event),
            }
        )
    return rows


def _clock(at: Any) -> str:
    try:
        return dt.datetime.fromtimestamp(float(at), dt.UTC).strftime("%H:%M:%S.%f")[:-3] + " UTC"
    except (TypeError, ValueError, OverflowError):
        return str(at)
