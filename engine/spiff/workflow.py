"""Our SpiffWorkflow workflow classes: the same token semantics, task queries from an index.

Every workflow (the instance and each subprocess) keeps its tasks in a
``TaskIndex`` from the moment it is created, so SpiffWorkflow's whole-tree
walks, run after every task (READY tasks to run next, waiting tasks to update,
"is anything left"), become look-ups in the index. Queries the index cannot
answer exactly fall back to SpiffWorkflow's walk.

With ``STEADYFLOW_VERIFY_TASK_INDEX=1`` (the test suite sets it) every indexed
answer is compared with the walk's, and a difference raises.
"""

from __future__ import annotations

import logging
from typing import Any

from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskIterator, TaskState

from bpmn.specs.task_index import TaskIndex
from bpmn.specs.task_query import find_tasks
from engine.spiff.verification import verifying

_spiff_workflow_log = logging.getLogger("spiff.workflow")
_spiff_task_log = logging.getLogger("spiff.task")


class TaskIndexMismatchError(AssertionError):
    """The task index answered differently from SpiffWorkflow's walk: a bug in the index."""


def _verify(what: str, indexed: Any, walked: Any) -> None:
    if indexed != walked:
        raise TaskIndexMismatchError(f"task index disagrees with the tree walk for {what}: {indexed!r} != {walked!r}")


class _IndexedTasks:
    """The parts shared by the instance's workflow and its subprocesses."""

    completed: bool
    task_tree: Any

    @property
    def tasks(self) -> TaskIndex:
        return self.__dict__["_indexed_tasks"]  # type: ignore[no-any-return]

    @tasks.setter
    def tasks(self, value: dict[Any, Any]) -> None:
        self.__dict__["_indexed_tasks"] = value if isinstance(value, TaskIndex) else TaskIndex(value)

    def get_tasks(self, first_task: Any = None, **kwargs: Any) -> list[Any]:
        found = find_tasks(self, first_task, kwargs)
        if found is None:
            return super().get_tasks(first_task, **kwargs)  # type: ignore[misc, no-any-return]
        if verifying():
            walked = super().get_tasks(first_task, **kwargs)  # type: ignore[misc]
            _verify(f"get_tasks({kwargs})", [t.id for t in found], [t.id for t in walked])
        return found

    def is_completed(self) -> bool:
        if not self.completed:
            index = self.tasks
            if not index.tracks_states:
                return super().is_completed()  # type: ignore[misc, no-any-return]
            unfinished = index.any_in(TaskState.NOT_FINISHED_MASK)
            if verifying():
                walked = next(iter(TaskIterator(self.task_tree, state=TaskState.NOT_FINISHED_MASK)), None)
                _verify("is_completed", unfinished, walked is not None)
            if not unfinished:
                self.completed = True
        return bool(self.completed)

    def update_waiting_tasks(self) -> None:
        """Update the waiting tasks, found in the index instead of a tree walk.

        Each is re-checked before its update, as the lazy walk would skip a task an
        earlier update already moved on (a join cancels its older waiting arrivals).
        """
        tracked = self.tasks.waiting_tasks()
        if tracked is None:
            super().update_waiting_tasks()  # type: ignore[misc]
            return
        for task in tracked:
            if task._state == TaskState.WAITING:
                task.task_spec._update(task)

    def collect_log_extras(self, dct: dict[str, Any] | None = None) -> dict[str, Any]:
        # SpiffWorkflow lists every task for these extras even when nothing logs them.
        if not _spiff_workflow_log.isEnabledFor(logging.INFO):
            return dict(dct or {})
        return super().collect_log_extras(dct)  # type: ignore[misc, no-any-return]


class SteadyflowSubWorkflow(_IndexedTasks, BpmnSubWorkflow):
    """A subprocess (embedded, event or called) whose tasks are indexed; it knows the workflow holding its owner.

    ``spec_key`` is its spec's key in the instance's subprocess specs, which the frame records: a
    called process's key names the definition the call resolved to (``engine.called_processes``).
    """

    def __init__(
        self, spec: Any, parent_task_id: Any, top_workflow: Any, parent: Any, spec_key: str | None = None, **kwargs: Any
    ) -> None:
        self.parent_steadyflow_workflow = parent
        self.spec_key: str = spec_key if spec_key is not None else spec.name
        super().__init__(spec, parent_task_id, top_workflow, **kwargs)


class SteadyflowWorkflow(_IndexedTasks, BpmnWorkflow):
    """SpiffWorkflow's BPMN workflow with indexed tasks (see the module docstring).

    Its ``subprocess_specs`` are its own: a call adds the specs of the definition it resolved to.
    ``definition_id`` is the definition the instance runs (a ``deployment`` binding looks in its deployment).
    """

    def __init__(
        self, spec: Any, subprocess_specs: Any = None, *, definition_id: str | None = None, **kwargs: Any
    ) -> None:
        self.definition_id = definition_id
        super().__init__(spec, dict(subprocess_specs or {}), **kwargs)

    def create_subprocess(self, my_task: Any, spec_name: str) -> Any:
        subprocess = SteadyflowSubWorkflow(
            self.subprocess_specs[spec_name], my_task.id, self, my_task.workflow, spec_key=spec_name
        )
        self.subprocesses[my_task.id] = subprocess
        return subprocess

    def delete_subprocess(self, my_task: Any) -> Any:
        removed = super().delete_subprocess(my_task)
        # Its owner no longer opens the walk below a predicted state.
        self.tasks.forget_paths()
        for sub in self.subprocesses.values():
            sub.tasks.forget_paths()
        return removed
