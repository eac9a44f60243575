"""The inclusive gateway, with SpiffWorkflow's token semantics at a cost per arrival that does not grow with width.

SpiffWorkflow's ``InclusiveGateway`` decides on every arriving branch by walking
the whole task tree (``get_tasks(end_at_spec=...)``) for the join's tasks and the
ready or waiting tasks that might still reach it, then looking for the join's
other waiting task among every task: a thousand-way inclusive join costs a
thousand walks of the tree.

Its decision has two parts. A join task whose parent is still definite (future,
waiting, ready, started) while no task of that parent's spec has completed into
the join means a branch is still on its way: wait. Only when no such task exists
does it ask the model whether a ready or waiting task could still reach an input
that has no token. The first part is the answer on every arrival but the last, and
``IndexedInclusiveGateway`` answers it from the task index per input, searching
from the input found still on its way last time (each answer is checked afresh,
so a cancel or reset cannot make it wrong); when no input is on its way it asks
SpiffWorkflow's own check, which then walks once.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway as SpiffInclusiveGateway
from SpiffWorkflow.util.task import TaskState

from bpmn.specs.parallel_gateway import IndexedJoinWaiting
from bpmn.specs.task_index import TaskIndex, indexed_tasks

_CURSOR_PREFIX = "inclusive:"


class IndexedInclusiveGateway(IndexedJoinWaiting, SpiffInclusiveGateway):
    """A ``bpmn:inclusiveGateway`` whose join finds a branch still on its way from its own inputs' tasks."""

    def _check_threshold_unstructured(self, my_task: Any) -> bool:
        workflow = my_task.workflow
        if not self._nested_may_hold_me(workflow) and self._input_on_its_way(indexed_tasks(workflow)):
            return False
        return bool(super()._check_threshold_unstructured(my_task))

    def _input_on_its_way(self, index: TaskIndex) -> bool:
        """Is there a join task whose parent is definite, of an input no task has completed into the join from?

        A True is exact (SpiffWorkflow's check would wait for that very task); a False only
        means no input has one, and SpiffWorkflow's full check decides.
        """
        inputs = self._inputs  # names: SpiffWorkflow's ``inputs`` builds a list of every input spec per read
        count = len(inputs)
        if count == 0:
            return False
        key = _CURSOR_PREFIX + self.name
        start = index.join_cursor.get(key, 0) % count
        for offset in range(count):
            position = (start + offset) % count
            if self._on_its_way(index, inputs[position]):
                index.join_cursor[key] = position
                return True
        return False

    def _on_its_way(self, index: TaskIndex, name: str) -> bool:
        """A task of input ``name`` is definite with a join task below it, and none of it completed into the join."""
        spec = self._wf_spec.task_specs.get(name)
        if spec is None:
            return False
        definite = False
        for parent in index.by_spec.get(name, {}).values():
            if parent.task_spec is not spec:
                continue
            state = parent._state
            if not state & (TaskState.COMPLETED | TaskState.DEFINITE_MASK):
                continue
            for child_id in parent._children:
                child = index.get(child_id)
                if child is None or child.task_spec is not self or not self._walk_reaches(index, child):
                    continue
                if state == TaskState.COMPLETED:
                    return False  # the spec is a completed input: no task of it keeps the join waiting
                definite = True
        return definite

    def _walk_reaches(self, index: TaskIndex, task: Any) -> bool:
        """Does SpiffWorkflow's walk (which does not descend below a task of this join) reach ``task``?"""
        current = dict.get(index, task._parent) if task._parent is not None else None
        while current is not None:
            if current.task_spec.name == self.name:
                return False
            current = dict.get(index, current._parent) if current._parent is not None else None
        return True
