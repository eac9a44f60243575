"""Variables per scope, read from task rows' manifests (pure: the caller fetches the blobs).

SpiffWorkflow keeps data on tasks, not scopes. Camunda's scopes are rebuilt here: the process
scope is what its own active tasks hold (or, once it ended, its final data); an inner instance of
a multi-instance activity holds its item and ``loopCounter`` and whatever it changed relative to
its body; a subprocess holds what its tasks changed relative to the data it entered with. The
process scope therefore never shows an inner instance's item or loop counter.

A task inside its own mapped scope (a waiting user task with inputs) holds the process's variables
and its inputs' targets in one row; what it entered with (its ``io_entry``, read by the caller into
:class:`Entered`) is its share of the process scope, and its inputs' targets are its own scope, as
``engine.spiff.variable_scopes`` reports them from the live workflow. A waiting job's inputs are
its job's variables, never the task's data: the caller passes them too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.activity_tree import ACTIVE, COMPLETED, ERROR, LOOP_COUNTER, is_inner_instance
from engine.instance_models import InstanceModels
from engine.store.records import InstanceRecord, TaskRow

LIVE = (*ACTIVE, ERROR)


@dataclass
class Scope:
    id: str
    kind: str  # process | inner instance | subprocess | task
    variables: dict[str, str]
    """name -> content hash."""
    active: bool


@dataclass(frozen=True)
class Entered:
    """What task rows alone do not say about local scopes (name -> content hash, by task id)."""

    entries: Mapping[str, dict[str, str]] = field(default_factory=dict)
    """A live task inside its own mapped scope -> the variables it entered with (its share of the process's)."""
    job_variables: Mapping[str, dict[str, str]] = field(default_factory=dict)
    """A job task waiting for its job -> the job's variables (its inputs' targets among them)."""


@dataclass
class Scopes:
    scopes: list[Scope] = field(default_factory=list)

    def hashes(self) -> set[str]:
        return {h for scope in self.scopes for h in scope.variables.values()}

    @classmethod
    def of(
        cls,
        instance: InstanceRecord,
        rows: list[TaskRow],
        models: InstanceModels,
        manifests: Mapping[str, dict[str, str]],
        *,
        live_only: bool = False,
        entered: Entered | None = None,
    ) -> Scopes:
        """The process scope, then inner instances, subprocesses and mapped tasks (``live_only``: the live ones)."""
        entered = entered or Entered()
        ordered = sorted(rows, key=lambda r: r.seq)
        by_id = {r.id: r for r in ordered}
        inner = {r.id for r in ordered if is_inner_instance(r, by_id.get(r.parent_id or ""))}
        by_workflow: dict[str, list[TaskRow]] = {}
        for row in ordered:
            if row.id not in inner:
                by_workflow.setdefault(row.workflow_id or instance.id, []).append(row)
        views = {**manifests, **entered.entries}  # what each task holds of the scope around it
        found = cls([Scope(instance.id, "process", _process_scope(instance, by_workflow, manifests, views), True)])
        for row in ordered:
            if live_only and row.state not in LIVE:
                continue
            if row.id in inner:
                body = by_id[row.parent_id or ""]
                own = _live_merge(by_workflow.get(row.id, []), views) or manifests.get(row.id, {})
                loop_inputs = models.model_of(row).loop_inputs  # a called child's activity: the child's model
                keep = {LOOP_COUNTER, loop_inputs.get(row.element_id or "", LOOP_COUNTER)}
                local = _changed(own, manifests.get(body.id, {}), keep)
                if row.state in LIVE:  # an inner instance that is itself a mapped task: its inputs are its own too
                    local.update(_task_locals(row, models, manifests, entered))
                found.scopes.append(Scope(row.id, "inner instance", local, row.state in LIVE))
            elif row.kind == "subprocess" and row.state in LIVE:
                own = _live_merge(by_workflow.get(row.id, []), views)
                keep = set(models.model_of(row).local_inputs.get(row.element_id or "", ()))
                found.scopes.append(Scope(row.id, "subprocess", _changed(own, manifests.get(row.id, {}), keep), True))
            elif row.state in LIVE and (local := _task_locals(row, models, manifests, entered)):
                found.scopes.append(Scope(row.id, "task", local, True))
        return found


def _task_locals(
    row: TaskRow, models: InstanceModels, manifests: Mapping[str, dict[str, str]], entered: Entered
) -> dict[str, str]:
    """A task's own variables: its inputs' targets while it is inside its mapped scope, or its job's."""
    names = models.model_of(row).local_inputs.get(row.element_id or "")
    if not names:
        return {}
    if row.id in entered.entries:
        held = manifests.get(row.id, {})
    elif row.kind == "job" and row.state != ERROR:
        held = entered.job_variables.get(row.id, {})
    else:
        return {}
    return {k: held[k] for k in sorted(names) if k in held}


def _live_merge(rows: list[TaskRow], manifests: Mapping[str, dict[str, str]]) -> dict[str, str]:
    """What the live tasks of one workflow hold, the earliest task's value first (as the engine shows it)."""
    merged: dict[str, str] = {}
    for row in rows:
        if row.state in LIVE and row.kind != "internal":
            for name, value in manifests.get(row.id, {}).items():
                merged.setdefault(name, value)
    return merged


def _process_scope(
    instance: InstanceRecord,
    by_workflow: Mapping[str, list[TaskRow]],
    manifests: Mapping[str, dict[str, str]],
    views: Mapping[str, dict[str, str]],
) -> dict[str, str]:
    top = by_workflow.get(instance.id, [])
    if instance.state == "running":
        live = _live_merge(top, views)
        if live:
            return live
    frame = json.loads(instance.frame) if instance.frame else {}
    data = frame.get("data") if isinstance(frame, dict) else None
    if isinstance(data, dict) and data:
        return {k: v for k, v in data.items() if k != "data_objects" and isinstance(v, str)}
    ended: dict[str, str] = {}
    for row in top:
        if row.state == COMPLETED:
            ended.update(manifests.get(row.id, {}))
    return ended


def _changed(own: Mapping[str, str], enclosing: Mapping[str, str], keep: set[str]) -> dict[str, str]:
    return {k: h for k, h in own.items() if k in keep or enclosing.get(k) != h}


def scope_variables(scopes: Scopes, values: Mapping[str, Any], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each scope with its decoded variables, the process first, then inner instances and subprocesses."""
    result = []
    for scope in scopes.scopes:
        result.append(
            {
                "id": scope.id,
                "kind": scope.kind,
                "label": "Process" if scope.kind == "process" else labels.get(scope.id, scope.id),
                "active": scope.active,
                "variables": {k: values[h] for k, h in sorted(scope.variables.items()) if h in values},
            }
        )
    return result
