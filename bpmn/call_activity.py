"""Call activities: which variables go into the called process and which come back.

Camunda 7 passes nothing unless ``camunda:in`` says so (``variables="all"``,
``source``/``sourceExpression`` -> ``target``), and returns nothing unless
``camunda:out`` says so. Camunda 8 passes and returns everything unless
``zeebe:calledElement`` turns that off, with ``zeebe:ioMapping`` for the rest.
Plain BPMN passes and returns everything.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.defaults import CallActivity

from bpmn.dialects.camunda7 import CAMUNDA_NAMESPACES
from bpmn.dialects.definitions import IoMapping, Template
from bpmn.dialects.templates import evaluate_template, template_from_text
from bpmn.dialects.xml_helpers import children, first_child
from bpmn.dialects.zeebe import ZEEBE_NS, read_io_mapping

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


def called_process_id(node: etree._Element) -> str | None:
    if node.get("calledElement"):
        return str(node.get("calledElement"))
    ext = first_child(node, BPMN_NS, "extensionElements")
    called = first_child(ext, ZEEBE_NS, "calledElement") if ext is not None else None
    return str(called.get("processId")) if called is not None and called.get("processId") else None


class MappedCallActivity(CallActivity):  # type: ignore[misc]
    """A call activity that moves variables as Camunda does (see the module docstring)."""

    def __init__(
        self, wf_spec: Any, bpmn_id: str, subworkflow_spec: Any, mapping: CallMapping | None = None, **kwargs: Any
    ) -> None:
        super().__init__(wf_spec, bpmn_id, subworkflow_spec, **kwargs)
        self.mapping = mapping or CallMapping()

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
