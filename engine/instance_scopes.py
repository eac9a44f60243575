"""Variables per scope, read from task rows' manifests (pure: the caller fetches the blobs).

SpiffWorkflow keeps data on tasks, not scopes. Camunda's scopes are rebuilt here: the process
scope is what its own active tasks hold (or, once it ended, its final data); an inner instance of
a multi-instance activity holds its item and ``loopCounter`` and whatever it changed relative to
its body; a subprocess holds what its tasks changed relative to the data it entered with. The
process scope therefore never shows an inner instance's item or loop counter.
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
    kind: str  # process | inner instance | subprocess
    variables: dict[str, str]
    """name -> content hash."""
    active: bool


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
    ) -> Scopes:
        """The process scope, then inner instances and subprocesses (only live ones with ``live_only``)."""
        ordered = sorted(rows, key=lambda r: r.seq)
        by_id = {r.id: r for r in ordered}
        inner = {r.id for r in ordered if is_inner_instance(r, by_id.get(r.parent_id or ""))}
        by_workflow: dict[str, list[TaskRow]] = {}
        for row in ordered:
            if row.id not in inner:
                by_workflow.setdefault(row.workflow_id or instance.id, []).append(row)
        found = cls([Scope(instance.id, "process", _process_scope(instance, by_workflow, manifests), True)])
        for row in ordered:
            if live_only and row.state not in LIVE:
                continue
            if row.id in inner:
                body = by_id[row.parent_id or ""]
                own = _live_merge(by_workflow.get(row.id, []), manifests) or manifests.get(row.id, {})
                loop_inputs = models.model_of(row).loop_inputs  # a called child's activity: the child's model
                keep = {LOOP_COUNTER, loop_inputs.get(row.element_id or "", LOOP_COUNTER)}
                local = _changed(own, manifests.get(body.id, {}), keep)
                found.scopes.append(Scope(row.id, "inner instance", local, row.state in LIVE))
            elif row.kind == "subprocess" and row.state in LIVE:
                own = _live_merge(by_workflow.get(row.id, []), manifests)
                found.scopes.append(Scope(row.id, "subprocess", _changed(own, manifests.get(row.id, {}), set()), True))
        return found


def _live_merge(rows: list[TaskRow], manifests: Mapping[str, dict[str, str]]) -> dict[str, str]:
    """What the live tasks of one workflow hold, the earliest task's value first (as the engine shows it)."""
    merged: dict[str, str] = {}
    for row in rows:
        if row.state in LIVE and row.kind != "internal":
            for name, value in manifests.get(row.id, {}).items():
                merged.setdefault(name, value)
    return merged


def _process_scope(
    instance: InstanceRecord, by_workflow: Mapping[str, list[TaskRow]], manifests: Mapping[str, dict[str, str]]
) -> dict[str, str]:
    top = by_workflow.get(instance.id, [])
    if instance.state == "running":
        live = _live_merge(top, manifests)
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
