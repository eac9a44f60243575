"""Sequence flows must join two elements of the same process or subprocess.

SpiffWorkflow reports a flow to a missing element as "we found two items, perhaps a form has the
same ID?", which sends people looking for forms. This check runs first and says which flow points
where, and what to do about it.
"""

from __future__ import annotations

from lxml import etree

from bpmn.checks import BPMN, problem_at
from steadyflow.errors import Problem

_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
_NOT_NODES = ("sequenceFlow", "association", "textAnnotation", "group", "dataObject", "dataStoreReference")


def check_flow_references(root: etree._Element, file: str | None) -> list[Problem]:
    """A problem for every sequence flow whose source or target is missing or in another scope."""
    everywhere = {str(n.get("id")) for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    problems: list[Problem] = []
    for container in root.iter(*(f"{{{BPMN}}}{name}" for name in _CONTAINERS)):
        scope = container.get("id") or "this process"
        nodes = {
            str(child.get("id"))
            for child in container
            if isinstance(child.tag, str) and child.get("id") and etree.QName(child).localname not in _NOT_NODES
        }
        for flow in container.iterchildren(f"{{{BPMN}}}sequenceFlow"):
            for end, attribute in (("comes from", "sourceRef"), ("goes to", "targetRef")):
                ref = flow.get(attribute)
                if ref and ref in nodes:
                    continue
                problems.append(_broken(flow, end, attribute, ref, scope, ref in everywhere, file))
    return problems


def _broken(
    flow: etree._Element, end: str, attribute: str, ref: str | None, scope: str, elsewhere: bool, file: str | None
) -> Problem:
    name = f"sequence flow '{flow.get('id')}'"
    if not ref:
        message = f"{name} has no {attribute}"
        hint = "connect both ends of the flow to elements in Camunda Modeler, or delete it"
    elif elsewhere:
        message = f"{name} {end} '{ref}', which is not an element of '{scope}' (the flow crosses a scope)"
        hint = "a sequence flow stays inside one process or subprocess; use a message or end the subprocess instead"
    else:
        message = f"{name} {end} '{ref}', which does not exist in this file"
        hint = f"connect the flow to an existing element of '{scope}' in Camunda Modeler, or delete the flow"
    return problem_at(flow, message, file, hint)
