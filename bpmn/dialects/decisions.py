"""Business rule tasks calling a DMN decision: Camunda 7 ``camunda:decisionRef``, Camunda 8 ``zeebe:calledDecision``."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from bpmn.dialects.camunda7 import camunda_attr, read_io
from bpmn.dialects.definitions import IoMapping, Template
from bpmn.dialects.templates import template_from_text, template_problems
from bpmn.dialects.xml_helpers import first_child
from bpmn.dialects.zeebe import ZEEBE_NS, read_io_mapping
from steadyflow.errors import Problem

BPMN_NS = ("http://www.omg.org/spec/BPMN/20100524/MODEL",)
C7_MAPPINGS = ("resultList", "singleResult", "singleEntry", "collectEntries")
C7_BINDINGS = ("latest", "deployment", "version", "versionTag")


@dataclass(frozen=True)
class DecisionCall:
    """Which decision a business rule task evaluates and where its result goes."""

    decision: Template
    """The decision's id (key): a literal, or an expression over the instance's variables."""
    dialect: str
    result_variable: str | None
    mapping: str
    """Camunda 7's ``mapDecisionResult`` (``resultList`` by default); ``dmn`` for Camunda 8 (the DMN value)."""
    binding: str = "latest"
    version: Template | None = None
    version_tag: str | None = None
    inputs: tuple[IoMapping, ...] = ()
    outputs: tuple[IoMapping, ...] = ()


def read_decision_call(node: etree._Element, problems: list[Problem], file: str | None) -> DecisionCall | None:
    """The decision a business rule task calls, or None when it is a job (an external task, a job type)."""
    located = {"element_id": node.get("id"), "line": node.sourceline, "file": file}
    ext = first_child(node, BPMN_NS, "extensionElements")
    called = first_child(ext, ZEEBE_NS, "calledDecision") if ext is not None else None
    if called is not None:
        decision_id = (called.get("decisionId") or "").strip()
        if not decision_id:
            problems.append(Problem("the called decision has no decision id", hint="set 'Decision ID'", **located))
        inputs, outputs = read_io_mapping(node)
        call = DecisionCall(
            template_from_text(decision_id, "camunda8"),
            "camunda8",
            (called.get("resultVariable") or "").strip() or None,
            "dmn",
            inputs=inputs,
            outputs=outputs,
        )
        if call.result_variable is None:
            problems.append(
                Problem("the called decision has no result variable", hint="set 'Result variable'", **located)
            )
        return _checked(call, problems, located)
    reference = camunda_attr(node, "decisionRef")
    if reference is None:
        return None
    mapping = camunda_attr(node, "mapDecisionResult") or "resultList"
    if mapping not in C7_MAPPINGS:
        problems.append(
            Problem(
                f"mapDecisionResult {mapping!r} is not one Camunda knows",
                hint=f"use {', '.join(C7_MAPPINGS)}",
                **located,
            )
        )
    binding = camunda_attr(node, "decisionRefBinding") or "latest"
    if binding not in C7_BINDINGS:
        problems.append(
            Problem(
                f"decisionRefBinding {binding!r} is not one Camunda knows",
                hint=f"use {', '.join(C7_BINDINGS)}",
                **located,
            )
        )
    if binding in ("deployment", "versionTag"):
        problems.append(
            Problem(
                f"decisionRefBinding {binding} is evaluated as latest: steadyflow calls the newest deployed version",
                hint="use latest, or version with decisionRefVersion",
                severity="warning",
                **located,
            )
        )
    version = camunda_attr(node, "decisionRefVersion")
    inputs, outputs = read_io(node, problems, file)
    call = DecisionCall(
        template_from_text(reference.strip(), "camunda7"),
        "camunda7",
        (camunda_attr(node, "resultVariable") or "").strip() or None,
        mapping,
        binding,
        template_from_text(version.strip(), "camunda7") if version else None,
        camunda_attr(node, "decisionRefVersionTag"),
        inputs,
        outputs,
    )
    if not reference.strip():
        problems.append(Problem("decisionRef is empty", hint="name the decision's id (its key)", **located))
    if binding == "version" and call.version is None:
        problems.append(
            Problem("decisionRefBinding is version, but no decisionRefVersion", hint="set the version", **located)
        )
    return _checked(call, problems, located)


def _checked(call: DecisionCall, problems: list[Problem], located: dict[str, object]) -> DecisionCall:
    for template in (call.decision, call.version or {}):
        for message in template_problems(template):
            problems.append(Problem(f"decision reference: {message}", hint="fix the expression's syntax", **located))  # type: ignore[arg-type]
    for mapping in (*call.inputs, *call.outputs):
        for message in template_problems(mapping.source):
            problems.append(
                Problem(f"mapping of '{mapping.target}': {message}", hint="fix the expression's syntax", **located)  # type: ignore[arg-type]
            )
    return call
