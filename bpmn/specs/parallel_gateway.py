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
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway as SpiffInclusiveGateway
from SpiffWorkflow.bpmn.specs.defaults import ParallelGateway as SpiffParallelGateway
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from bpmn.specs.task_index import TaskIndex, indexed_tasks

# A join's task that has not fired: predicted, or waiting for its other branches.
_NOT_FIRED = TaskState.PREDICTED_MASK | TaskState.FUTURE | TaskState.WAITING


def _ancestor_ids(task: Any) -> set[UUID]:
    found: set[UUID] = set()
    current = task.parent
    while current is not None:
        found.add(current.id)
        current = current.parent
    return found


def _descendant_ids(task: Any, index: TaskIndex) -> set[UUID]:
    """Ids of every task below ``task``; ``index`` is its workflow's tasks."""
    found: set[UUID] = set()
    stack = list(task._children)
    get = index.get
    while stack:
        task_id = stack.pop()
        if task_id in found:
            continue
        found.add(task_id)
        child = get(task_id)
        if child is not None:
            stack.extend(child._children)
    return found


class IndexedJoinWaiting:
    """The waiting side of SpiffWorkflow's unstructured join, from the index instead of a scan of every task.

    SpiffWorkflow's ``UnstructuredJoin._update_hook`` looks through all the workflow's tasks for
    the join's other waiting task on every arrival; the index keeps the join's waiting tasks.
    """

    name: str

    if TYPE_CHECKING:

        def _check_threshold_unstructured(self, my_task: Any) -> bool: ...

    def _nested_may_hold_me(self, workflow: Any) -> bool:
        """Could a subprocess below this workflow hold tasks of a spec with this name?

        SpiffWorkflow's walk descends into subprocesses; they have their own specs, which
        rarely reuse an element id. When one does, the original walk decides.
        """
        specs: Iterable[Any] = getattr(workflow.top_workflow, "subprocess_specs", {}).values()
        return any(spec is not workflow.spec and self.name in spec.task_specs for spec in specs)

    def _may_be_waiting(self, index: TaskIndex) -> set[UUID]:
        """The join's tasks that may be waiting: those found so on first use, and each this hook set waiting.

        Only this hook puts a join's task in WAITING once a workflow is live (a restored
        workflow is a new one, with a new index), so the set holds every waiting one; each
        is still checked, as a cancel or reset may have moved it on.
        """
        waiting = index.waiting_joins.get(self.name)
        if waiting is None:
            tasks = index.by_spec.get(self.name, {}).values()
            waiting = {t.id for t in tasks if t._state == TaskState.WAITING}
            index.waiting_joins[self.name] = waiting
        return waiting

    def _update_hook(self, my_task: Any) -> Any:
        may_fire = self._check_threshold_unstructured(my_task)
        index = indexed_tasks(my_task.workflow)
        waiting = self._may_be_waiting(index)
        others = []
        for task_id in list(waiting):
            task = index.get(task_id)
            if task is None or task.task_spec is not self or task._state != TaskState.WAITING:
                waiting.discard(task_id)
            elif task is not my_task:
                others.append(task)
        for task in others:
            # As SpiffWorkflow does: only the latest arrival waits, so waiting ones are not updated again and again.
            task.cancel()
            waiting.discard(task.id)
        if not may_fire:
            my_task._set_state(TaskState.WAITING)
            waiting.add(my_task.id)
        else:
            my_task._inherit_data()
            self._predict_on_firing(my_task)
        return may_fire

    def _predict_on_firing(self, my_task: Any) -> None:
        """Predict the path after the join now that it fires, where the join deferred it (parallel only)."""


class IndexedParallelGateway(IndexedJoinWaiting, SpiffParallelGateway):
    """A ``bpmn:parallelGateway`` whose join looks only at its own tasks."""

    def _predict_hook(self, my_task: Any) -> None:
        """Predict past the join only once it fires.

        SpiffWorkflow predicts the path after a join below every one of the join's tasks, one
        per arriving branch, and cancels all but one of those copies when the join fires: a
        5,000-way fork built and dropped 15,000 tasks after its join. Until a join's task
        fires nothing runs below it, so its children are added when it does
        (``_predict_on_firing``). A gateway with one input (a fork), a task that fired already and a
        join whose predicted path someone reads (``_defers_prediction``) keep SpiffWorkflow's prediction.
        """
        if self._defers_prediction and my_task._state & _NOT_FIRED and not my_task.__dict__["_children"]:
            return
        super()._predict_hook(my_task)

    @cached_property
    def _defers_prediction(self) -> bool:
        """Is the path after this join read by nobody until the join fires?

        Two readers of a waiting join's predicted path exist. The join itself, when a flow
        after it leads back to it (a loop entry): on the first pass it counts the loop-back
        input as arrived through its own predicted tasks below the arriving one, as
        SpiffWorkflow does. And an inclusive join after it: a task of that join below a
        waiting one of this join is the branch still on its way, without which it fires early.
        When the join or an inclusive gateway can be reached from its outputs it predicts
        as SpiffWorkflow does; the model's flows do not change once parsed.
        """
        if len(self._inputs) < 2:
            return False
        specs = self._wf_spec.task_specs
        seen: set[str] = set()
        stack = list(self._outputs)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            spec = specs.get(name)
            if spec is None:
                continue
            if spec is self or isinstance(spec, SpiffInclusiveGateway):
                return False
            stack.extend(spec._outputs)
        return True

    def _predict_on_firing(self, my_task: Any) -> None:
        if not my_task.__dict__["_children"]:
            my_task._sync_children(self.outputs, TaskState.FUTURE)
            for child in my_task.children:
                child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)

    def _run_hook(self, my_task: Any) -> Any:
        """SpiffWorkflow's ``UnstructuredJoin._run_hook`` (merge the data of every other finished task of
        this join, in the order they finished) over the join's own tasks, not a scan of every task."""
        workflow = my_task.workflow
        if self._nested_may_hold_me(workflow):
            return super()._run_hook(my_task)
        index = indexed_tasks(workflow)
        above = _ancestor_ids(my_task)
        others = [
            task
            for task in index.by_spec.get(self.name, {}).values()
            if task is not my_task
            and task.task_spec is self
            and task._state & TaskState.FINISHED_MASK
            and task.id not in above
        ]
        for task in sorted(others, key=lambda t: t.last_state_change):
            DeepMerge.merge(my_task.data, task.parent.data)
            if task._state == TaskState.COMPLETED:  # a reset inside a parallel branch, as SpiffWorkflow says
                task._drop_children(force=True)
        my_task._inherit_data()
        return True

    def _check_threshold_unstructured(self, my_task: Any) -> bool:
        workflow = my_task.workflow
        if self._nested_may_hold_me(workflow):
            return bool(super()._check_threshold_unstructured(my_task))
        index = indexed_tasks(workflow)
        mine = index.by_spec.get(self.name, {})
        above = _ancestor_ids(my_task)
        below = _descendant_ids(my_task, index)
        # Iterate the small sets: isdisjoint would walk the join's tasks, as wide as the fan-out.
        if not any(task_id in mine for task_id in above) and not any(task_id in mine for task_id in below):
            return self._all_inputs_arrived(index)
        return self._check_with_loop(my_task, mine.values(), above, below)

    def _all_inputs_arrived(self, index: TaskIndex) -> bool:
        """No loop pass in play: every input has a join task whose parent of that input completed.

        The answer is exact on every call: a False names an input found missing now, a True
        checked every input now. Where the search starts is only remembered (the input missing
        last time) so that N arrivals cost O(N) in all, not O(N) each.
        """
        names = self._inputs
        count = len(names)
        if count == 0:
            return True
        start = index.join_cursor.get(self.name, 0) % count
        for offset in range(count):
            position = (start + offset) % count
            if not self._input_arrived(index, names[position]):
                index.join_cursor[self.name] = position
                return False
        return True

    def _input_arrived(self, index: TaskIndex, name: str) -> bool:
        spec = self._wf_spec.task_specs.get(name)
        if spec is None:
            return False  # SpiffWorkflow waits on a missing input forever, too
        for parent in index.by_spec.get(name, {}).values():
            if parent.task_spec != spec or parent._state != TaskState.COMPLETED:
                continue
            for child_id in parent._children:
                child = index.get(child_id)
                if child is not None and child.task_spec.name == self.name:
                    return True
        return False

    def _check_with_loop(self, my_task: Any, join_tasks: Iterable[Any], above: set[UUID], below: set[UUID]) -> bool:
        waiting_inputs = set(self.inputs)
        for task in list(join_tasks):
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
