"""Camunda 7 (``camunda:``) extension elements: jobs, I/O mappings, retries, loops."""

from __future__ import annotations

import re

from lxml import etree

from bpmn.dialects.definitions import IoMapping, JobDefinition, RetrySettings, Template
from bpmn.dialects.templates import template_from_text
from bpmn.dialects.xml_helpers import children, first_child
from bpmn.parameter_scripts import script_template
from steadyflow.errors import Problem

CAMUNDA_NAMESPACES = (
    "http://camunda.org/schema/1.0/bpmn",
    "http://operaton.org/schema/1.0/bpmn",
)
_JUEL_BODY = re.compile(r"^\s*[$#]\{\s*(.*?)\s*\}\s*$", re.S)


def camunda_attr(node: etree._Element, name: str) -> str | None:
    for ns in CAMUNDA_NAMESPACES:
        value = node.get(f"{{{ns}}}{name}")
        if value is not None:
            return str(value)
    return None


def _juel_body(text: str) -> str:
    match = _JUEL_BODY.match(text)
    return match.group(1) if match else text.strip()


def read_value(node: etree._Element, problems: list[Problem], file: str | None) -> Template:
    """Read an inputParameter/outputParameter body: text, camunda:list or camunda:map."""
    lst = first_child(node, CAMUNDA_NAMESPACES, "list")
    if lst is not None:
        return {"list": [read_value(v, problems, file) for v in children(lst, CAMUNDA_NAMESPACES, "value")]}
    mapping = first_child(node, CAMUNDA_NAMESPACES, "map")
    if mapping is not None:
        return {
            "map": {
                entry.get("key", ""): read_value(entry, problems, file)
                for entry in children(mapping, CAMUNDA_NAMESPACES, "entry")
            }
        }
    script = first_child(node, CAMUNDA_NAMESPACES, "script")
    if script is not None:
        # Whether it may run is decided with the operator's options (bpmn.checks -> parameter_scripts).
        return script_template(script)
    return template_from_text(node.text or "", "camunda7")


def _owner_id(node: etree._Element) -> str | None:
    current: etree._Element | None = node
    while current is not None:
        if current.get("id") and not isinstance(current, etree._Comment):
            return str(current.get("id"))
        current = current.getparent()
    return None


def read_io(
    node: etree._Element, problems: list[Problem], file: str | None
) -> tuple[tuple[IoMapping, ...], tuple[IoMapping, ...]]:
    """camunda:inputOutput of a task: (inputs, outputs)."""
    ext = first_child(node, ("http://www.omg.org/spec/BPMN/20100524/MODEL",), "extensionElements")
    if ext is None:
        return (), ()
    io = first_child(ext, CAMUNDA_NAMESPACES, "inputOutput")
    if io is None:
        return (), ()
    inputs = tuple(
        IoMapping(p.get("name", ""), read_value(p, problems, file))
        for p in children(io, CAMUNDA_NAMESPACES, "inputParameter")
    )
    outputs = tuple(
        IoMapping(p.get("name", ""), read_value(p, problems, file))
        for p in children(io, CAMUNDA_NAMESPACES, "outputParameter")
    )
    return inputs, outputs


def read_properties(node: etree._Element) -> dict[str, str]:
    ext = first_child(node, ("http://www.omg.org/spec/BPMN/20100524/MODEL",), "extensionElements")
    if ext is None:
        return {}
    props = first_child(ext, CAMUNDA_NAMESPACES, "properties")
    if props is None:
        return {}
    return {p.get("name", ""): p.get("value", "") for p in children(props, CAMUNDA_NAMESPACES, "property")}


def read_retry_cycle(node: etree._Element, problems: list[Problem], file: str | None) -> RetrySettings:
    """camunda:failedJobRetryTimeCycle: ``R3/PT5M`` or ``PT1M,PT5M,PT10M``."""
    from bpmn.durations import parse_duration_seconds

    ext = first_child(node, ("http://www.omg.org/spec/BPMN/20100524/MODEL",), "extensionElements")
    cycle = first_child(ext, CAMUNDA_NAMESPACES, "failedJobRetryTimeCycle") if ext is not None else None
    if cycle is None or not (cycle.text or "").strip():
        return RetrySettings()
    text = (cycle.text or "").strip()
    try:
        if text.upper().startswith("R"):
            count, _, interval = text[1:].partition("/")
            return RetrySettings(max_attempts=int(count), initial_interval_s=parse_duration_seconds(interval))
        intervals = tuple(parse_duration_seconds(part) for part in text.split(","))
        return RetrySettings(max_attempts=len(intervals) + 1, fixed_intervals_s=intervals)
    except ValueError:
        problems.append(
            Problem(
                f"camunda:failedJobRetryTimeCycle {text!r} is not understood",
                element_id=node.get("id"),
                line=cycle.sourceline,
                file=file,
                hint="write R<count>/<ISO 8601 duration> such as R3/PT5M, or a list such as PT1M,PT5M",
            )
        )
        return RetrySettings()


def read_camunda7_job(node: etree._Element, problems: list[Problem], file: str | None) -> JobDefinition | None:
    """The job a Camunda 7 service-like task becomes, or None when it has no C7 implementation."""
    job_type: str | None = None
    impl = node
    for definition in node.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}messageEventDefinition"):
        if camunda_attr(definition, "type") == "external":
            impl = definition  # Camunda 7 puts a message event's implementation on its definition
            break
    if camunda_attr(impl, "type") == "external":
        job_type = camunda_attr(impl, "topic") or None
        if job_type is None:
            problems.append(
                Problem(
                    "external task has no topic",
                    element_id=node.get("id"),
                    line=node.sourceline,
                    file=file,
                    hint="set the Topic in Camunda Modeler's Implementation section",
                )
            )
            job_type = node.get("id", "")
    elif camunda_attr(node, "class"):
        job_type = camunda_attr(node, "class")
    elif camunda_attr(node, "delegateExpression"):
        job_type = _juel_body(camunda_attr(node, "delegateExpression") or "")
    elif camunda_attr(node, "expression"):
        job_type = _juel_body(camunda_attr(node, "expression") or "")
    else:
        ext = first_child(node, ("http://www.omg.org/spec/BPMN/20100524/MODEL",), "extensionElements")
        connector = first_child(ext, CAMUNDA_NAMESPACES, "connector") if ext is not None else None
        if connector is not None:
            connector_id = first_child(connector, CAMUNDA_NAMESPACES, "connectorId")
            job_type = (connector_id.text or "").strip() if connector_id is not None else None
    if job_type is None:
        return None
    inputs, outputs = read_io(node, problems, file)
    return JobDefinition(
        type={"literal": job_type},
        dialect="camunda7",
        inputs=inputs,
        outputs=outputs,
        headers=read_properties(node),
        retries=read_retry_cycle(node, problems, file),
    )
