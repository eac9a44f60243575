"""Which process a call activity calls, and which version of it: read from either dialect.

Camunda 7 names the process in ``calledElement`` (a literal or a JUEL expression) and the
version in ``camunda:calledElementBinding`` (``latest``, ``deployment``, ``version`` with
``camunda:calledElementVersion``, ``versionTag`` with ``camunda:calledElementVersionTag``).
Camunda 8 writes ``zeebe:calledElement processId`` (a literal or ``=FEEL``) and ``bindingType``
(``latest``, ``deployment``, ``versionTag`` with ``versionTag``). Both default to ``latest``.
Nothing is looked up here: the engine resolves the binding when the call activity runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from bpmn.dialects.camunda7 import camunda_attr
from bpmn.dialects.definitions import Template
from bpmn.dialects.templates import evaluate_template, template_from_text, template_problems, template_source
from bpmn.dialects.xml_helpers import first_child
from bpmn.dialects.zeebe import ZEEBE_NS
from steadyflow.errors import ExpressionEvaluationError, Problem

BPMN_NS = ("http://www.omg.org/spec/BPMN/20100524/MODEL",)
C7_BINDINGS = ("latest", "deployment", "version", "versionTag")
C8_BINDINGS = ("latest", "deployment", "versionTag")


@dataclass(frozen=True)
class CallRequest:
    """One run of a call activity: the process id and binding, with every expression evaluated."""

    process_id: str
    binding: str = "latest"
    version: int | None = None
    version_tag: str | None = None

    def describe(self) -> str:
        """The binding as an operator reads it in an incident: ``process 'child' (binding version 3)``."""
        detail = {"version": f" {self.version}", "versionTag": f" '{self.version_tag}'"}.get(self.binding, "")
        return f"process '{self.process_id}' (binding {self.binding}{detail})"


@dataclass(frozen=True)
class CallBinding:
    """What a call activity's model says about the process it calls."""

    process: Template
    """The called process id: a literal, or an expression over the variables at the call."""
    binding: str = "latest"
    version: Template | None = None
    version_tag: Template | None = None

    def request(self, variables: dict[str, Any], element_id: str, task_id: str | None = None) -> CallRequest:
        """Evaluate the binding's expressions; raises ExpressionEvaluationError naming the element."""
        where = {"element_id": element_id, "task_id": task_id}
        process_id = evaluate_template(self.process, variables)
        if not isinstance(process_id, str) or not process_id.strip():
            raise ExpressionEvaluationError(
                f"the called element gave {process_id!r}, not a process id", template_source(self.process), **where
            )
        version: int | None = None
        if self.binding == "version" and self.version is not None:
            value = evaluate_template(self.version, variables)
            version = _version_number(value)
            if version is None:
                raise ExpressionEvaluationError(
                    f"the called element version gave {value!r}, not a version number (1, 2, ...)",
                    template_source(self.version),
                    **where,
                )
        tag: str | None = None
        if self.binding == "versionTag" and self.version_tag is not None:
            value = evaluate_template(self.version_tag, variables)
            if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
                raise ExpressionEvaluationError(
                    f"the called element version tag gave {value!r}, not a version tag",
                    template_source(self.version_tag),
                    **where,
                )
            tag = str(value).strip()
        return CallRequest(process_id.strip(), self.binding, version, tag)


def _version_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value >= 1 else None


def _zeebe_called(node: etree._Element) -> etree._Element | None:
    ext = first_child(node, BPMN_NS, "extensionElements")
    return first_child(ext, ZEEBE_NS, "calledElement") if ext is not None else None


def called_process_text(node: etree._Element) -> str | None:
    """The called element as the model writes it (``child``, ``${key}``, ``=key``), or None."""
    if node.get("calledElement"):
        return str(node.get("calledElement"))
    called = _zeebe_called(node)
    return str(called.get("processId")) if called is not None and called.get("processId") else None


def read_call_binding(node: etree._Element, problems: list[Problem], file: str | None) -> CallBinding | None:
    """The binding of a call activity, or None when it names no process (SpiffWorkflow reports that)."""
    located: dict[str, Any] = {"element_id": node.get("id"), "line": node.sourceline, "file": file}
    zeebe = _zeebe_called(node)
    if zeebe is not None and not node.get("calledElement"):
        binding = _read_c8(zeebe, problems, located)
    else:
        binding = _read_c7(node, problems, located)
    if binding is None:
        return None
    for label, template in (("called element", binding.process), ("version", binding.version)):
        for message in template_problems(template or {}):
            problems.append(Problem(f"{label}: {message}", hint="fix the expression's syntax", **located))
    if binding.version_tag is not None:
        for message in template_problems(binding.version_tag):
            problems.append(Problem(f"version tag: {message}", hint="fix the expression's syntax", **located))
    return binding


def _read_c8(called: etree._Element, problems: list[Problem], located: dict[str, Any]) -> CallBinding | None:
    process_id = (called.get("processId") or "").strip()
    if not process_id:
        return None
    binding = called.get("bindingType") or "latest"
    if binding not in C8_BINDINGS:
        problems.append(
            Problem(
                f"bindingType {binding!r} of the called element is not one Camunda 8 knows",
                hint=f"use {', '.join(C8_BINDINGS)}",
                **located,
            )
        )
        return None
    tag = (called.get("versionTag") or "").strip()
    if binding == "versionTag" and not tag:
        problems.append(
            Problem(
                "the called element's binding is versionTag, but it names no version tag",
                hint="set 'Version tag' under 'Called element' in Modeler's properties panel",
                **located,
            )
        )
    return CallBinding(
        template_from_text(process_id, "camunda8"),
        binding,
        version_tag={"literal": tag} if binding == "versionTag" and tag else None,
    )


def _read_c7(node: etree._Element, problems: list[Problem], located: dict[str, Any]) -> CallBinding | None:
    process_id = (node.get("calledElement") or "").strip()
    if not process_id:
        return None
    binding = camunda_attr(node, "calledElementBinding") or "latest"
    if binding not in C7_BINDINGS:
        problems.append(
            Problem(
                f"calledElementBinding {binding!r} is not one Camunda 7 knows",
                hint=f"use {', '.join(C7_BINDINGS)}",
                **located,
            )
        )
        return None
    version_text = (camunda_attr(node, "calledElementVersion") or "").strip()
    tag_text = (camunda_attr(node, "calledElementVersionTag") or "").strip()
    version = template_from_text(version_text, "camunda7") if version_text else None
    if binding == "version":
        if version is None:
            problems.append(
                Problem(
                    "calledElementBinding is version, but no calledElementVersion says which",
                    hint="set 'Version' under 'Called element' in Modeler's properties panel (a number or ${...})",
                    **located,
                )
            )
        elif "literal" in version and _version_number(version["literal"]) is None:
            problems.append(
                Problem(
                    f"calledElementVersion {version_text!r} is not a version number",
                    hint="write a number such as 2, or an expression such as ${childVersion}",
                    **located,
                )
            )
    if binding == "versionTag" and not tag_text:
        problems.append(
            Problem(
                "calledElementBinding is versionTag, but no calledElementVersionTag says which",
                hint="set 'Version tag' under 'Called element' in Modeler's properties panel",
                **located,
            )
        )
    return CallBinding(
        template_from_text(process_id, "camunda7"),
        binding,
        version=version if binding == "version" else None,
        version_tag=template_from_text(tag_text, "camunda7") if binding == "versionTag" and tag_text else None,
    )
