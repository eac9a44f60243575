"""Moving a live workflow onto another version of its process: the task rows renamed, then restored.

The instance's rows (as the last step left them) keep their ids, states, data and tree; each row's
spec name becomes the name of its element's counterpart (``mapping``: source element id -> target
element id; SpiffWorkflow's own specs, such as ``X.BoundaryEventSplit`` or ``X [child]``, follow
their element). Predicted rows whose element has no counterpart are dropped and their parents
predict again from the target model; finished rows without a counterpart leave the tree, their
children hanging from their parent. An active row without a counterpart is a refusal the caller
reports (``unmatched_tokens``). Task ids stay, so jobs, timers and subscriptions stay with them.
The child of a call activity is not migrated: its rows and its spec key (the child's definition,
``engine.spiff.children``) stay as they are, as Camunda migrates a parent without its called instances.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.spiff.checkpoint import Persisted
from engine.spiff.children import is_call_key
from engine.spiff.codec import encode_value
from engine.spiff.restore import restore
from engine.store.records import TaskRow
from steadyflow.errors import ConflictError

PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE
"""Tasks SpiffWorkflow created ahead of the tokens, from the flows of the model: MAYBE, LIKELY, FUTURE."""
FINISHED = TaskState.FINISHED_MASK


def element_ids(model: Any) -> set[str]:
    """Every BPMN element id of a parsed model (``spec``, ``subprocess_specs``), subprocesses' too."""
    found: set[str] = set()
    for spec in (model.spec, *model.subprocess_specs.values()):
        found.update(str(t.bpmn_id) for t in spec.task_specs.values() if getattr(t, "bpmn_id", None) is not None)
    return found


def renamer(mapping: dict[str, str]) -> Callable[[str], str]:
    """Spec name in the source model -> spec name in the target model."""

    def rename(name: str) -> str:
        if name in mapping:
            return mapping[name]
        for separator in (".", " ["):
            head, found, tail = name.partition(separator)
            if found and head in mapping:
                return f"{mapping[head]}{separator}{tail}"
        return name

    return rename


def _scope_specs(frame: dict[str, Any], target: Any, rename: Callable[[str], str]) -> dict[str, Any]:
    """Workflow id ('' or a subprocess task id) -> the target spec its rows must be found in (not children's)."""
    specs: dict[str, Any] = {"": target.spec}
    for sp_id, sp_frame in frame.get("subprocesses", {}).items():
        if not is_call_key(sp_frame["spec"]):
            specs[sp_id] = target.subprocess_specs.get(rename(sp_frame["spec"]))
    return specs


def child_scopes(frame_text: str) -> set[str]:
    """Workflow ids of the scopes that run a called child (or a subprocess of one): they never migrate."""
    frame = json.loads(frame_text)
    return {sp_id for sp_id, sp_frame in frame.get("subprocesses", {}).items() if is_call_key(sp_frame["spec"])}


def unmatched_tokens(
    rows: list[TaskRow], frame_text: str, target: Any, mapping: dict[str, str]
) -> list[tuple[str, str, str]]:
    """(element id, task id, why) for every active task that has no counterpart in ``target``."""
    rename = renamer(mapping)
    frame = json.loads(frame_text)
    specs = _scope_specs(frame, target, rename)
    children = child_scopes(frame_text)
    found = []
    for row in rows:
        if row.state & (PREDICTED | FINISHED) or row.workflow_id in children:
            continue
        scope = specs.get(row.workflow_id)
        label = row.element_id or row.spec_name
        if scope is None:
            found.append((label, row.id, "its subprocess has no counterpart in the target version"))
            continue
        if row.element_id is not None and row.element_id not in mapping:
            same = row.element_id in scope.task_specs
            why = "the plan maps it to no element" if same else "the target version has no element of that id"
            found.append((label, row.id, f"{why} and the plan maps it to none" if not same else why))
            continue
        spec = scope.task_specs.get(rename(row.spec_name))
        if spec is None:
            target_id = mapping.get(row.element_id or "", row.element_id)
            found.append((label, row.id, f"the target version has no element '{target_id}'"))
    return found


def kind_mismatches(rows: list[TaskRow], target: Any, mapping: dict[str, str], frame_text: str) -> list[str]:
    """Active elements whose counterpart is another kind of element (a job task mapped to a user task)."""
    rename = renamer(mapping)
    specs = _scope_specs(json.loads(frame_text), target, rename)
    children = child_scopes(frame_text)
    found = []
    for row in rows:
        if row.state & (PREDICTED | FINISHED) or row.element_id is None or row.workflow_id in children:
            continue
        scope = specs.get(row.workflow_id)
        spec = scope.task_specs.get(rename(row.spec_name)) if scope is not None else None
        if spec is not None and row.kind != _kind(spec):
            found.append(f"'{row.element_id}' is a {row.kind} element but '{spec.bpmn_id}' is a {_kind(spec)} element")
    return found


def _kind(spec: Any) -> str:
    from engine.spiff.checkpoint import task_kind

    return task_kind(spec)


def migrated_rows(
    rows: list[TaskRow], frame_text: str, target: Any, mapping: dict[str, str]
) -> tuple[list[TaskRow], str, set[str]]:
    """The rows and frame renamed for ``target``; also the ids of tasks whose predictions were dropped."""
    rename = renamer(mapping)
    frame = json.loads(frame_text)
    specs = _scope_specs(frame, target, rename)
    children = child_scopes(frame_text)
    parent_of = {row.id: row.parent_id for row in rows}
    dropped: set[str] = set()
    dropped_predictions: set[str] = set()
    repredict: set[str] = set()
    for row in sorted(rows, key=lambda r: (r.depth, r.seq)):
        if row.workflow_id in children:
            continue  # a called child keeps its own model's rows
        scope = specs.get(row.workflow_id)
        exists = scope is not None and rename(row.spec_name) in scope.task_specs
        if row.state & PREDICTED:
            # Predictions follow the source model's flows: every one goes, the live tasks predict again.
            dropped.add(row.id)
            dropped_predictions.add(row.id)
            if row.parent_id is not None and row.parent_id not in dropped:
                repredict.add(row.parent_id)
        elif row.state & FINISHED and not exists:
            dropped.add(row.id)  # its children hang from its parent instead

    def alive_parent(task_id: str | None) -> str | None:
        while task_id is not None and task_id in dropped:
            task_id = parent_of.get(task_id)
        return task_id

    out = []
    for row in rows:
        if row.id in dropped:
            continue
        if row.workflow_id in children:
            out.append(row)
            continue
        element = mapping.get(row.element_id, row.element_id) if row.element_id is not None else None
        fields = {**_fields(row), "spec_name": rename(row.spec_name), "element_id": element}
        fields["parent_id"] = alive_parent(row.parent_id)
        out.append(TaskRow(**fields))
    for sp_frame in frame.get("subprocesses", {}).values():
        if not is_call_key(sp_frame["spec"]):
            sp_frame["spec"] = rename(sp_frame["spec"])
    for scope_frame in (frame, *frame.get("subprocesses", {}).values()):
        if scope_frame.get("last_task") in dropped:
            scope_frame["last_task"] = None
    kept = {row.id for row in out}
    return out, json.dumps(frame, sort_keys=True, separators=(",", ":")), repredict & kept


def _fields(row: TaskRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in TaskRow.__dataclass_fields__}


def blob_getter(persisted: Persisted) -> Callable[[str], str]:
    """Blob texts from the values a live instance holds (each hash is of exactly that value's text)."""
    texts: dict[str, str] = {}
    refs = [ref for memory in persisted.tasks.values() for ref in (*memory.data.values(), *memory.internal.values())]
    refs.extend(ref for scope in persisted.workflow_data.values() for ref in scope.values())
    for ref in refs:
        if ref.hash not in texts:
            texts[ref.hash] = encode_value(ref.value)
    return texts.__getitem__


def migrate_workflow(
    persisted: Persisted,
    target: Any,
    mapping: dict[str, str],
    script_engine: Any,
    *,
    children: Mapping[str, Any] | None = None,
    definition_id: str | None = None,
) -> Any:
    """The instance's workflow rebuilt on ``target`` (a parsed model: ``spec``, ``subprocess_specs``), the
    definition ``definition_id``; ``children`` holds the specs of the called children it runs, by key."""
    rows = [memory.row for memory in persisted.tasks.values()]
    new_rows, frame, repredict = migrated_rows(rows, persisted.frame, target, mapping)
    workflow, _ = restore(
        target.spec,
        {**target.subprocess_specs, **(children or {})},
        frame,
        new_rows,
        blob_getter(persisted),
        script_engine=script_engine,
        definition_id=definition_id,
    )
    for task_id in repredict:
        task = _task(workflow, task_id)
        if task is not None and not task.has_state(FINISHED):
            try:
                task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)
            except Exception as exc:
                raise ConflictError(f"the target version cannot continue from '{task.task_spec.name}': {exc}") from exc
    return workflow


def _task(workflow: Any, task_id: str) -> Any:
    from uuid import UUID

    key = UUID(task_id)
    for scope in (workflow, *workflow.subprocesses.values()):
        if key in scope.tasks:
            return scope.tasks[key]
    return None
