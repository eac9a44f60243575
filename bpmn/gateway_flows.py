"""Outgoing flows of an exclusive gateway that have no condition and are not its default flow.

Camunda 7 takes such a flow as if its condition were true: the gateway follows the
first flow, in the order they are defined, whose condition holds or that has none.
SpiffWorkflow refuses them, so for Camunda 7 (and plain BPMN) models they get a
condition that is always true in the tree it parses, with a warning. Camunda 8
refuses the model, and so do we, saying what to change.
"""

from __future__ import annotations

from lxml import etree

from bpmn.checks import problem_at
from bpmn.dialects.zeebe import ZEEBE_NS
from bpmn.xml_loader import BPMN_NS
from steadyflow.errors import Problem

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ZEEBE = ZEEBE_NS[0]


def is_camunda8(root: etree._Element) -> bool:
    """Saved for Camunda 8 (Modeler marks the platform; zeebe extensions say the same)."""
    platform = root.get("{http://camunda.org/schema/modeler/1.0}executionPlatform") or ""
    return platform == "Camunda Cloud" or any(
        isinstance(node.tag, str) and node.tag.startswith(f"{{{ZEEBE}}}") for node in root.iter()
    )


def unconditioned_exclusive_flows(root: etree._Element, file: str | None) -> list[Problem]:
    """Give Camunda 7's always-true condition to flows that lack one (in place), or refuse them on Camunda 8."""
    camunda8 = is_camunda8(root)
    flows_from: dict[str, list[etree._Element]] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        flows_from.setdefault(str(flow.get("sourceRef")), []).append(flow)
    problems: list[Problem] = []
    for gateway in root.iter(f"{{{BPMN_NS}}}exclusiveGateway"):
        outgoing = flows_from.get(str(gateway.get("id")), [])
        if len(outgoing) < 2:
            continue
        for flow in outgoing:
            if flow.get("id") == gateway.get("default") or flow.find(f"{{{BPMN_NS}}}conditionExpression") is not None:
                continue
            problems.append(_treat(flow, gateway, file, camunda8))
    return problems


def _treat(flow: etree._Element, gateway: etree._Element, file: str | None, camunda8: bool) -> Problem:
    name = gateway.get("name") or gateway.get("id")
    # Refused or not, the parsed tree gets the condition: SpiffWorkflow need not report the flow a second time.
    condition = etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression")
    condition.set(XSI_TYPE, "bpmn:tFormalExpression")
    condition.text = "${true}"
    where = f"flow {flow.get('id')} leaves exclusive gateway '{name}' without a condition"
    if camunda8:
        return problem_at(
            flow,
            f"{where} and is not its default",
            file,
            "give the flow a condition (e.g. =true) or mark it as the gateway's default flow",
        )
    return problem_at(
        flow,
        f"{where}: as in Camunda 7 it is taken whenever no flow defined before it is",
        file,
        "give it a condition, or mark it as the default flow if it is meant for 'otherwise'",
        severity="warning",
    )
