"""A workflow's tasks indexed by spec name and by state, kept as SpiffWorkflow changes them.

SpiffWorkflow answers "which tasks are READY" (after every task it runs), "is
anything unfinished" and a join's "which of my tasks exist" by walking the whole
task tree, so a fan-out of N branches costs N walks of N tasks. The index files
every task as it is added (``tasks[id] = task``) and removed (``tasks.pop(id)``)
and sees every state write (``_TrackedTask._state``), so those questions cost the
tasks that answer them. The tree order SpiffWorkflow's walks return (depth first,
a subprocess's tasks right after its owning task) is rebuilt from filing order:
SpiffWorkflow appends a child to its parent's list when it files it, so siblings
are filed in the order of their parent's list.
"""

from __future__ import annotations

import logging
import os
import time
from copy import copy
from typing import Any
from uuid import UUID, SafeUUID

from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

STATES = (
    TaskState.MAYBE,
    TaskState.LIKELY,
    TaskState.FUTURE,
    TaskState.WAITING,
    TaskState.READY,
    TaskState.STARTED,
    TaskState.COMPLETED,
    TaskState.ERROR,
    TaskState.CANCELLED,
)
PREDICTED = TaskState.MAYBE | TaskState.LIKELY
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (4 << 76) | (0x8000 << 48)


def new_task_id() -> UUID:
    """What ``uuid.uuid4()`` returns (random, version 4, RFC 4122 variant), without ``UUID.__init__``'s
    argument checks: a fan-out's prediction makes tens of thousands of task ids."""
    uid = object.__new__(UUID)
    object.__setattr__(uid, "int", (int.from_bytes(os.urandom(16), "big") & _UUID4_CLEAR) | _UUID4_SET)
    object.__setattr__(uid, "is_safe", SafeUUID.unknown)
    return uid


_spiff_task_log = logging.getLogger("spiff.task")


class _StateWrites:
    """``_state`` of a tracked task: writes go through ``__set__``, reads straight to the instance dict.

    A descriptor with ``__set__`` and no ``__get__`` is a data descriptor for writes only:
    Python reads the attribute from the instance's ``__dict__`` (see the descriptor guide),
    so the many reads of a task's state cost what they cost on a plain task.
    """

    def __set__(self, task: Any, value: int) -> None:
        fields = task.__dict__
        old = fields.get("_state")
        fields["_state"] = value
        index = fields.get("_waiting_index")
        if index is not None and old != value:
            index.state_changed(task.id, old, value, bool(fields.get("_children")))


def _touch(fields: dict[str, Any]) -> None:
    # The mark says "already in this round's touched set": a task is written a dozen times a step,
    # and each add would hash its UUID in Python.
    index = fields.get("_waiting_index")
    if index is not None and fields.get("_touch_mark") is not index.touch_mark:
        fields["_touch_mark"] = index.touch_mark
        index.touched.add(fields["id"])


def _get_data(task: Any) -> dict[str, Any]:
    fields = task.__dict__
    _touch(fields)
    return fields["data"]  # type: ignore[no-any-return]


def _set_data(task: Any, value: dict[str, Any]) -> None:
    task.__dict__["data"] = value


def _get_internal_data(task: Any) -> dict[str, Any]:
    fields = task.__dict__
    _touch(fields)
    return fields["internal_data"]  # type: ignore[no-any-return]


def _set_internal_data(task: Any, value: dict[str, Any]) -> None:
    task.__dict__["internal_data"] = value


class _TrackedTask(Task):
    """A task whose every state write keeps its index's sets of tasks by state, and who tells what it touched.

    Every write of ``_state`` (``Task.__init__``, ``_set_state``, a restore) goes
    through ``_StateWrites``, so the sets are exact without any walk. Every attribute
    write, and every read of ``data`` or ``internal_data`` (whoever reads the dict may
    change it in place), files the task in its index's ``touched`` set: the checkpoint
    compares only those tasks (``engine.spiff.checkpoint``). Code that must look
    without touching reads ``task.__dict__``.

    A child added to a tracked task (SpiffWorkflow's prediction adds thousands in a
    fan-out) is built by ``TaskIndex.new_task`` with the attributes ``Task.__init__``
    gives it, filed in one go instead of through a dozen tracked writes.
    """

    _state = _StateWrites()
    data = property(_get_data, _set_data)
    internal_data = property(_get_internal_data, _set_internal_data)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        fields = self.__dict__
        index = fields.get("_waiting_index")
        if index is not None and fields.get("_touch_mark") is not index.touch_mark:  # _touch, inlined: hot
            fields["_touch_mark"] = index.touch_mark
            index.touched.add(fields["id"])

    def _get_parent(self) -> Any:
        # SpiffWorkflow looks the parent up in workflow.tasks, through our workflow's Python property:
        # a tracked task's index is that dict.
        fields = self.__dict__
        index = fields.get("_waiting_index")
        if index is None:
            return Task.parent.fget(self)
        parent_id = fields["_parent"]
        return None if parent_id is None else dict.get(index, parent_id)

    def _get_children(self) -> list[Any]:
        fields = self.__dict__
        index = fields.get("_waiting_index")
        if index is None:
            return Task.children.fget(self)  # type: ignore[no-any-return]
        get = index.get
        return [get(child) for child in fields["_children"]]

    parent = property(_get_parent, Task.parent.fset)
    children = property(_get_children, Task.children.fset)

    def _add_child(self, task_spec: Any, state: int = TaskState.MAYBE) -> Any:
        """SpiffWorkflow's ``_add_child``, the child built already filed in the index (``TaskIndex.new_task``)."""
        fields = self.__dict__
        index = fields.get("_waiting_index")
        if index is None or fields["workflow"].tasks is not index:
            return super()._add_child(task_spec, state)
        if self._state & PREDICTED and not state & PREDICTED:
            raise WorkflowException("Attempt to add non-predicted child to predicted task", task_spec=self.task_spec)
        task = index.new_task(self, task_spec, state)
        if state == TaskState.READY:
            task._ready()
        return task

    def _sync_children(self, task_specs: Any, state: int = TaskState.MAYBE) -> None:
        # A task without children (every task as it is predicted) only gains one child per spec.
        if task_specs is not None and not self.__dict__["_children"]:
            for task_spec in list(task_specs):
                self._add_child(task_spec, state)
            return
        super()._sync_children(task_specs, state)

    def _set_state(self, value: int) -> None:
        # SpiffWorkflow formats a log line (state names, extras) on every state write, logged or not.
        if _spiff_task_log.isEnabledFor(logging.INFO):
            super()._set_state(value)
        elif value != self.__dict__["_state"]:
            self.last_state_change = time.time()
            self._state = value

    def _inherit_data(self) -> None:
        """SpiffWorkflow's inheritance (a deep merge of the parent's data), with the same result.

        A task marked ``shares_parent_values`` (an instance of a multi-instance activity)
        starts from its parent's values themselves, not copies of them, so a thousand
        instances of an activity holding a list of a thousand regions hold one list. Values
        that are the very object the parent holds are skipped (equal, so the merge keeps
        them), and a list or dict merged in place is copied first, so a value that other
        tasks share is never changed under them.
        """
        parent = self.parent
        fields = self.__dict__
        data: dict[str, Any] = fields["data"]
        if fields.pop("shares_parent_values", False) and not data:
            self.data = dict(parent.data)
            return
        incoming: dict[str, Any] = {}
        for key, value in parent.data.items():
            if key in data:
                mine = data[key]
                if mine is value:
                    continue
                merged_in_place = (isinstance(mine, dict) and isinstance(value, dict)) or (
                    isinstance(mine, list) and isinstance(value, list)
                )
                if merged_in_place and mine != value:
                    data[key] = copy(mine)
            incoming[key] = value
        self.data = DeepMerge.merge(data, incoming)

    def collect_log_extras(self, dct: dict[str, Any] | None = None) -> dict[str, Any]:
        # SpiffWorkflow builds these extras on every state change, even when nothing logs them.
        if not _spiff_task_log.isEnabledFor(logging.INFO):
            return {}
        return super().collect_log_extras(dct)  # type: ignore[no-any-return]


class TaskIndex(dict[UUID, Any]):
    """A workflow's ``tasks`` dict that also knows its tasks by spec name and by state.

    SpiffWorkflow adds a task with ``tasks[id] = task`` and removes it with
    ``tasks.pop(id)``; those two keep the index. ``Task.__init__`` adds itself
    before it sets its spec, so such a task is filed when the index is next read.
    """

    def __init__(self, tasks: dict[UUID, Any]) -> None:
        super().__init__()
        self._by_spec: dict[str, dict[UUID, Any]] = {}
        self._unfiled: list[tuple[UUID, Any]] = []
        self.by_state: dict[int, set[UUID]] = {state: set() for state in STATES}
        # Exact while every task is a _TrackedTask (a task class of its own hides its state writes).
        self.tracks_states = True
        self._filed_at: dict[UUID, int] = {}
        self._next_position = 0
        # Tasks none of whose ancestors stops a walk for definite tasks (see reachable_from_root).
        self.open_path: set[UUID] = set()
        # Per join spec: the input found missing last time, where the next search starts.
        self.join_cursor: dict[str, int] = {}
        # Per join spec: every task of it that may be waiting (a superset; see IndexedParallelGateway).
        self.waiting_joins: dict[str, set[UUID]] = {}
        # Tasks filed, removed, written or whose data was read since the last checkpoint (see _TrackedTask).
        self.touched: set[UUID] = set()
        self.removed: set[UUID] = set()
        # A task whose _touch_mark is this one is in ``touched`` already; a new round takes a new mark.
        self.touch_mark = object()
        for key, task in tasks.items():
            self[key] = task

    # -- questions ------------------------------------------------------------
    @property
    def by_spec(self) -> dict[str, dict[UUID, Any]]:
        if self._unfiled:
            unfiled, self._unfiled = self._unfiled, []
            for key, task in unfiled:
                filed: Any = dict.get(self, key)
                if filed is task:
                    self._by_spec.setdefault(task.task_spec.name, {})[key] = task
        return self._by_spec

    @property
    def waiting(self) -> set[UUID]:
        return self.by_state[TaskState.WAITING]

    @property
    def tracks_waiting(self) -> bool:
        return self.tracks_states

    def position(self, task_id: UUID) -> int:
        """Where the task was filed: its parent's list holds siblings in this order."""
        return self._filed_at.get(task_id, 0)

    def ids_in(self, mask: int) -> set[UUID]:
        """The ids of tasks whose state is in ``mask``."""
        found: set[UUID] = set()
        for state in STATES:
            if state & mask:
                found |= self.by_state[state]
        return found

    def any_in(self, mask: int) -> bool:
        return any(self.by_state[state] for state in STATES if state & mask)

    def waiting_tasks(self) -> list[Any] | None:
        """The waiting tasks in the order the dict holds them, or None when states are not tracked."""
        if not self.tracks_states:
            return None
        found = [t for t in (self.get(i) for i in self.waiting) if t is not None and t._state == TaskState.WAITING]
        return sorted(found, key=lambda t: self._filed_at.get(t.id, 0))

    def reachable_from_root(self, task: Any, owns_subprocess: Any) -> bool:
        """Does a walk for definite tasks from this workflow's root reach ``task``?

        SpiffWorkflow's walk does not descend below a predicted (MAYBE or LIKELY) task
        unless it owns a subprocess. Tasks found open are remembered; a task with
        children that becomes predicted forgets them all (``state_changed``).
        """
        path: list[UUID] = []
        current = task
        while current.id not in self.open_path:
            path.append(current.id)
            parent = dict.get(self, current._parent) if current._parent is not None else None
            if parent is None:
                break
            if parent._state & PREDICTED and not owns_subprocess(parent.id):
                return False
            current = parent
        self.open_path.update(path)
        return True

    def forget_changes(self) -> None:
        """Start a new round of ``touched`` and ``removed`` (a checkpoint wrote what they named)."""
        self.touched = set()
        self.removed = set()
        self.touch_mark = object()

    # -- upkeep ---------------------------------------------------------------
    def state_changed(self, task_id: UUID, old: int | None, new: int, has_children: bool) -> None:
        if old is not None:
            self.by_state[old].discard(task_id)
        self.by_state[new].add(task_id)
        if new & PREDICTED and has_children and not (old is not None and old & PREDICTED):
            self.open_path.clear()

    def forget_paths(self) -> None:
        """A subprocess ended: its owner no longer opens the walk below it."""
        self.open_path.clear()

    def _track(self, task: Any) -> None:
        if task.id not in self._filed_at:
            self._filed_at[task.id] = self._next_position
            self._next_position += 1
        if type(task) is _TrackedTask:
            task.__dict__["_waiting_index"] = self
            state = task.__dict__.get("_state")
            if state is not None:
                self.by_state[state].add(task.id)
        elif type(task) is Task:
            state = task.__dict__.pop("_state", None)
            task.__class__ = _TrackedTask
            task.__dict__["_waiting_index"] = self
            if state is not None:
                task._state = state
        else:
            self.tracks_states = False

    def _unindex(self, key: UUID, task: Any) -> None:
        if type(task) is _TrackedTask and task.__dict__.get("_waiting_index") is self:
            # A tracked task is in the set of its state only (every state write moved it there).
            self.by_state[task.__dict__["_state"]].discard(key)
        else:
            for ids in self.by_state.values():
                ids.discard(key)
        self._filed_at.pop(key, None)
        self.open_path.discard(key)
        if type(task) is _TrackedTask:
            task.__dict__["_waiting_index"] = None
        spec = getattr(task, "task_spec", None)
        if spec is not None:
            self._by_spec.get(spec.name, {}).pop(key, None)

    def __setitem__(self, key: UUID, task: Any) -> None:
        old = self.get(key)
        position = self._filed_at.get(key)
        if old is not None:
            self._unindex(key, old)
        if position is not None:
            self._filed_at[key] = position  # the dict keeps a replaced key where it was
        super().__setitem__(key, task)
        self.touched.add(key)
        self._track(task)
        spec = getattr(task, "task_spec", None)
        if spec is None:
            self._unfiled.append((key, task))
        else:
            self._by_spec.setdefault(spec.name, {})[key] = task

    def new_task(self, parent: Any, task_spec: Any, state: int) -> _TrackedTask:
        """A child of ``parent`` as ``Task.__init__`` and ``_add_child`` make it, filed here at once.

        SpiffWorkflow's constructor writes a dozen attributes one by one (each a tracked
        write) and files the task before it has a spec; a fan-out predicts thousands.
        """
        if self._unfiled:
            self.by_spec  # noqa: B018 - files the tasks before this one, so by_spec keeps creation order
        uid = new_task_id()
        task: _TrackedTask = _TrackedTask.__new__(_TrackedTask)
        parent_fields = parent.__dict__
        task.__dict__.update(
            id=uid,
            _waiting_index=self,
            _touch_mark=self.touch_mark,
            workflow=parent_fields["workflow"],
            _parent=parent_fields["id"],
            _children=[],
            _state=state,
            triggered=False,
            task_spec=task_spec,
            thread_id=parent.thread_id,
            data={},
            internal_data={},
            last_state_change=time.time(),
        )
        dict.__setitem__(self, uid, task)
        self.touched.add(uid)
        self._filed_at[uid] = self._next_position
        self._next_position += 1
        self.by_state[state].add(uid)
        self._by_spec.setdefault(task_spec.name, {})[uid] = task
        parent._child_added_notify(task)
        return task

    def __delitem__(self, key: UUID) -> None:
        self.pop(key)

    def pop(self, key: UUID, *default: Any) -> Any:
        task = super().pop(key, *default)
        if task is not None and not (default and task is default[0]):
            self._unindex(key, task)
            self.removed.add(key)
        return task


def indexed_tasks(workflow: Any) -> TaskIndex:
    """The workflow's tasks, indexed (the index is installed on first use if the workflow has none)."""
    tasks = workflow.tasks
    if not isinstance(tasks, TaskIndex):
        tasks = TaskIndex(tasks)
        workflow.tasks = tasks
    return tasks
