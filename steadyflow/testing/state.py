"""What a process test sees of one instance: a snapshot read from the engine's rows and history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.engine import Engine

ACTIVE = ("WAITING", "READY", "STARTED")
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
    open_user_tasks: list[dict[str, Any]] = field(default_factory=list)
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
    view = engine.view(instance_id)
    completed: list[str] = []
    activated: list[str] = []
    terminated: list[str] = []
    for event in view.history:
        element = event.get("element_id")
        if not element:
            continue
        if event["type"] == "ActivityCompleted":
            completed.append(element)
        elif event["type"] == "ActivityActivated":
            activated.append(element)
        elif event["type"] == "ActivityCancelled":
            terminated.append(element)
    active = [a.element_id for a in view.activities if a.state in ACTIVE]
    return InstanceSnapshot(
        instance_id=instance_id,
        process_id=str(view.instance["definition_key"]),
        state=str(view.instance["state"]),
        active=active,
        completed=completed,
        activated=activated,
        terminated=terminated,
        variables=dict(view.variables),
        incidents=list(view.incidents),
        open_user_tasks=engine.user_tasks(instance_id),
        history=list(view.history),
    )
