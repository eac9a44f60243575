"""The workflow-level frame, and rebuilding a live workflow from rows.

The frame holds what is not a task: workflow data (as a manifest of blob
hashes), correlations, completion flags and the subprocesses' own frames.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from bpmn.recursion import recursion_room, spec_elements
from bpmn.script_engine import ExpressionEngine
from engine.spiff.checkpoint import Persisted, TaskMemory, ValueRef, encode_workflow_data, start_tracking
from engine.spiff.codec import decode_value, dumps
from engine.spiff.workflow import SteadyflowSubWorkflow, SteadyflowWorkflow
from engine.store.records import TaskRow


def _workflow_frame(
    workflow: Any, key: str, encoder: Any, before: dict[str, dict[str, ValueRef]], after: dict[str, dict[str, ValueRef]]
) -> dict[str, Any]:
    manifest, refs = encode_workflow_data(encoder, key, workflow.data, before)
    after[key] = refs
    return {
        "data": manifest,
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "root": str(workflow.task_tree.id),
    }


def build_frame(
    workflow: Any, encoder: Any, before: dict[str, dict[str, ValueRef]]
) -> tuple[str, dict[str, dict[str, ValueRef]]]:
    after: dict[str, dict[str, ValueRef]] = {}
    frame = _workflow_frame(workflow, "", encoder, before, after)
    frame["subprocesses"] = {
        str(sp_id): {
            **_workflow_frame(sp, str(sp_id), encoder, before, after),
            "spec": sp.spec_key,
        }
        for sp_id, sp in workflow.subprocesses.items()
    }
    return dumps(frame), after


def new_workflow(
    spec: Any, subprocess_specs: dict[str, Any], *, script_engine: ExpressionEngine, definition_id: str | None = None
) -> Any:
    """A fresh workflow of ``definition_id`` whose scripts and expressions run on ``script_engine`` (one per engine)."""
    # A new workflow predicts its task tree recursively, as deep as the longest chain of the model.
    with recursion_room(spec_elements(spec, subprocess_specs)):
        return SteadyflowWorkflow(spec, subprocess_specs, script_engine=script_engine, definition_id=definition_id)


def _decode_manifest(
    manifest: dict[str, str], blob: Callable[[str], str]
) -> tuple[dict[str, Any], dict[str, ValueRef]]:
    values: dict[str, Any] = {}
    refs: dict[str, ValueRef] = {}
    for key, digest in manifest.items():
        value = decode_value(blob(digest))
        values[key] = value
        refs[key] = ValueRef(value, digest)
    return values, refs


def referenced_hashes(frame: str, rows: Iterable[TaskRow]) -> set[str]:
    """Every blob hash a frame and its task rows point at."""
    found: set[str] = set()
    parsed = json.loads(frame)
    found.update(parsed["data"].values())
    for sp in parsed.get("subprocesses", {}).values():
        found.update(sp["data"].values())
    for row in rows:
        found.update(json.loads(row.data).values())
        found.update(json.loads(row.internal).values())
    return found


def restore(
    spec: Any,
    subprocess_specs: dict[str, Any],
    frame_text: str,
    rows: list[TaskRow],
    blob: Callable[[str], str],
    *,
    script_engine: ExpressionEngine,
    definition_id: str | None = None,
) -> tuple[Any, Persisted]:
    """Rebuild the live workflow exactly as the rows describe it, running on ``script_engine``.

    ``subprocess_specs`` must hold every spec key the frame names, the called definitions' too
    (``DefinitionRegistry.workflow_specs``).
    """
    frame = json.loads(frame_text)
    persisted = Persisted(frame=frame_text)
    workflow = SteadyflowWorkflow(
        spec, subprocess_specs, script_engine=script_engine, definition_id=definition_id, deserializing=True
    )
    by_workflow: dict[str, list[TaskRow]] = {}
    children: dict[str | None, list[UUID]] = {}
    for row in sorted(rows, key=lambda r: r.seq):
        children.setdefault(row.parent_id, []).append(UUID(row.id))
    for row in sorted(rows, key=lambda r: (r.depth, r.seq)):
        by_workflow.setdefault(row.workflow_id, []).append(row)
    persisted.next_seq = max((r.seq for r in rows), default=-1) + 1

    _fill(workflow, by_workflow.get("", []), frame, "", blob, persisted, children)
    pending = dict(frame.get("subprocesses", {}))
    # Parents before children: a subprocess can be created once its task exists.
    while pending:
        progressed = False
        for sp_id, sp_frame in list(pending.items()):
            owner = _restored_task(workflow, UUID(sp_id))
            if owner is None:
                continue  # its owner is in a subprocess not rebuilt yet (the frame is sorted by id)
            key = sp_frame["spec"]
            if key not in subprocess_specs:
                raise ValueError(f"subprocess {sp_id} runs spec {key!r}, which the definition does not have")
            subprocess = SteadyflowSubWorkflow(
                subprocess_specs[key], owner.id, workflow, owner.workflow, spec_key=key, deserializing=True
            )
            workflow.subprocesses[owner.id] = subprocess
            _fill(subprocess, by_workflow.get(sp_id, []), sp_frame, sp_id, blob, persisted, children)
            subprocess.completed_event.connect(owner.task_spec._on_subworkflow_completed, owner)
            del pending[sp_id]
            progressed = True
        if not progressed:
            raise ValueError(f"subprocesses {sorted(pending)} have no owning task in the stored rows")
    start_tracking(workflow, persisted)
    return workflow, persisted


def _restored_task(workflow: Any, task_id: UUID) -> Any:
    """The task of that id in the workflow or a subprocess rebuilt so far, else None (SpiffWorkflow raises)."""
    for scope in (workflow, *workflow.subprocesses.values()):
        task = scope.tasks.get(task_id)
        if task is not None:
            return task
    return None


def _fill(
    workflow: Any,
    rows: list[TaskRow],
    frame: dict[str, Any],
    key: str,
    blob: Callable[[str], str],
    persisted: Persisted,
    children: dict[str | None, list[UUID]],
) -> None:
    top = workflow.top_workflow
    for row in rows:
        task_spec = workflow.spec.task_specs.get(row.spec_name)
        if task_spec is None:
            raise ValueError(f"task {row.id} uses spec {row.spec_name!r}, which the definition does not have")
        task = Task(workflow, task_spec, state=row.state, id=UUID(row.id))
        task._parent = UUID(row.parent_id) if row.parent_id else None
        task._children = list(children.get(row.id, []))
        task.last_state_change = row.last_state_change
        task.triggered = row.triggered
        task.data, data_refs = _decode_manifest(json.loads(row.data), blob)
        task.internal_data, internal_refs = _decode_manifest(json.loads(row.internal), blob)
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            top.event_manager.add_task(task)
        memory = persisted.tasks[row.id] = persisted.by_uuid[task.id] = TaskMemory(row, data_refs, internal_refs)
        if memory.internal_has_dict:
            persisted.dict_internal.add(task.id)
    workflow.task_tree = workflow.tasks.get(UUID(frame["root"]))
    workflow.data, refs = _decode_manifest(frame["data"], blob)
    persisted.workflow_data[key] = refs
    workflow.correlations = frame.get("correlations", {})
    workflow.success = frame.get("success", True)
    workflow.completed = frame.get("completed", False)
    last = frame.get("last_task")
    workflow.last_task = workflow.tasks.get(UUID(last)) if last else None
