"""Link events: a throwing link event continues at the catching link event of the same name, in its scope.

They are the off-page connectors of long diagrams, supported by Camunda 7 and 8 but
not by SpiffWorkflow. In the tree it parses, each throwing link event becomes a plain
intermediate event with a sequence flow to its catching partner, which becomes a
plain intermediate event too: the token passes both, as the diagram shows. A link
whose partner is missing, or a name caught twice in one scope, is refused.
"""

from __future__ import annotations

from lxml import etree

from bpmn.checks import problem_at
from bpmn.xml_loader import BPMN_NS
from steadyflow.errors import Problem

_THROW, _CATCH = f"{{{BPMN_NS}}}intermediateThrowEvent", f"{{{BPMN_NS}}}intermediateCatchEvent"
_LINK = f"{{{BPMN_NS}}}linkEventDefinition"


def _link_name(event: etree._Element) -> str | None:
    definition = event.find(_LINK)
    if definition is None:
        return None
    return (definition.get("name") or event.get("name") or "").strip()


def resolve_link_events(root: etree._Element, file: str | None) -> list[Problem]:
    """Rewrite every scope's link events (in place) into plain events joined by a flow; refuse broken links."""
    problems: list[Problem] = []
    scopes = {event.getparent() for event in root.iter(_THROW, _CATCH) if event.find(_LINK) is not None}
    for scope in scopes:
        if scope is not None:
            problems.extend(_resolve_scope(scope, file))
    return problems


def _resolve_scope(scope: etree._Element, file: str | None) -> list[Problem]:
    problems: list[Problem] = []
    catches: dict[str, etree._Element] = {}
    for event in scope.findall(_CATCH):
        name = _link_name(event)
        if name is None:
            continue
        if name in catches:
            problems.append(
                problem_at(
                    event, f"link '{name}' is caught twice in this scope", file, "give each catching link a name"
                )
            )
        catches.setdefault(name, event)
    for event in scope.findall(_THROW):
        name = _link_name(event)
        if name is None:
            continue
        target = catches.get(name)
        if target is None:
            problems.append(
                problem_at(
                    event,
                    f"link '{name}' is thrown but no link event in the same (sub)process catches it",
                    file,
                    f"add an intermediate catching link event named '{name}' next to it, or fix the name",
                )
            )
            continue
        flow = etree.SubElement(scope, f"{{{BPMN_NS}}}sequenceFlow")
        flow.set("id", f"{event.get('id')}__link__{target.get('id')}")
        flow.set("sourceRef", str(event.get("id")))
        flow.set("targetRef", str(target.get("id")))
    for event in [*scope.findall(_THROW), *scope.findall(_CATCH)]:
        definition = event.find(_LINK)
        if definition is not None:
            event.remove(definition)
            event.tag = _THROW  # a plain intermediate event: the token passes through it
    return problems
