"""How a called child's specs are keyed in an instance: under the definition id the call resolved to.

A call activity's child runs under the spec key ``<definition id>`` and the child's own subprocesses
under ``<definition id>/<spec name>`` (``engine.called_processes`` resolves the call). The frame
records each subprocess's key, so the definition of every child an instance called is read back
from the frame alone. Element ids never contain ':', definition ids always do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from bpmn.call_activity import MappedCallActivity


def is_call_key(spec_key: str) -> bool:
    """Does this subprocess spec key name a called definition? (Element ids never hold ':'.)"""
    return ":" in spec_key


def called_definition_id(spec_key: str) -> str:
    """The definition id in a called spec key (``child:2:ab12`` or ``child:2:ab12/Sub_1``)."""
    return spec_key.split("/", 1)[0]


def called_definitions_in(frame_text: str) -> list[str]:
    """The definition ids of the called processes an instance's frame records, in first-seen order."""
    frame = json.loads(frame_text) if frame_text else {}
    found: dict[str, None] = {}
    for sp_frame in frame.get("subprocesses", {}).values():
        key = str(sp_frame.get("spec", ""))
        if is_call_key(key):
            found.setdefault(called_definition_id(key), None)
    return list(found)


def as_child(definition_id: str, spec: Any, subprocess_specs: Mapping[str, Any]) -> dict[str, Any]:
    """A freshly parsed model's specs as a called child: keyed under its definition id.

    Renames, in place, what its subprocess tasks call (so ``spec`` and ``subprocess_specs`` must be
    this child's own copies, never the cached top-level model): two versions of one child, or a
    child and its caller, may hold subprocesses of the same element id.
    """
    for owner in (spec, *subprocess_specs.values()):
        for task_spec in owner.task_specs.values():
            if isinstance(task_spec, SubWorkflowTask) and not isinstance(task_spec, MappedCallActivity):
                task_spec.spec = f"{definition_id}/{task_spec.spec}"
    specs = {definition_id: spec}
    specs.update({f"{definition_id}/{name}": sub for name, sub in subprocess_specs.items()})
    return specs


def owner_definition(task: Any) -> str | None:
    """The definition whose model holds ``task``: its called child's, else the instance's."""
    called, top = _walk_up(task)
    return called if called is not None else getattr(top, "definition_id", None)


def called_definition(task: Any) -> str | None:
    """The definition of the (innermost) called child whose model holds ``task``; None: the instance's own."""
    return _walk_up(task)[0]


def _walk_up(task: Any) -> tuple[str | None, Any]:
    """From ``task``'s workflow up: the first called child's definition (or None), and where the walk stopped."""
    workflow = task.workflow
    while True:
        key = getattr(workflow, "spec_key", None)
        if key is not None and is_call_key(key):
            return called_definition_id(key), workflow
        parent = getattr(workflow, "parent_steadyflow_workflow", None)
        if parent is None or parent is workflow:
            return None, workflow
        workflow = parent
