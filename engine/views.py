"""Read models of an instance for the CLI, the API and the UI: plain data, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.instance_models import CallScopes
from engine.store.records import EventRecord, IncidentRecord, InstanceRecord, JobRecord, TaskRow

STATE_NAMES = {
    1: "MAYBE",
    2: "LIKELY",
    4: "FUTURE",
    8: "WAITING",
    16: "READY",
    32: "STARTED",
    64: "COMPLETED",
    128: "ERROR",
    256: "CANCELLED",
}
ACTIVE_STATES = {8, 16, 32}


@dataclass
class ActivityView:
    element_id: str
    task_id: str
    state: str
    started_at: float | None = None
    ended_at: float | None = None
    definition_id: str | None = None
    """The definition whose model holds the element: the instance's, or that of a child a call activity runs."""


@dataclass
class InstanceView:
    instance: dict[str, Any]
    activities: list[ActivityView]
    variables: dict[str, Any]
    jobs: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    history: list[dict[str, Any]]
    element_counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return data


def build_instance_view(
    instance: InstanceRecord,
    rows: list[TaskRow],
    jobs: list[JobRecord],
    incidents: list[IncidentRecord],
    events: list[EventRecord],
    timers: list[dict[str, Any]],
    variables: dict[str, Any],
) -> InstanceView:
    started: dict[str, float] = {}
    ended: dict[str, float] = {}
    interrupted: set[str] = set()
    for event in events:
        if event.task_id is None:
            continue
        if event.type == "ActivityActivated":
            started.setdefault(event.task_id, event.at)
        elif event.type in ("ActivityCompleted", "ActivityCancelled", "ActivityFailed"):
            ended[event.task_id] = event.at
            if event.type == "ActivityCancelled":
                interrupted.add(event.task_id)
    activities = []
    counts: dict[str, dict[str, int]] = {}
    scopes = CallScopes.of(instance.definition_id, instance.frame)
    for row in sorted(rows, key=lambda r: (r.last_state_change, r.depth)):
        if row.element_id is None or row.state in (1, 2, 4):
            continue
        if row.state == 256 and row.id not in started:
            continue  # predicted, never reached, then dropped: not something that ran
        code = row.state
        if code == 64 and row.id in interrupted:
            code = 256  # finished inside, but its interrupting boundary event took over: cancelled
        state = STATE_NAMES.get(code, str(code))
        definition_id = scopes.definition_of(row.workflow_id)
        activities.append(
            ActivityView(row.element_id, row.id, state, started.get(row.id), ended.get(row.id), definition_id)
        )
        if row.kind == "multi" or not scopes.is_own(row.workflow_id):
            continue  # a multi-instance body (its inner instances count) or a called child's element
        bucket = counts.setdefault(row.element_id, {"active": 0, "completed": 0, "incidents": 0, "cancelled": 0})
        if code in ACTIVE_STATES:
            bucket["active"] += 1
        elif code == 64:
            bucket["completed"] += 1
        elif code == 256:
            bucket["cancelled"] += 1
    on_diagram = scopes.diagram_elements(rows)  # a child's incident shows on its call activity
    for incident in incidents:
        element_id = on_diagram.get(incident.task_id or "", incident.element_id)
        if incident.state == "open" and element_id:
            counts.setdefault(element_id, {"active": 0, "completed": 0, "incidents": 0, "cancelled": 0})
            counts[element_id]["incidents"] += 1
    return InstanceView(
        instance=asdict(instance) | {"frame": None},
        activities=activities,
        variables=variables,
        jobs=[asdict(j) for j in jobs],
        timers=timers,
        incidents=[asdict(i) for i in incidents],
        history=[asdict(e) for e in events],
        element_counts=counts,
    )
