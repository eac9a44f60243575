"""Conditional start events of event subprocesses: started when the enclosing scope's variables change.

Camunda 7's rules (docs: BPMN reference, conditional events), which Camunda 8.9 follows too:

- A scope (the process, or an embedded subprocess) that holds an event subprocess
  with a conditional start event evaluates the condition when it is first seen
  running ("triggering on scope instantiation"), and again whenever its variables
  change: at the end of every engine run the scope's variables are compared with
  what was seen last time, and the changes (create, update, delete of a name) are
  filtered by the event's ``variableName(s)`` and ``variableEvents``. A FEEL
  condition (Camunda 8) without names listens only to the variables it reads; a
  JUEL condition (Camunda 7) without a name, to any variable of the scope.
- Scopes are checked top-down (the process before its subprocesses).
- An interrupting start cancels everything else active in its scope, and the
  scope's conditional starts are over. A non-interrupting one starts a further
  instance of its event subprocess on every change that passes the filters while
  the condition holds, as Camunda 7 documents ("can be triggered more than once";
  the filters are what restricts it).

What a scope saw last is kept in its root task's internal data (a digest per
variable), so it survives a restart between a change and the next step. An
"update" is a value that differs: setting the same value again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from SpiffWorkflow.util.task import TaskState

from bpmn.conditional_events import condition_true
from bpmn.dialects.templates import canonical_expression, compile_canonical

STATE_KEY = "conditional_starts"
"""Internal data of a scope's root task: ``{"seen": {name: digest}, "interrupted": bool}``."""

_LIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


@dataclass(frozen=True)
class ConditionalStart:
    """A conditional start event of an event subprocess of some scope."""

    subprocess: str
    """The event subprocess's name in its scope's spec (its element id)."""
    element_id: str
    definition: ConditionalEventDefinition
    interrupting: bool

    def listens_to(self, changes: dict[str, str]) -> bool:
        """Do ``changes`` (name -> create/update/delete) pass this event's filters?"""
        names = getattr(self.definition, "variable_names", None)
        kinds = getattr(self.definition, "variable_events", None)
        expression = canonical_expression(self.definition.expression or "")
        if names is None and expression.startswith("="):
            names = compile_canonical(expression).variable_names()
        return any(
            (names is None or name in names) and (kinds is None or kind in kinds) for name, kind in changes.items()
        )


def conditional_starts(workflow: Any, scope: Any) -> list[ConditionalStart]:
    """The conditional starts of ``scope``'s event subprocesses (found once per spec)."""
    spec = scope.spec
    found: list[ConditionalStart] | None = getattr(spec, "_steadyflow_conditional_starts", None)
    if found is None:
        found = []
        for name in getattr(spec.start, "trigger_specs", ()):
            sub_spec = workflow.subprocess_specs.get(name)
            for start in getattr(sub_spec, "bpmn_start_events", ()):
                definition = start.event_definition
                if isinstance(definition, ConditionalEventDefinition):
                    interrupting = bool(getattr(start, "interrupting", True))
                    found.append(ConditionalStart(name, start.bpmn_id, definition, interrupting))
        spec._steadyflow_conditional_starts = found
    return found


def wire_conditional_subprocesses(spec: Any, sub_spec_of: Callable[[str], Any]) -> None:
    """At parse time: give each event subprocess with a conditional start its way in and out of ``spec``.

    SpiffWorkflow wires an event subprocess only when an event triggers it, and then also as an
    output of the scope's start, which would start it at once in every later instance of the
    (shared) spec. Wired here, once, it is only entered when :func:`_trigger` adds it.
    """
    for name in getattr(spec.start, "trigger_specs", ()):
        starts = getattr(sub_spec_of(name), "bpmn_start_events", ())
        if not any(isinstance(s.event_definition, ConditionalEventDefinition) for s in starts):
            continue
        task_spec = spec.task_specs[name]
        if spec.start not in task_spec.inputs:
            task_spec.inputs = [*task_spec.inputs, spec.start]  # a setter: the spec keeps names
        if spec.end not in task_spec.outputs:
            task_spec.connect(spec.end)


def start_conditional_subprocesses(workflow: Any) -> int:
    """Start the event subprocesses whose conditions a change made true; returns how many started."""
    started = 0
    # Top-down, and only the scopes that have conditional starts are ordered (a step of a wide
    # fan-out over subprocesses must not sort every subprocess when none has one).
    inner = [sub for sub in workflow.subprocesses.values() if conditional_starts(workflow, sub)]
    for scope in [workflow, *sorted(inner, key=lambda sub: sub.depth)]:
        starts = conditional_starts(workflow, scope)
        if starts and _running(workflow, scope):
            started += _check_scope(workflow, scope, starts)
    return started


def _running(workflow: Any, scope: Any) -> bool:
    if scope is workflow:
        return not workflow.is_completed()
    owner = workflow.get_task_from_id(scope.parent_task_id)
    return owner is not None and owner.state == TaskState.STARTED and not scope.completed


def scope_variables(scope: Any) -> dict[str, Any] | None:
    """What the scope's live tasks hold (its own event subprocesses aside); None when none is live."""
    merged: dict[str, Any] = {}
    live = False
    for task in scope.get_tasks(state=_LIVE):
        if task.workflow is not scope or isinstance(task.task_spec, EventSubprocess) or _inner_instance(task):
            continue
        live = True
        for key, value in task.data.items():
            merged.setdefault(key, value)
    return merged if live else None


def _inner_instance(task: Any) -> bool:
    parent = task.parent
    return parent is not None and getattr(parent.task_spec, "task_spec", None) == task.task_spec.name


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _changes(before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    changes = {name: "create" for name in after if name not in before}
    changes.update({name: "update" for name in after if name in before and before[name] != after[name]})
    changes.update({name: "delete" for name in before if name not in after})
    return changes


def _check_scope(workflow: Any, scope: Any, starts: list[ConditionalStart]) -> int:
    root = scope.task_tree
    state = root.internal_data.get(STATE_KEY)
    if isinstance(state, dict) and state.get("interrupted"):
        return 0
    variables = scope_variables(scope)
    if variables is None:
        return 0
    seen = {name: _digest(value) for name, value in variables.items()}
    first = not isinstance(state, dict)
    changes = {} if first else _changes(state.get("seen", {}), seen)
    if not first and not changes:
        return 0
    started = 0
    interrupted = False
    for start in starts:
        if not first and not start.listens_to(changes):
            continue
        if not condition_true(variables, start.definition.expression or "", start.element_id):
            continue
        owner = _trigger(scope, start.subprocess, variables)
        started += 1
        if start.interrupting:
            cancel_scope_except(scope, owner)
            interrupted = True
            break
    # A new dict each time: the checkpoint tells a changed row by its values' identities.
    root.internal_data = {**root.internal_data, STATE_KEY: {"seen": seen, "interrupted": interrupted}}
    return started


def _trigger(scope: Any, name: str, variables: dict[str, Any]) -> Any:
    """A new instance of event subprocess ``name`` in ``scope``, starting from the scope's variables now.

    Not SpiffWorkflow's ``trigger_wf``: see :func:`wire_conditional_subprocesses`.
    """
    spec = scope.spec.task_specs[name]
    root = scope.task_tree
    owner = root._add_child(spec, TaskState.FUTURE)
    owner.triggered = True
    owner.data = dict(variables)
    # Its update first merges the parent's data in: let the root hold the current values meanwhile.
    kept = root.data
    root.data = dict(variables)
    try:
        owner.task_spec._update(owner)
    finally:
        root.data = kept
    # It went STARTED before predicting its way out, and a scope completes only when its
    # ``End`` task does: predict the path to it (the scope's end join, then ``End``).
    task, depth = owner, 0
    while not task.children and task.task_spec.outputs and depth < 4:
        task._sync_children(task.task_spec.outputs, TaskState.FUTURE)
        task, depth = task.children[0], depth + 1
    return owner


def cancel_scope_except(scope: Any, keep: Any) -> None:
    """An interrupting event subprocess ends everything else that is active in its scope."""
    for task in scope.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING):
        if task is keep or task.workflow is not scope or getattr(task.task_spec, "bpmn_id", None) is None:
            continue
        if _descends_from(task, keep):
            continue
        task.cancel()


def _descends_from(task: Any, ancestor: Any) -> bool:
    current = task.parent
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


__all__ = [
    "ConditionalStart",
    "cancel_scope_except",
    "conditional_starts",
    "scope_variables",
    "start_conditional_subprocesses",
    "wire_conditional_subprocesses",
]
