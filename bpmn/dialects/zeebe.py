"""Camunda 8 (``zeebe:``) extension elements: task definitions, I/O mappings, headers, loops."""

from __future__ import annotations

from lxml import etree

from bpmn.dialects.definitions import IoMapping, JobDefinition, LoopDefinition, RetrySettings
from bpmn.dialects.templates import canonical_expression, template_from_text
from bpmn.dialects.xml_helpers import children, first_child
from steadyflow.errors import Problem

ZEEBE_NS = ("http://camunda.org/schema/zeebe/1.0",)
BPMN_NS = ("http://www.omg.org/spec/BPMN/20100524/MODEL",)


def _extensions(node: etree._Element) -> etree._Element | None:
    return first_child(node, BPMN_NS, "extensionElements")


def read_io_mapping(node: etree._Element) -> tuple[tuple[IoMapping, ...], tuple[IoMapping, ...]]:
    ext = _extensions(node)
    io = first_child(ext, ZEEBE_NS, "ioMapping") if ext is not None else None
    if io is None:
        return (), ()
    inputs = tuple(
        IoMapping(m.get("target", ""), template_from_text(m.get("source", ""), "camunda8"))
        for m in children(io, ZEEBE_NS, "input")
    )
    outputs = tuple(
        IoMapping(m.get("target", ""), template_from_text(m.get("source", ""), "camunda8"))
        for m in children(io, ZEEBE_NS, "output")
    )
    return inputs, outputs


def read_zeebe_job(node: etree._Element, problems: list[Problem], file: str | None) -> JobDefinition | None:
    ext = _extensions(node)
    task_def = first_child(ext, ZEEBE_NS, "taskDefinition") if ext is not None else None
    if task_def is None:
        return None
    job_type = task_def.get("type", "").strip()
    if not job_type:
        problems.append(
            Problem(
                "zeebe:taskDefinition has no type",
                element_id=node.get("id"),
                line=task_def.sourceline,
                file=file,
                hint="set the Job type in Camunda Modeler's Task definition section",
            )
        )
    retries_text = task_def.get("retries", "").strip()
    retries = RetrySettings()
    if retries_text:
        try:
            retries = RetrySettings(max_attempts=max(1, int(retries_text)))
        except ValueError:
            problems.append(
                Problem(
                    f"zeebe:taskDefinition retries {retries_text!r} is not a whole number",
                    element_id=node.get("id"),
                    line=task_def.sourceline,
                    file=file,
                    hint="write the number of attempts, such as 3",
                )
            )
    headers_node = first_child(ext, ZEEBE_NS, "taskHeaders") if ext is not None else None
    headers = (
        {h.get("key", ""): h.get("value", "") for h in children(headers_node, ZEEBE_NS, "header")}
        if headers_node is not None
        else {}
    )
    inputs, outputs = read_io_mapping(node)
    return JobDefinition(
        type=template_from_text(job_type or node.get("id", ""), "camunda8"),
        dialect="camunda8",
        inputs=inputs,
        outputs=outputs,
        headers=headers,
        retries=retries,
    )


def read_zeebe_loop(mi_node: etree._Element, sequential: bool) -> LoopDefinition | None:
    """zeebe:loopCharacteristics inside bpmn:multiInstanceLoopCharacteristics."""
    ext = _extensions(mi_node)
    loop = first_child(ext, ZEEBE_NS, "loopCharacteristics") if ext is not None else None
    if loop is None:
        return None
    condition = first_child(mi_node, BPMN_NS, "completionCondition")
    output_element = loop.get("outputElement")
    return LoopDefinition(
        sequential=sequential,
        input_collection=template_from_text(loop.get("inputCollection", ""), "camunda8"),
        input_element=loop.get("inputElement") or None,
        output_collection=loop.get("outputCollection") or None,
        output_element=template_from_text(output_element, "camunda8") if output_element else None,
        completion_condition=(
            canonical_expression(condition.text) if condition is not None and (condition.text or "").strip() else None
        ),
    )
