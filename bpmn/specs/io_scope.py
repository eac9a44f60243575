"""The local scope an element's input/output mappings make, on the specs that run in the step.

Job tasks map through their job (``engine.spiff.runtime``), call activities through their
call (``bpmn.call_activity``); every other mapped element gets its scope here, with the same
functions (``bpmn.io_mappings``).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
    StartEvent,
    SubWorkflowTask,
    UserTask,
)

from bpmn.io_mappings import ElementIo, evaluate_inputs, leave_scope, python_value_of

ENTRY = "io_entry"
"""internal_data key: the parent's variables when the element was entered (what outputs are merged into)."""


class IoScoped:
    """Mixin (before the SpiffWorkflow spec class): inputs on entry, outputs when the element's work is done.

    ``produces_result``: what the element adds (a script's result, a message's payload, a form's
    values) is its result, local under Camunda 8 outputs. ``enter_when_ready``: the element waits
    while READY (a user task), so its inputs must exist while it waits.
    """

    io: ElementIo | None = None
    produces_result = True
    enter_when_ready = False

    def _on_ready_hook(self, my_task: Any) -> None:
        if self.io is not None and self.enter_when_ready:
            enter_scope(self.io, my_task)
        super()._on_ready_hook(my_task)  # type: ignore[misc]

    def _run_hook(self, my_task: Any) -> Any:
        if self.io is None:
            return self._run_element(my_task)
        if ENTRY not in my_task.internal_data:
            enter_scope(self.io, my_task)
        result = self._run_element(my_task)
        if result:
            before = my_task.internal_data.pop(ENTRY)
            result_is_local = self.produces_result and self.io.dialect == "camunda8"
            my_task.data = leave_scope(
                self.io, before, my_task.data, python_value_of(my_task), result_is_local=result_is_local
            )
        return result

    def _run_element(self, my_task: Any) -> Any:
        """The element's own work, inside its scope (our specs override this, not ``_run_hook``)."""
        return super()._run_hook(my_task)  # type: ignore[misc]


def enter_scope(io: ElementIo, task: Any) -> None:
    """Remember the parent's variables, then add the inputs' local variables to the task's."""
    before = dict(task.data)
    local = evaluate_inputs(io, before, python_value_of(task))
    task.internal_data[ENTRY] = before
    task.data = {**before, **local}


def set_outer_variables(task: Any, variables: dict[str, Any]) -> None:
    """Set variables of the scope around the task (an operator's edit of the process scope).

    A task inside its own mapped scope (entered, not yet left) remembers the parent's variables
    its outputs merge into: the edit goes there too, or completing the task would undo it. A
    variable its inputs made local keeps its local value in the task, as in Camunda, and gets
    the edited one back when the task completes.
    """
    entry = task.internal_data.get(ENTRY)
    io = getattr(task.task_spec, "io", None)
    if entry is None or not isinstance(io, ElementIo):
        task.data = {**task.data, **variables}
        return
    task.internal_data[ENTRY] = {**entry, **variables}
    task.data = {**task.data, **{k: v for k, v in variables.items() if k not in io.local_names}}


def outer_variables(task: Any) -> dict[str, Any]:
    """The variables of the scope around the task: what it saw on entry while it is inside its mapped scope."""
    entry = task.internal_data.get(ENTRY)
    return dict(entry) if isinstance(entry, dict) else dict(task.data)


class MappedUserTask(IoScoped, UserTask):
    enter_when_ready = True


class MappedReceiveTask(IoScoped, ReceiveTask):
    pass


class MappedCatchEvent(IoScoped, IntermediateCatchEvent):
    pass


class MappedBoundaryEvent(IoScoped, BoundaryEvent):
    pass


class MappedStartEvent(IoScoped, StartEvent):
    # Start variables are set on the process scope, not the start event's: outputs add to them.
    produces_result = False


class MappedThrowEvent(IoScoped, IntermediateThrowEvent):
    produces_result = False


class MappedEndEvent(IoScoped, EndEvent):
    produces_result = False


class MappedSubProcess(SubWorkflowTask):
    """An embedded subprocess: its scope is its own workflow, entered with the inputs, left through the outputs.

    What its elements set propagates to the parent (as in both Camundas), except the inputs' local variables.
    """

    io: ElementIo | None = None

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        if self.io is None:
            super().copy_data(my_task, subworkflow)
            return
        local = evaluate_inputs(self.io, my_task.data, python_value_of(my_task))
        super().copy_data(_Scoped({**my_task.data, **local}), subworkflow)

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        if self.io is None:
            super().update_data(my_task, subworkflow)
            return
        local = deepcopy(subworkflow.last_task.data)
        my_task.data = leave_scope(self.io, my_task.data, local, python_value_of(my_task), result_is_local=False)


class _Scoped:
    """Stands in for the subprocess task where SpiffWorkflow only reads ``data``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


MAPPED_SPECS = (
    MappedBoundaryEvent,
    MappedCatchEvent,
    MappedEndEvent,
    MappedReceiveTask,
    MappedStartEvent,
    MappedSubProcess,
    MappedThrowEvent,
    MappedUserTask,
)
"""Every spec class that only adds input/output mappings to SpiffWorkflow's own."""
