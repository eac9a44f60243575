"""What a process test sees of one instance: a snapshot read from the engine's rows and history."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.engine import Engine
from steadyflow.errors import NotFoundError

ACTIVE_CODES = (8, 16, 32)
"""SpiffWorkflow's WAITING, READY and STARTED: where an instance waits."""
STATE_WORDS = {"running": "active", "incident": "active (with an incident)", "completed": "completed"}


@dataclass
class InstanceSnapshot:
    """One instance at one moment: its state, elements by state, variables, incidents and history."""

    instance_id: str
    process_id: str
    state: str
    active: list[str]
    completed: list[str]
    """Element ids in the order they completed (an element that ran twice appears twice)."""
    activated: list[str]
    terminated: list[str]
    variables: dict[str, Any]
    incidents: list[dict[str, Any]]
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open_incidents(self) -> list[dict[str, Any]]:
        return [i for i in self.incidents if i["state"] == "open"]

    def describe_state(self) -> str:
        return STATE_WORDS.get(self.state, self.state)

    def where(self) -> str:
        """Where the instance is, in words, for failure messages."""
        if self.active:
            return "it is waiting at " + ", ".join(dict.fromkeys(self.active))
        return f"it is {self.describe_state()} and waits nowhere"


def snapshot(engine: Engine, instance_id: str) -> InstanceSnapshot:
    """Read the rows an assertion needs (not the UI's whole view: no jobs, timers or job variables)."""
    with engine.db.read() as conn:
        instance = engine.store.instance(conn, instance_id)
        if instance is None:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        rows = engine.store.task_rows(conn, instance_id)
        events = engine.store.events(conn, instance_id)
        incidents = engine.store.incidents(conn, instance_id)
    completed: list[str] = []
    activated: list[str] = []
    terminated: list[str] = []
    history = []
    for event in events:
        history.append(
            {"type": event.type, "element_id": event.element_id, "task_id": event.task_id, "data": event.data}
        )
        if not event.element_id:
            continue
        if event.type == "ActivityCompleted":
            completed.append(event.element_id)
        elif event.type == "ActivityActivated":
            activated.append(event.element_id)
        elif event.type == "ActivityCancelled":
            terminated.append(event.element_id)
    ordered = sorted(rows, key=lambda r: (r.last_state_change, r.depth))
    active = [str(r.element_id) for r in ordered if r.element_id is not None and r.state in ACTIVE_CODES]
    return InstanceSnapshot(
        instance_id=instance_id,
        process_id=instance.definition_key,
        state=instance.state,
        active=active,
        completed=completed,
        activated=activated,
        terminated=terminated,
        variables=engine.variables(instance_id),
        incidents=[asdict(i) for i in incidents],
        history=history,
    )
