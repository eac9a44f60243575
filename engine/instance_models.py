"""Which deployed model each task of an instance comes from: the instance's own, or a called child's (pure).

A call activity runs its child inside the caller's workflow (a SpiffWorkflow subprocess), so the
child's tasks are rows of the parent instance. Their element ids are the CHILD's: they are named
and typed from the child's model, and they are no elements of the parent's diagram (a child's
``StartEvent_1`` must not light up the parent's). The instance's frame says which spec each of
its subprocesses runs (``engine.spiff.children``): a called child's key is its definition id, the
child's own subprocesses run under ``<definition id>/<spec name>``, and the caller's embedded
subprocesses under their plain element id. That is all this module reads; the caller looks up the
models by definition id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.model_map import ModelMap
from engine.spiff.children import called_definition_id, is_call_key
from engine.store.records import TaskRow


@dataclass(frozen=True)
class CallScopes:
    """Workflow id -> the definition whose model it runs, for one instance (from its frame)."""

    definition_id: str
    """The instance's own definition: its top-level workflow and embedded subprocesses run it."""
    workflows: Mapping[str, str] = field(default_factory=dict)
    """Workflow (owner task) id -> definition id, for the workflows of called children only."""
    calls: Mapping[str, str] = field(default_factory=dict)
    """Call activity task id -> the definition id its child runs (only calls that resolved)."""

    @classmethod
    def of(cls, definition_id: str, frame_text: str | None) -> CallScopes:
        try:
            frame = json.loads(frame_text) if frame_text else {}
        except ValueError:
            frame = {}
        subprocesses = frame.get("subprocesses") if isinstance(frame, dict) else None
        workflows: dict[str, str] = {}
        calls: dict[str, str] = {}
        for workflow_id, sub in (subprocesses or {}).items():
            key = str(sub.get("spec", "")) if isinstance(sub, dict) else ""
            if not is_call_key(key):
                continue  # an embedded subprocess of the instance's own model
            called = called_definition_id(key)
            workflows[str(workflow_id)] = called
            if called == key:  # the child process itself, not one of its embedded subprocesses
                calls[str(workflow_id)] = called
        return cls(definition_id, workflows, calls)

    def definition_of(self, workflow_id: str | None) -> str:
        """The definition whose model holds the tasks of workflow ``workflow_id`` ('' = the top-level one)."""
        return self.workflows.get(workflow_id or "", self.definition_id)

    def is_own(self, workflow_id: str | None) -> bool:
        """Are that workflow's tasks elements of the instance's own diagram?"""
        return (workflow_id or "") not in self.workflows

    def definitions(self) -> list[str]:
        """The instance's definition, then every definition its calls ran, each once."""
        return list(dict.fromkeys([self.definition_id, *self.workflows.values()]))

    def diagram_elements(self, rows: Iterable[TaskRow]) -> dict[str, str]:
        """task id -> the element of the instance's own diagram it shows on.

        A task of the own model shows on its element; a called child's task on the (outermost) call
        activity that runs it, as Cockpit and Operate mark a call activity whose child has an incident.
        """
        by_id = {r.id: r for r in rows}
        found: dict[str, str] = {}
        for row in by_id.values():
            current: TaskRow | None = row
            hops = 0
            while current is not None and not self.is_own(current.workflow_id) and hops <= len(by_id):
                current = by_id.get(current.workflow_id)  # the task that owns this workflow
                hops += 1
            if current is not None and current.element_id and self.is_own(current.workflow_id):
                found[row.id] = current.element_id
        return found


@dataclass(frozen=True)
class ModelInfo:
    """One deployed model as the monitor shows it: who it is, its element names, types and flows."""

    definition_id: str
    key: str
    version: int
    name: str | None
    model: ModelMap
    names: Mapping[str, str]

    def called(self) -> dict[str, Any]:
        """What a call activity node says about the child it runs."""
        return {"definition_id": self.definition_id, "key": self.key, "version": self.version, "name": self.name}


def unknown_model(definition_id: str) -> ModelInfo:
    """A definition whose record is gone: its id's key and version, no names (elements show their ids)."""
    key, _, rest = definition_id.partition(":")
    version = rest.partition(":")[0]
    return ModelInfo(definition_id, key, int(version) if version.isdigit() else 0, None, ModelMap(), {})


@dataclass(frozen=True)
class InstanceModels:
    """The models of one instance's tasks: which one each workflow runs, and each model's map and names."""

    scopes: CallScopes
    models: Mapping[str, ModelInfo]
    """definition id -> model, for every definition in ``scopes.definitions()``."""

    @classmethod
    def of(cls, scopes: CallScopes, load: Callable[[str], ModelInfo]) -> InstanceModels:
        return cls(scopes, {d: load(d) for d in scopes.definitions()})

    @property
    def own(self) -> ModelInfo:
        return self.models[self.scopes.definition_id]

    def info(self, workflow_id: str | None) -> ModelInfo:
        definition_id = self.scopes.definition_of(workflow_id)
        return self.models.get(definition_id) or unknown_model(definition_id)

    def model_of(self, row: TaskRow) -> ModelMap:
        return self.info(row.workflow_id).model

    def name_of(self, row: TaskRow) -> str:
        element = row.element_id or ""
        return self.info(row.workflow_id).names.get(element, element)

    def called_by(self, task_id: str) -> ModelInfo | None:
        """The child a call activity task runs, once its call resolved."""
        definition_id = self.scopes.calls.get(task_id)
        if definition_id is None:
            return None
        return self.models.get(definition_id) or unknown_model(definition_id)
