"""Input/output variable mappings of any element: the local scope they make, and where Camunda allows them.

One code path for every element that carries ``zeebe:ioMapping`` (Camunda 8) or
``camunda:inputOutput`` (Camunda 7): job tasks, script tasks, user and receive tasks,
subprocesses, catch and throw events. Semantics, as both Camundas define them:

* inputs are evaluated in order over the element's scope; each creates a *local*
  variable, and a later input sees the earlier ones;
* outputs are evaluated over the local scope (inputs and the element's result) and
  written to the parent scope; local variables never reach the parent otherwise;
* Camunda 8: when an element that produces a result (a job's, a script's, a message's
  payload, a form's) has outputs, that result stays local too: only outputs propagate.
  Camunda 7 sets result variables where they live (the process, unless an input of
  the same name made them local), outputs or not.

``check_io_placement`` refuses a mapping where Camunda does not apply it, or where
steadyflow does not (yet): a silently dropped mapping runs the model with other
variables than Camunda would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml import etree

from bpmn.dialects.camunda7 import CAMUNDA_NAMESPACES, read_io
from bpmn.dialects.definitions import IoMapping
from bpmn.dialects.templates import PythonValue, evaluate_template
from bpmn.dialects.xml_helpers import children, first_child
from bpmn.dialects.zeebe import BPMN_NS, ZEEBE_NS, read_io_mapping
from steadyflow.errors import Problem


@dataclass(frozen=True)
class ElementIo:
    """The input and output mappings of one element, in the dialect that wrote them."""

    dialect: str  # "camunda7" | "camunda8" | "bpmn"
    inputs: tuple[IoMapping, ...] = ()
    outputs: tuple[IoMapping, ...] = ()

    @property
    def nested(self) -> bool:
        """Camunda 8 targets like ``sender.name`` build nested contexts; Camunda 7 names are plain."""
        return self.dialect != "camunda7"

    @cached_property
    def local_names(self) -> frozenset[str]:
        """The variables the inputs create in the element's own scope."""
        return frozenset(m.target.split(".")[0] if self.nested else m.target for m in self.inputs)


def python_value_of(task: Any) -> PythonValue | None:
    """The sandbox runner of the task's engine for Python parameter scripts (None: Python is off)."""
    scripts = getattr(task.workflow, "script_engine", None)
    if scripts is None or getattr(scripts, "python_runner", None) is None:
        return None
    return scripts.python_value  # type: ignore[no-any-return]


def assign(target: dict[str, Any], name: str, value: Any, *, nested: bool) -> None:
    """Set ``name`` in ``target``; Camunda 8 targets like ``authentication.type`` build nested contexts."""
    if not nested or "." not in name:
        target[name] = value
        return
    *path, last = name.split(".")
    current = target
    for part in path:
        child = current.get(part)
        child = dict(child) if isinstance(child, dict) else {}  # never mutate a value other tasks may share
        current[part] = child
        current = child
    current[last] = value


def evaluate_inputs(io: ElementIo, scope: Mapping[str, Any], python: PythonValue | None) -> dict[str, Any]:
    """The local variables the input mappings create (later mappings see earlier ones)."""
    local: dict[str, Any] = {}
    for mapping in io.inputs:
        value = evaluate_template(mapping.source, {**scope, **local}, python)
        assign(local, mapping.target, value, nested=io.nested)
    return local


def leave_scope(
    io: ElementIo,
    before: Mapping[str, Any],
    local: Mapping[str, Any],
    python: PythonValue | None,
    *,
    result_is_local: bool,
) -> dict[str, Any]:
    """The parent scope's variables when the element completes.

    ``before`` is the parent's view when the element was entered, ``local`` the element's
    scope as it completes (parent variables, inputs, result). With ``result_is_local``
    (Camunda 8, an element that produces a result, and outputs) only the outputs change
    the parent; otherwise everything but the inputs' local variables propagates, and the
    variables those shadowed get their outer values back.
    """
    if result_is_local and io.outputs:
        parent = dict(before)
    else:
        names = io.local_names
        parent = {k: v for k, v in local.items() if k not in names}
        parent.update({k: before[k] for k in names if k in before})
    for mapping in io.outputs:
        value = evaluate_template(mapping.source, dict(local), python)
        assign(parent, mapping.target, value, nested=io.nested)
    return parent


def read_element_io(node: etree._Element, problems: list[Problem], file: str | None) -> ElementIo | None:
    """The element's mappings in either dialect, or None when it has none."""
    inputs, outputs = read_io_mapping(node)
    if inputs or outputs:
        return ElementIo("camunda8", inputs, outputs)
    inputs, outputs = read_io(node, problems, file)
    if inputs or outputs:
        return ElementIo("camunda7", inputs, outputs)
    return None


# Where each Camunda applies mappings (and steadyflow with it): tag -> (inputs, outputs) allowed.
# Camunda 8 from Zeebe's element processors; Camunda 7 from its BPMN parser
# ("all tasks, all events except start and boundary events, call activity, embedded subprocess").
_TASKS = ("task", "manualTask", "userTask", "serviceTask", "sendTask", "businessRuleTask", "scriptTask")
_C8: dict[str, tuple[bool, bool]] = {
    **{tag: (True, True) for tag in (*_TASKS, "receiveTask", "subProcess", "callActivity")},
    "intermediateCatchEvent": (True, True),
    "startEvent": (False, True),
    "boundaryEvent": (False, True),
}
_C7: dict[str, tuple[bool, bool]] = {
    **{tag: (True, True) for tag in (*_TASKS, "receiveTask", "subProcess", "callActivity")},
    "intermediateCatchEvent": (True, True),
    "intermediateThrowEvent": (True, True),
    "endEvent": (True, False),
}
# Throw and end events by event definition (Camunda 8): none/escalation map outputs, message (a job) and
# signal inputs too, error/terminate/compensation nothing.
_C8_THROWS: dict[str | None, tuple[bool, bool]] = {
    None: (False, True),
    "messageEventDefinition": (True, True),
    "signalEventDefinition": (True, True),
    "escalationEventDefinition": (False, True),
}
_WHY_NOT = {
    "camunda8": "Camunda 8 does not apply {what} on {kind}",
    "camunda7": "Camunda 7 refuses {what} on {kind}",
}


def _event_definition(node: etree._Element) -> str | None:
    for child in node:
        if isinstance(child.tag, str) and etree.QName(child).localname.endswith("EventDefinition"):
            return str(etree.QName(child).localname)
    return None


def _has_mapping(node: etree._Element) -> tuple[str, bool, bool] | None:
    """(dialect, has inputs, has outputs) of the element's own mapping element."""
    ext = first_child(node, BPMN_NS, "extensionElements")
    if ext is None:
        return None
    zeebe = first_child(ext, ZEEBE_NS, "ioMapping")
    if zeebe is not None:
        return "camunda8", bool(children(zeebe, ZEEBE_NS, "input")), bool(children(zeebe, ZEEBE_NS, "output"))
    c7 = first_child(ext, CAMUNDA_NAMESPACES, "inputOutput")
    if c7 is not None:
        inputs = bool(children(c7, CAMUNDA_NAMESPACES, "inputParameter"))
        return "camunda7", inputs, bool(children(c7, CAMUNDA_NAMESPACES, "outputParameter"))
    return None


def _allowed(node: etree._Element, dialect: str) -> tuple[bool, bool]:
    tag = etree.QName(node).localname
    definition = _event_definition(node)
    if tag == "subProcess" and node.get("triggeredByEvent") == "true":
        return (False, False)  # Camunda 7 refuses it; steadyflow does not map event subprocesses yet
    if tag in ("intermediateCatchEvent", "intermediateThrowEvent") and definition == "linkEventDefinition":
        return (False, False)  # a link pair is one sequence flow here
    if dialect == "camunda8":
        if tag in ("intermediateThrowEvent", "endEvent"):
            return _C8_THROWS.get(definition, (False, False))
        return _C8.get(tag, (False, False))
    return _C7.get(tag, (False, False))


def check_io_placement(node: etree._Element, file: str | None) -> list[Problem]:
    """A problem for each side (inputs, outputs) of the element's mapping that is not applied where it sits."""
    found = _has_mapping(node)
    if found is None:
        return []
    dialect, has_inputs, has_outputs = found
    inputs_ok, outputs_ok = _allowed(node, dialect)
    tag = etree.QName(node).localname
    definition = _event_definition(node)
    kind = f"a {tag}" + (f" with a {definition.removesuffix('EventDefinition')} definition" if definition else "")
    if tag == "subProcess" and node.get("triggeredByEvent") == "true":
        kind = "an event subprocess"
    problems = []
    for present, ok, what in ((has_inputs, inputs_ok, "input mappings"), (has_outputs, outputs_ok, "output mappings")):
        if present and not ok:
            problems.append(
                Problem(
                    f"{_WHY_NOT[dialect].format(what=what, kind=kind)}: they would be ignored",
                    element_id=node.get("id"),
                    line=node.sourceline,
                    file=file,
                    hint=f"remove the {what} from this element, or move them to the activity before or after it",
                )
            )
    return problems


__all__ = [
    "ElementIo",
    "assign",
    "check_io_placement",
    "evaluate_inputs",
    "leave_scope",
    "python_value_of",
    "read_element_io",
]
