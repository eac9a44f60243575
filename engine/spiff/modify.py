"""Token surgery on a live workflow: cancel an activity instance, start a token before an element.

This is where instance modification (``engine.modification``) meets SpiffWorkflow. A new token is
a new task of the element's entry spec (its boundary-event split when it has boundary events),
added under the scope's start task and updated by its own spec, so a join, a catching event or a
multi-instance body behaves as if a sequence flow had brought the token there. Everything here
runs inside one step, under the instance lock; callers check their input first, so a refusal
leaves the workflow as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from bpmn.specs import MultiInstanceActivity
from bpmn.specs.io_scope import outer_variables

ACTIVE_MASK = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


@dataclass(frozen=True)
class Token:
    """An active activity instance, as an operator sees it."""

    task_id: str
    element_id: str
    state: str
    scope: str
    """'' for the process, else the task id of the subprocess it runs in."""


def _scope_of(task: Any) -> str:
    parent_id = getattr(task.workflow, "parent_task_id", None)
    return str(parent_id) if parent_id is not None else ""


def _workflows(workflow: Any) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def tokens(workflow: Any) -> list[Token]:
    """Every active activity instance with a BPMN id (inner instances and their bodies included)."""
    found = []
    for scope in _workflows(workflow):
        for task in scope.get_tasks(state=ACTIVE_MASK):
            element = getattr(task.task_spec, "bpmn_id", None)
            if element is not None and task.workflow is scope:
                found.append(Token(str(task.id), element, TaskState.get_name(task.state), _scope_of(task)))
    return found


def task_of(workflow: Any, task_id: str) -> Any | None:
    try:
        key = UUID(task_id)
    except ValueError:
        return None
    for scope in _workflows(workflow):
        task = scope.tasks.get(key)
        if task is not None:
            return task
    return None


def is_active(task: Any) -> bool:
    return bool(task.has_state(ACTIVE_MASK))


def scope_specs(workflow: Any, element_id: str) -> list[tuple[Any, Any]]:
    """(running scope workflow, entry spec) for each active scope whose model holds ``element_id``."""
    found = []
    for scope in _workflows(workflow):
        spec = entry_spec(scope.spec, element_id)
        if spec is not None and (scope is workflow or not scope.is_completed()):
            found.append((scope, spec))
    return found


def defined_anywhere(workflow: Any, element_id: str) -> str | None:
    """The name of the (sub)process model that defines ``element_id``, active or not."""
    if element_id in workflow.spec.task_specs:
        return str(workflow.spec.name)
    for name, spec in workflow.subprocess_specs.items():
        if element_id in spec.task_specs:
            return str(name)
    return None


def entry_spec(process_spec: Any, element_id: str) -> Any | None:
    """The spec a token arriving at ``element_id`` enters: its boundary-event split, else itself."""
    split = process_spec.task_specs.get(f"{element_id}.BoundaryEventSplit")
    if split is not None:
        return split
    spec = process_spec.task_specs.get(element_id)
    if spec is None or getattr(spec, "bpmn_id", None) != element_id:
        return None
    return spec


def following_specs(process_spec: Any, element_id: str) -> list[Any]:
    """The specs the outgoing sequence flows of ``element_id`` lead to."""
    spec = process_spec.task_specs.get(element_id)
    if spec is None:
        return []
    return [out for out in spec.outputs if not isinstance(out, BoundaryEventJoin)]


def cancel(task: Any) -> list[Any]:
    """Cancel an activity instance (with its boundary events); returns the active tasks it removed."""
    target = task
    parent = task.parent
    if (
        parent is not None
        and isinstance(parent.task_spec, BoundaryEventSplit)
        and not isinstance(task.task_spec, BoundaryEvent)
    ):
        target = parent  # the activity and the boundary events waiting on it go together
    active = [t for t in target if is_active(t) and getattr(t.task_spec, "bpmn_id", None) is not None]
    if target is parent:
        for child in list(parent.children):
            if not child.has_state(TaskState.FINISHED_MASK):
                child.cancel()
    else:
        target.cancel()
    _forget_waits(task.workflow.top_workflow, active)
    return active


def _forget_waits(workflow: Any, tasks: list[Any]) -> None:
    """Cancelled catching events no longer wait for their message, signal or timer."""
    waiting = workflow.event_manager.tasks
    for task in tasks:
        waiting.pop(task.id, None)


def start_before(scope: Any, spec: Any, data: dict[str, Any]) -> Any:
    """A new token entering ``spec`` in ``scope`` with ``data`` as its variables."""
    start = scope.task_tree
    for child in start.children:
        if child.task_spec.name == "Start":
            start = child
            break
    task = start._add_child(spec, TaskState.FUTURE)
    task.data = dict(data)
    # As SpiffWorkflow's reset_branch does: the path after the element is predicted before the token
    # enters it; a task added without it completes into nothing and the token ends there.
    task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    task.task_spec._update(task)
    task.data.update(data)  # the update inherited the start task's data; the given values win
    return task


def scope_data(scope: Any) -> dict[str, Any]:
    """The variables a new token in ``scope`` starts with: what its active tokens see, else the latest."""
    active = [
        t
        for t in scope.get_tasks(state=ACTIVE_MASK)
        if t.workflow is scope and not isinstance(getattr(t.parent, "task_spec", None), MultiInstanceActivity)
    ]
    if active:
        merged: dict[str, Any] = {}
        for task in active:
            for key, value in outer_variables(task).items():  # a mapped task's inputs stay in its scope
                merged.setdefault(key, value)
        return merged
    finished = [t for t in scope.get_tasks(state=TaskState.COMPLETED) if t.workflow is scope]
    latest = max(finished, key=lambda t: t.last_state_change, default=None)
    return {**scope.data, **(latest.data if latest is not None else {})}


def has_active_tokens(workflow: Any) -> bool:
    return any(
        getattr(t.task_spec, "bpmn_id", None) is not None
        for scope in _workflows(workflow)
        for t in scope.get_tasks(state=ACTIVE_MASK)
    )
