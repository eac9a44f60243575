"""The instance's variables per scope, as Camunda reports them: the process, and each element's local scope.

SpiffWorkflow keeps data on tasks: a task inside an input-mapped scope holds the process's
variables and its scope's locals in one dict. Camunda keeps them apart: an input mapping's
target, a multi-instance inner instance's input element and ``loopCounter`` are variables of
that element instance, never of the process instance. Here each live task's data is peeled
back to the process's view (its own entry data, then every enclosing local scope's names
restored to their outer values), and the peeled-off names are listed with their scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.util.task import TaskState

from bpmn.io_mappings import ElementIo
from bpmn.specs import JobTask, MultiInstanceActivity
from bpmn.specs.io_scope import ENTRY, set_outer_variables
from engine.spiff.runtime import user_task

TASK_LOCALS = "task_locals"
"""internal_data key: a user task's own variables, created from its context (not its input mappings).

Kept beside the task's data, not in it: the task and its readers see them, its completion does
not carry them into the process (as Camunda 7's task-local variables, deleted with the task).
"""
LIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
_MISSING = object()


@dataclass(frozen=True)
class LocalScope:
    """The local variables of one element instance (a task id), inside ``parent_id``'s scope (None: the process)."""

    task_id: str
    element_id: str
    variables: dict[str, Any]
    parent_id: str | None = None


@dataclass(frozen=True)
class VariableScopes:
    """The process scope's variables, then every live element instance scope that holds local variables."""

    process: dict[str, Any]
    local: list[LocalScope] = field(default_factory=list)

    def scope(self, task_id: str) -> LocalScope | None:
        return next((s for s in self.local if s.task_id == task_id), None)

    def visible_from(self, task_id: str, enclosing: list[str]) -> dict[str, Any]:
        """What an element instance sees: the process, the enclosing scopes outermost first, then its own."""
        seen = dict(self.process)
        for scope_id in [*reversed(enclosing), task_id]:
            found = self.scope(scope_id)
            if found is not None:
                seen.update(found.variables)
        return seen


def visible_variables(workflow: Any) -> dict[str, Any]:
    """The process scope's variables: the end data, or what the live tasks hold outside any local scope."""
    return variable_scopes(workflow, with_local=False).process


JobLocals = Callable[[dict[str, frozenset[str]]], Mapping[str, Mapping[str, Any]]]
"""Given job tasks' input names (task id -> names), their stored jobs' values of those names (task id -> values)."""


def variable_scopes(workflow: Any, *, with_local: bool = True, job_locals: JobLocals | None = None) -> VariableScopes:
    """The process scope (what its live tasks hold, earliest task first) and, ``with_local``, each local scope.

    A waiting job task's locals are its job's stored variables (what its worker received), which
    ``job_locals`` reads; without it, job tasks list none. Its input mappings are not run again.
    """
    if workflow.is_completed():
        data = dict(workflow.data)
        data.pop("data_objects", None)
        if not data:
            for task in workflow.get_tasks(state=TaskState.COMPLETED):
                data.update(task.data)
        return VariableScopes(data)
    live = workflow.get_tasks(state=LIVE)
    jobs: Mapping[str, Mapping[str, Any]] = {}
    if with_local and job_locals is not None:
        wanted = {str(t.id): names for t in live if (names := _job_input_names(t))}
        jobs = job_locals(wanted) if wanted else {}
    merged: dict[str, Any] = {}
    local: list[LocalScope] = []
    for task in live:
        own = local_variables(task, jobs.get(str(task.id), {})) if with_local else {}
        if own:
            enclosing = enclosing_scopes(task)
            parent = enclosing[0] if enclosing else None
            local.append(LocalScope(str(task.id), task.task_spec.bpmn_id, own, str(parent.id) if parent else None))
        if _inner_instance(task):
            continue  # its item and loopCounter are its own; its body holds the process's values
        for key, value in process_view(task).items():
            merged.setdefault(key, value)
    return VariableScopes(merged, local)


def _job_input_names(task: Any) -> frozenset[str]:
    """The names a job task's input mappings make local (none when its job could not be prepared)."""
    if not isinstance(task.task_spec, JobTask) or task.state == TaskState.ERROR:
        return frozenset()
    definition = task.task_spec.job
    return ElementIo(definition.dialect, definition.inputs, definition.outputs).local_names


def local_variables(task: Any, job_variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The variables of the task's own scope: its inputs' targets, an inner instance's item and counter.

    A job task's inputs are its job's variables (``job_variables``, as stored with the job), not the task's data.
    """
    if isinstance(task.task_spec, MultiInstanceActivity):
        return {}  # the body: its instances hold the locals
    found: dict[str, Any] = {}
    if _inner_instance(task):
        found.update({k: task.data[k] for k in sorted(_instance_names(task)) if k in task.data})
    if isinstance(task.task_spec, JobTask):
        stored = job_variables or {}
        found.update({k: stored[k] for k in sorted(_job_input_names(task)) if k in stored})
        return found
    io = getattr(task.task_spec, "io", None)
    if isinstance(io, ElementIo):
        if _is_subprocess(task):
            inner = _subworkflow_data(task)
            found.update({k: inner[k] for k in sorted(io.local_names) if k in inner})
        elif ENTRY in task.internal_data:  # entered its scope (a user task while it waits, a failed script)
            found.update({k: task.data[k] for k in sorted(io.local_names) if k in task.data})
    found.update(task_entity_variables(task))
    return found


def task_entity_variables(task: Any) -> dict[str, Any]:
    """A user task's own variables (Camunda 7 ``setVariableLocal``): outside its data, so never propagated."""
    stored = task.internal_data.get(TASK_LOCALS)
    return dict(stored) if isinstance(stored, dict) else {}


def process_view(task: Any) -> dict[str, Any]:
    """The task's data as the process scope holds it: every local scope around it peeled off (do not mutate it)."""
    entry = task.internal_data.get(ENTRY)
    own: dict[str, Any] = entry if isinstance(entry, dict) else task.data
    enclosing = enclosing_scopes(task)
    if not enclosing:
        return own  # read only: most tasks are in no local scope, and copying each one's data costs
    data = dict(own)
    for scope in enclosing:
        outer = scope.parent.data if _inner_instance(scope) and scope.parent is not None else scope.data
        for name in _local_names(scope):
            value = outer.get(name, _MISSING)
            if value is _MISSING:
                data.pop(name, None)
            else:
                data[name] = value
    return data


def enclosing_scopes(task: Any) -> list[Any]:
    """The tasks whose local scope holds this one, innermost first: subprocesses with inputs, inner instances."""
    found: list[Any] = []
    current = task
    while True:
        parent_id = getattr(current.workflow, "parent_task_id", None)
        if parent_id is None:
            return found
        current = current.workflow.top_workflow.get_task_from_id(parent_id)
        if current is None:
            return found
        if _local_names(current):
            found.append(current)


def _local_names(task: Any) -> frozenset[str]:
    """The names a scope around other tasks makes local: a subprocess's inputs, an inner instance's item and counter."""
    names: set[str] = set()
    io = getattr(task.task_spec, "io", None)
    if isinstance(io, ElementIo):
        names.update(io.local_names)
    if _inner_instance(task):
        names.update(_instance_names(task))
    return frozenset(names)


def _instance_names(task: Any) -> frozenset[str]:
    return task.parent.task_spec.instance_local_names()  # type: ignore[no-any-return]


def _is_subprocess(task: Any) -> bool:
    return task.id in task.workflow.top_workflow.subprocesses


def _subworkflow_data(task: Any) -> dict[str, Any]:
    """What the subprocess's live tasks hold, the earliest task's value first."""
    subworkflow = task.workflow.top_workflow.subprocesses[task.id]
    merged: dict[str, Any] = {}
    for inner in subworkflow.get_tasks(state=LIVE, skip_subprocesses=True):
        for key, value in inner.data.items():
            merged.setdefault(key, value)
    return merged


def _inner_instance(task: Any) -> bool:
    """True for one instance of a multi-instance activity (the body's child spec)."""
    parent = task.parent
    spec = parent.task_spec if parent is not None else None
    return isinstance(spec, MultiInstanceActivity) and task.task_spec.name == spec.task_spec


@dataclass(frozen=True)
class TaskVariables:
    """What one user task sees (``visible``: the process, enclosing scopes, its own) and its own scope's."""

    visible: dict[str, Any]
    local: dict[str, Any]
    process: dict[str, Any] = field(default_factory=dict)
    scopes: list[LocalScope] = field(default_factory=list)
    """The local scopes it sees, outermost first (its own last, when it has locals)."""


def task_variables(workflow: Any, task_id: str) -> TaskVariables:
    task = user_task(workflow, task_id)
    scopes = variable_scopes(workflow)
    own = scopes.scope(task_id)
    enclosing = [str(s.id) for s in enclosing_scopes(task)]
    seen = [found for i in [*reversed(enclosing), task_id] if (found := scopes.scope(i)) is not None]
    local = dict(own.variables) if own else {}
    return TaskVariables(scopes.visible_from(task_id, enclosing), local, scopes.process, seen)


@dataclass(frozen=True)
class ScopedWrite:
    """Values an edit set in one scope: an element instance's (``task_id``, ``element_id``) or the process's (None)."""

    values: dict[str, Any]
    task_id: str | None = None
    element_id: str | None = None


def set_task_variables(workflow: Any, task_id: str, values: dict[str, Any]) -> list[ScopedWrite]:
    """Set variables from a user task's context, as Camunda's task service does.

    Each name changes in the nearest scope that holds it: the task's own (an input mapping's
    target, an inner instance's item), then the enclosing scopes innermost first (a subprocess's
    inputs, an inner instance's item and ``loopCounter``: that instance and the tasks under it).
    A name no scope holds is created in the process scope. Returns what went where, the process first.
    """
    task = user_task(workflow, task_id)
    own = local_variables(task)
    enclosing = enclosing_scopes(task)
    writes: dict[str | None, ScopedWrite] = {}
    for name, value in values.items():
        holder = task if name in own else next((s for s in enclosing if name in _local_names(s)), None)
        key = str(holder.id) if holder is not None else None
        if key not in writes:
            writes[key] = ScopedWrite({}, key, holder.task_spec.bpmn_id if holder is not None else None)
        writes[key].values[name] = value
    for write in writes.values():
        if write.task_id == task_id:
            _set_own(task, write.values)
        else:
            holder = next((s for s in enclosing if str(s.id) == write.task_id), None)
            set_scope_variables(workflow, holder, write.values)
    return sorted(writes.values(), key=lambda w: w.task_id is not None)  # the process scope's first


def set_task_local_variables(workflow: Any, task_id: str, values: dict[str, Any]) -> ScopedWrite:
    """Set variables in a user task's own scope (Camunda 7 ``setVariableLocal``); a new name becomes the task's own.

    An input mapping's target changes where it lives; any other name is kept with the task
    (``TASK_LOCALS``), visible from it and gone when it completes.
    """
    task = user_task(workflow, task_id)
    _set_own(task, values)
    return ScopedWrite(dict(values), task_id, task.task_spec.bpmn_id)


def _set_own(task: Any, values: dict[str, Any]) -> None:
    """Assigned, not mutated: the checkpoint sees the task changed."""
    entity = task_entity_variables(task)
    mapped = {k: v for k, v in values.items() if k not in entity and k in local_variables(task)}
    if mapped:
        task.data = {**task.data, **mapped}
    others = {k: v for k, v in values.items() if k not in mapped}
    if others:
        task.internal_data[TASK_LOCALS] = {**entity, **others}


def set_process_variables(workflow: Any, values: dict[str, Any]) -> None:
    """An operator's edit of process variables; a local scope holding the same name keeps its own value."""
    set_scope_variables(workflow, None, values)


def set_scope_variables(workflow: Any, scope: Any | None, values: dict[str, Any]) -> None:
    """Set ``values`` in ``scope`` (a scope task, None: the process): every task under it sees them.

    A task under a nearer scope that holds the name keeps that scope's value. The completed parents
    of live tasks get the values too: SpiffWorkflow's ``_update`` of a waiting event (a timer checked
    again, a message caught) first merges its parent's data into its own, and a parent holding the
    old values would undo the edit. A task inside its own input/output scope keeps its inputs' local
    values (``set_outer_variables``) and gets the edited ones back when it completes.
    """
    live = workflow.get_tasks(state=LIVE)
    parents = {id(t.parent): t.parent for t in live if t.parent is not None and t.parent.state == TaskState.COMPLETED}
    for task in [*live, *parents.values()]:
        reaching = _reaching(task, scope, values)
        if reaching:
            if scope is not None and task is scope:
                scope.data = {**scope.data, **reaching}  # an inner instance's own item or counter
            else:
                set_outer_variables(task, reaching)
    if scope is None:
        workflow.data.update(values)


def _reaching(task: Any, scope: Any | None, values: dict[str, Any]) -> dict[str, Any]:
    """The ``values`` set in ``scope`` that ``task`` holds: none when it is outside, or a nearer scope shadows them."""
    if task is scope:
        names = _instance_names(task) if _inner_instance(task) else frozenset()
        return {k: v for k, v in values.items() if k in names}
    enclosing = enclosing_scopes(task)
    if scope is not None:
        index = next((i for i, s in enumerate(enclosing) if s is scope), None)
        if index is None:
            return {}
        enclosing = enclosing[:index]
    shadowed = set(_instance_names(task)) if _inner_instance(task) else set()
    for nearer in enclosing:
        shadowed.update(_local_names(nearer))
    return {k: v for k, v in values.items() if k not in shadowed}
