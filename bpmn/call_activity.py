"""Call activities: which variables go into the called process and which come back.

Camunda 7 passes nothing unless ``camunda:in`` says so (``variables="all"``,
``source``/``sourceExpression`` -> ``target``), and returns nothing unless
``camunda:out`` says so. Camunda 8 passes and returns everything unless
``zeebe:calledElement`` turns that off, with ``zeebe:ioMapping`` for the rest.
Plain BPMN passes and returns everything.

Which process runs is decided when the call activity runs, not at deploy: the binding
(``bpmn.dialects.call_binding``) is evaluated over the variables, and the engine's resolver
(``script_engine.called_processes``) finds the definition and hands back its specs, which join
the instance's subprocess specs under a key naming that definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, Protocol

from lxml import etree
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.specs.base import TaskSpec

from bpmn.dialects.call_binding import CallBinding, CallRequest
from bpmn.dialects.camunda7 import CAMUNDA_NAMESPACES
from bpmn.dialects.definitions import IoMapping, Template
from bpmn.dialects.templates import evaluate_template, template_from_text
from bpmn.dialects.xml_helpers import children, first_child
from bpmn.dialects.zeebe import ZEEBE_NS, read_io_mapping
from steadyflow.errors import ModelError

BPMN_NS = ("http://www.omg.org/spec/BPMN/20100524/MODEL",)


@dataclass(frozen=True)
class CallMapping:
    inputs_all: bool = True
    outputs_all: bool = True
    inputs: tuple[IoMapping, ...] = field(default_factory=tuple)
    outputs: tuple[IoMapping, ...] = field(default_factory=tuple)


def _c7_mapping(node: etree._Element, tag: str) -> tuple[bool, tuple[IoMapping, ...]] | None:
    ext = first_child(node, BPMN_NS, "extensionElements")
    if ext is None:
        return None
    found = children(ext, CAMUNDA_NAMESPACES, tag)
    if not found:
        return None
    everything = any(item.get("variables") == "all" for item in found)
    mappings = []
    for item in found:
        target = item.get("target")
        if not target:
            continue
        source: Template
        if item.get("sourceExpression"):
            source = template_from_text(item.get("sourceExpression"), "camunda7")
        else:
            source = {"var": item.get("source") or target}
        mappings.append(IoMapping(target, source))
    return everything, tuple(mappings)


def read_call_mapping(node: etree._Element) -> CallMapping:
    ext = first_child(node, BPMN_NS, "extensionElements")
    called = first_child(ext, ZEEBE_NS, "calledElement") if ext is not None else None
    if called is not None:
        inputs, outputs = read_io_mapping(node)
        return CallMapping(
            inputs_all=called.get("propagateAllParentVariables", "true") != "false",
            outputs_all=called.get("propagateAllChildVariables", "true") != "false",
            inputs=inputs,
            outputs=outputs,
        )
    c7_in, c7_out = _c7_mapping(node, "in"), _c7_mapping(node, "out")
    if c7_in is not None or c7_out is not None or any(k.startswith("{http://camunda.org") for k in node.attrib):
        ins = c7_in or (False, ())
        outs = c7_out or (False, ())
        return CallMapping(inputs_all=ins[0], outputs_all=outs[0], inputs=ins[1], outputs=outs[1])
    return CallMapping()


@dataclass(frozen=True)
class CalledSpecs:
    """A resolved call: the key of the called process's spec, and every spec the child needs, by key."""

    key: str
    specs: Mapping[str, Any]


class CalledProcessResolver(Protocol):
    """``script_engine.called_processes``, given by the engine: finds the definition a call runs.

    Raises a SteadyflowError naming the process and binding when there is none.
    """

    def __call__(self, task: Any, request: CallRequest) -> CalledSpecs: ...


class MappedCallActivity(CallActivity):  # type: ignore[misc]
    """A call activity that moves variables as Camunda does (see the module docstring)."""

    def __init__(
        self,
        wf_spec: Any,
        bpmn_id: str,
        subworkflow_spec: Any,
        mapping: CallMapping | None = None,
        binding: CallBinding | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(wf_spec, bpmn_id, subworkflow_spec, **kwargs)
        self.mapping = mapping or CallMapping()
        self.binding = binding or CallBinding({"literal": str(subworkflow_spec)})

    def _update_hook(self, my_task: Any) -> Any:
        subprocess = my_task.workflow.top_workflow.subprocesses.get(my_task.id)
        if subprocess is not None:
            return subprocess.completed
        # Ready, not started: the child is resolved and started when the task runs. Resolving here,
        # while a predecessor completes, would leave that predecessor's other successors un-updated
        # when the called process is missing; a run that fails is an incident on this task alone.
        return TaskSpec._update_hook(self, my_task)

    def _run_hook(self, my_task: Any) -> Any:
        if my_task.workflow.top_workflow.subprocesses.get(my_task.id) is not None:
            return super()._run_hook(my_task)  # the child completed: this task completes
        self.start_workflow(my_task)
        return None  # started: waits for its child

    def start_workflow(self, my_task: Any) -> None:
        resolver: CalledProcessResolver | None = getattr(my_task.workflow.script_engine, "called_processes", None)
        if resolver is None:
            raise ModelError(f"call activity '{self.bpmn_id}' calls a process, but this engine resolves none here")
        request = self.binding.request(my_task.data, self.bpmn_id, str(my_task.id))
        called = resolver(my_task, request)
        top = my_task.workflow.top_workflow
        for key, spec in called.specs.items():
            top.subprocess_specs.setdefault(key, spec)
        subworkflow = top.create_subprocess(my_task, called.key)
        subworkflow.completed_event.connect(self._on_subworkflow_completed, my_task)
        self.copy_data(my_task, subworkflow)
        subworkflow.get_next_task(spec_name="Start").run()

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        values: dict[str, Any] = deepcopy(my_task.data) if self.mapping.inputs_all else {}
        for mapping in self.mapping.inputs:
            values[mapping.target] = evaluate_template(mapping.source, my_task.data)
        start.set_data(**values)

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        child = subworkflow.last_task.data if subworkflow.last_task is not None else {}
        if self.mapping.outputs_all:
            my_task.data.update(deepcopy(child))
        for mapping in self.mapping.outputs:
            my_task.data[mapping.target] = evaluate_template(mapping.source, child)
