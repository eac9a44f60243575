"""What the monitoring views need from a definition's XML: flows, element types, loop and mapped inputs.

Read once per definition (the caller caches it) through ``bpmn.xml_loader``, like the forms outline:
sequence flows by (source, target) so the diagram can highlight the flows a token took, the BPMN
type of each element (Camunda's ``activityType``), and the input element of each multi-instance
activity (``zeebe:loopCharacteristics inputElement``, ``camunda:elementVariable``), which labels its
inner instances ("Create database (istanbul)"), and the names each element's input mappings make local
(``camunda:inputParameter``, ``zeebe:input``), which are its variables, not the process's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bpmn.dialects.xml_helpers import first_child, local_name
from bpmn.io_mappings import read_element_io
from bpmn.xml_loader import BPMN_NS, load_bpmn_xml

C7_NS = "http://camunda.org/schema/1.0/bpmn"
OPERATON_NS = "http://operaton.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"


@dataclass
class ModelMap:
    """Flows, element types and multi-instance input elements of one BPMN file."""

    flows: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(source element id, target element id) -> the ids of the sequence flows between them."""
    types: dict[str, str] = field(default_factory=dict)
    """element id -> its BPMN element name (``serviceTask``, ``parallelGateway``...)."""
    loop_inputs: dict[str, str] = field(default_factory=dict)
    """multi-instance element id -> the name of the variable holding each instance's item."""
    multi_instance: set[str] = field(default_factory=set)
    """Elements with multi-instance loop characteristics."""
    local_inputs: dict[str, frozenset[str]] = field(default_factory=dict)
    """element id -> the variables its input mappings create in its own scope (only elements with inputs)."""

    def flow_ids(self, source: str, target: str) -> list[str]:
        return self.flows.get((source, target), [])


def read_model_map(xml: bytes, filename: str | None = None) -> ModelMap:
    root = load_bpmn_xml(xml, filename)
    found = ModelMap()
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        element_id = node.get("id")
        kind = local_name(node)
        if element_id is None:
            continue
        if kind == "sequenceFlow":
            source, target = node.get("sourceRef"), node.get("targetRef")
            if source and target:
                found.flows.setdefault((source, target), []).append(element_id)
            continue
        found.types[element_id] = kind
        io = read_element_io(node, [], filename)
        if io is not None and io.local_names:
            found.local_inputs[element_id] = io.local_names
        loop = first_child(node, (BPMN_NS,), "multiInstanceLoopCharacteristics")
        if loop is not None:
            found.multi_instance.add(element_id)
            name = _input_element(loop)
            if name:
                found.loop_inputs[element_id] = name
    return found


def _input_element(loop: Any) -> str | None:
    """The variable name each inner instance gets its item in, in either dialect."""
    for ns in (C7_NS, OPERATON_NS):
        name = loop.get(f"{{{ns}}}elementVariable")
        if name:
            return str(name)
    ext = first_child(loop, (BPMN_NS,), "extensionElements")
    if ext is not None:
        zeebe = first_child(ext, (ZEEBE_NS,), "loopCharacteristics")
        if zeebe is not None and zeebe.get("inputElement"):
            return str(zeebe.get("inputElement"))
    return None
