"""SpiffWorkflow's task queries answered from the task index, in the order its tree walk gives.

``Workflow.get_tasks(state=...)`` walks the whole tree (and every subprocess's
tree) to return the few tasks in a state. ``find_tasks`` takes the candidates from
the index, keeps those the walk would reach, and sorts them in the walk's order
(depth first, siblings in their parent's order, a subprocess's tasks right after
the task that owns it and before that task's children). Queries the index cannot
answer exactly return None, and the caller walks as SpiffWorkflow does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter
from SpiffWorkflow.util.task import TaskState

from bpmn.specs.task_index import TaskIndex

FILTER_ARGUMENTS = frozenset({"state", "spec_name", "spec_class", "manual", "updated_ts", "catches_event", "lane"})
"""The keyword arguments of ``get_tasks`` that only filter, so the index's candidates can be filtered with them."""

Key = tuple[int, ...]


def find_tasks(workflow: Any, first_task: Any, kwargs: dict[str, Any]) -> list[Any] | None:
    """``workflow.get_tasks(first_task, **kwargs)`` from the index, or None when it cannot answer."""
    if set(kwargs) - FILTER_ARGUMENTS - {"skip_subprocesses"}:
        return None
    mask = kwargs.get("state", TaskState.ANY_MASK)
    if mask & TaskState.PREDICTED_MASK:
        stops_at = 0  # the walk for predicted tasks descends below every task
    elif mask & TaskState.DEFINITE_MASK:
        stops_at = TaskState.PREDICTED_MASK  # it does not descend below a predicted task
    else:
        return None  # a walk for finished tasks only stops below every unfinished one: rare, walk it
    workflows = _workflows_below(workflow, skip_subprocesses=bool(kwargs.get("skip_subprocesses")))
    if workflows is None:
        return None
    if first_task is workflow.task_tree:
        first_task = None
    # The index's candidates are in ``mask`` already: a query by state alone (the engine's loop asks
    # for READY tasks after every task) needs no filter.
    only_state = all(k in ("state", "skip_subprocesses") for k in kwargs)
    task_filter = (
        None if only_state else BpmnTaskFilter(**{k: v for k, v in kwargs.items() if k != "skip_subprocesses"})
    )
    spec_name = kwargs.get("spec_name")
    owns: Callable[[Any], bool] = workflow.top_workflow.subprocesses.__contains__
    found: list[Any] = []
    for sub in workflows:
        index: TaskIndex = sub.tasks
        ids = index.ids_in(mask)
        if spec_name is not None:
            ids &= index.by_spec.get(spec_name, {}).keys()
        for task_id in ids:
            task = index[task_id]
            if task_filter is not None and not task_filter.matches(task):
                continue
            if first_task is not None:
                if _below(task, first_task, workflow, stops_at, owns):
                    found.append(task)
            elif not stops_at or _reached(task, sub, workflow, owns):
                found.append(task)
    if len(found) > 1:
        owners: dict[Any, Key] = {}
        found.sort(key=lambda t: _tree_key(t, workflow, owners))
    return found


def _below(task: Any, first: Any, top: Any, stops_at: int, owns: Callable[[Any], bool]) -> bool:
    """Does the walk from ``first`` reach ``task``? Climbs from ``task``, through subprocess owners, to ``first``."""
    current = task
    while current is not first:
        parent = current.parent
        if parent is None:
            workflow = current.workflow
            if workflow is top or not hasattr(workflow, "parent_steadyflow_workflow"):
                return False
            owner = workflow.parent_steadyflow_workflow.tasks.get(workflow.parent_task_id)
            if owner is None:
                return False
            current = owner  # entered from its owner whatever the owner's state
            continue
        if parent._state & stops_at and not owns(parent.id):
            return False
        current = parent
    return True


def _workflows_below(workflow: Any, *, skip_subprocesses: bool) -> list[Any] | None:
    """``workflow`` and every subprocess its walk descends into; None if one is not indexed."""
    if not _indexed(workflow):
        return None
    found = [workflow]
    if skip_subprocesses:
        return found
    for sub in workflow.top_workflow.subprocesses.values():
        if sub is workflow:
            continue
        current = sub
        while current is not None and current is not workflow:
            current = getattr(current, "parent_steadyflow_workflow", None)
        if current is workflow:
            if not _indexed(sub):
                return None
            found.append(sub)
        elif not hasattr(sub, "parent_steadyflow_workflow"):
            return None  # a subprocess of a class we do not know: where it hangs is not recorded
    return found


def _indexed(workflow: Any) -> bool:
    tasks = workflow.tasks
    return isinstance(tasks, TaskIndex) and tasks.tracks_states


def _reached(task: Any, sub: Any, top: Any, owns: Callable[[Any], bool]) -> bool:
    """Does the walk from ``top``'s root reach ``task`` of workflow ``sub``?"""
    while True:
        if not sub.tasks.reachable_from_root(task, owns):
            return False
        if sub is top:
            return True
        parent = sub.parent_steadyflow_workflow
        owner = parent.tasks.get(sub.parent_task_id)
        if owner is None:
            return False
        # The walk enters a subprocess from its owning task, whatever that task's state.
        task, sub = owner, parent


def _tree_key(task: Any, top: Any, owners: dict[Any, Key]) -> Key:
    """Positions from ``top``'s root down to ``task``: sorting by them gives the walk's order.

    Only the candidates' own paths are built (not one key per node on them), so a
    long chain costs its depth once per candidate, not its depth squared.
    """
    positions: list[int] = []
    current = task
    prefix: Key = ()
    while True:
        positions.append(current.workflow.tasks.position(current.id))
        parent = current.parent
        if parent is not None:
            current = parent
            continue
        workflow = current.workflow
        if workflow is not top and hasattr(workflow, "parent_steadyflow_workflow"):
            owner = workflow.parent_steadyflow_workflow.tasks.get(workflow.parent_task_id)
            if owner is not None:
                if owner.id not in owners:
                    owners[owner.id] = _tree_key(owner, top, owners)
                # A subprocess's tree comes before its owner's children (positions are >= 0).
                prefix = owners[owner.id] + (-1,)
        break
    positions.reverse()
    return prefix + tuple(positions)
