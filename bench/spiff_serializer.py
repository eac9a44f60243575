"""SpiffWorkflow's own whole-workflow serializer, taught steadyflow's custom task specs.

This is what someone embedding SpiffWorkflow by hand would write to persist a
workflow: ``BpmnWorkflowSerializer`` with ``DEFAULT_CONFIG`` plus one converter
per custom spec class. The benchmark's variant (b) uses it to re-serialize the
whole workflow after every step.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default import BpmnProcessSpecConverter
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec

from bpmn.dialects.definitions import JobDefinition, LoopDefinition
from bpmn.script_engine import ExpressionEngine
from bpmn.specs import ExpressionScriptTask, JobTask, MultiInstanceActivity, PassThroughTask
from bpmn.specs.io_scope import MAPPED_SPECS


class SteadyflowSpecConverter(BpmnTaskSpecConverter):  # type: ignore[misc]
    """Stores the attributes steadyflow's specs add on top of SpiffWorkflow's defaults."""

    def to_dict(self, spec: Any) -> dict[str, Any]:
        dct: dict[str, Any] = self.get_default_attributes(spec)
        if isinstance(spec, JobTask):
            dct["job"] = spec.job.as_dict()
        elif isinstance(spec, MultiInstanceActivity):
            dct["loop"] = spec.loop.as_dict()
            dct["task_spec"] = spec.task_spec
        elif isinstance(spec, ExpressionScriptTask):
            dct["expression"] = spec.expression
            dct["result_variable"] = spec.result_variable
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        child_spec: str | None = None
        if "job" in dct:
            dct["job"] = JobDefinition.from_dict(dct["job"])
        if "loop" in dct:
            dct["loop"] = LoopDefinition.from_dict(dct["loop"])
            child_spec = dct.pop("task_spec")
        spec = self.task_spec_from_dict(dct)
        if child_spec is not None:
            spec.task_spec = child_spec
        return spec


class SteadyflowProcessSpecConverter(BpmnProcessSpecConverter):  # type: ignore[misc]
    """Restores a process spec and reconnects each multi-instance activity to its child spec.

    The parser connects ``child.completed_event`` to ``MultiInstanceActivity.merge_child``;
    a spec rebuilt from a dict has lost that signal connection.
    """

    def from_dict(self, dct: dict[str, Any]) -> Any:
        spec = super().from_dict(dct)
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, MultiInstanceActivity) and task_spec.task_spec in spec.task_specs:
                child = spec.task_specs[task_spec.task_spec]
                if not child.completed_event.is_connected(task_spec.merge_child):
                    child.completed_event.connect(task_spec.merge_child)
        return spec


def make_serializer() -> BpmnWorkflowSerializer:
    config: dict[Any, Any] = dict(DEFAULT_CONFIG)
    config[BpmnProcessSpec] = SteadyflowProcessSpecConverter
    for cls in (JobTask, MultiInstanceActivity, PassThroughTask, ExpressionScriptTask):
        config[cls] = SteadyflowSpecConverter
    # The specs that only add input/output mappings are SpiffWorkflow's own, converted as those are (the
    # benchmark's model maps nothing; a mapping itself is not serialized).
    for cls in MAPPED_SPECS:
        base = next(base for base in cls.__mro__[1:] if base in DEFAULT_CONFIG)
        config[cls] = DEFAULT_CONFIG[base]
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def deserialize(serializer: BpmnWorkflowSerializer, text: str) -> Any:
    """A live workflow from JSON text, running expressions with steadyflow's script engine."""
    workflow = serializer.deserialize_json(text)
    workflow.script_engine = ExpressionEngine()
    return workflow


__all__ = ["deserialize", "make_serializer"]
