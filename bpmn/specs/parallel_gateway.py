"""The parallel gateway, with SpiffWorkflow's token semantics at a cost per arrival that does not grow with width.

SpiffWorkflow's ``ParallelGateway`` decides on every arriving branch by walking
the whole task tree for the join's tasks and walking each one's ancestors, and
then scans every task of the workflow for the join's other waiting task: a
thousand-way join costs millions of steps. This spec reads the same facts from
an index of the workflow's tasks by spec name (kept as tasks are added and
removed) and from the arriving task's ancestor and descendant sets, so an
arrival costs the join's own tasks, each looked at once.

The decision is the same: an input flow counts as arrived when a task of the
join whose parent came from that input has a completed parent; tasks below the
arriving one (a loop's first pass) count through their ancestors, and tasks
above it (earlier passes of a loop) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import ParallelGateway as SpiffParallelGateway
from SpiffWorkflow.util.task import TaskState


class TaskIndex(dict[UUID, Any]):
    """A workflow's ``tasks`` dict that also knows its tasks by spec name.

    SpiffWorkflow adds a task with ``tasks[id] = task`` and removes it with
    ``tasks.pop(id)``; those two keep the index.
    """

    def __init__(self, tasks: dict[UUID, Any]) -> None:
        super().__init__(tasks)
        self.by_spec: dict[str, dict[UUID, Any]] = {}
        for task in tasks.values():
            self.by_spec.setdefault(task.task_spec.name, {})[task.id] = task

    def __setitem__(self, key: UUID, task: Any) -> None:
        old = self.get(key)
        if old is not None:
            self.by_spec.get(old.task_spec.name, {}).pop(key, None)
        super().__setitem__(key, task)
        self.by_spec.setdefault(task.task_spec.name, {})[key] = task

    def __delitem__(self, key: UUID) -> None:
        self.pop(key)

    def pop(self, key: UUID, *default: Any) -> Any:
        task = super().pop(key, *default)
        if task is not None and not (default and task is default[0]):
            self.by_spec.get(task.task_spec.name, {}).pop(key, None)
        return task


def indexed_tasks(workflow: Any) -> TaskIndex:
    """The workflow's tasks, indexed by spec name (the index is installed on first use)."""
    tasks = workflow.tasks
    if not isinstance(tasks, TaskIndex):
        tasks = TaskIndex(tasks)
        workflow.tasks = tasks
    return tasks


def _ancestor_ids(task: Any) -> set[UUID]:
    found: set[UUID] = set()
    current = task.parent
    while current is not None:
        found.add(current.id)
        current = current.parent
    return found


def _descendant_ids(task: Any) -> set[UUID]:
    found: set[UUID] = set()
    stack = list(task._children)
    while stack:
        task_id = stack.pop()
        if task_id in found:
            continue
        found.add(task_id)
        child = task.workflow.tasks.get(task_id)
        if child is not None:
            stack.extend(child._children)
    return found


class IndexedParallelGateway(SpiffParallelGateway):
    """A ``bpmn:parallelGateway`` whose join looks only at its own tasks."""

    def _nested_may_hold_me(self, workflow: Any) -> bool:
        """Could a subprocess below this workflow hold tasks of a spec with this name?

        SpiffWorkflow's walk descends into subprocesses; they have their own specs, which
        rarely reuse an element id. When one does, the original walk decides.
        """
        specs: Iterable[Any] = getattr(workflow.top_workflow, "subprocess_specs", {}).values()
        return any(spec is not workflow.spec and self.name in spec.task_specs for spec in specs)

    def _join_tasks(self, workflow: Any) -> list[Any]:
        return list(indexed_tasks(workflow).by_spec.get(self.name, {}).values())

    def _check_threshold_unstructured(self, my_task: Any) -> bool:
        workflow = my_task.workflow
        if self._nested_may_hold_me(workflow):
            return bool(super()._check_threshold_unstructured(my_task))
        waiting_inputs = set(self.inputs)
        above = _ancestor_ids(my_task)
        below = _descendant_ids(my_task)
        for task in self._join_tasks(workflow):
            if not waiting_inputs:
                break
            if task.id in below:
                # A loop's first pass: the branch below the arriving task counts through its ancestors.
                current = task
                while current is not None:
                    if current.task_spec in waiting_inputs:
                        waiting_inputs.remove(current.task_spec)
                        break
                    current = current.parent
            elif task.id in above:
                continue  # an earlier pass of a loop
            else:
                parent = task.parent
                if parent is not None and parent.state == TaskState.COMPLETED and parent.task_spec in waiting_inputs:
                    waiting_inputs.remove(parent.task_spec)
        return len(waiting_inputs) == 0

    def _update_hook(self, my_task: Any) -> Any:
        may_fire = self._check_threshold_unstructured(my_task)
        others = [
            t
            for t in self._join_tasks(my_task.workflow)
            if t.task_spec == self and t is not my_task and t.state is TaskState.WAITING
        ]
        for task in others:
            # As SpiffWorkflow does: only the latest arrival waits, so waiting ones are not updated again and again.
            task.cancel()
        if not may_fire:
            my_task._set_state(TaskState.WAITING)
        else:
            my_task._inherit_data()
        return may_fire
