"""Whole-file checks run before SpiffWorkflow builds specs, so every problem is reported at once."""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from bpmn.dialects.templates import canonical_expression, compile_canonical, is_juel
from bpmn.io_mappings import check_io_placement
from bpmn.options import DEFAULT_OPTIONS, ParseOptions
from bpmn.parameter_scripts import script_problems
from bpmn.timers import check_timer
from steadyflow.errors import ExpressionError, Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"

_NOT_YET = {
    "compensateEventDefinition": "compensation is not supported",
}
_REFUSED_ELEMENTS = {
    "complexGateway": "complex gateways are not supported (Camunda does not run them either); "
    "use an inclusive gateway with conditions",
    "adHocSubProcess": "ad-hoc subprocesses are not supported; model the order explicitly",
    "standardLoopCharacteristics": "standard loops are not supported (as in Camunda); "
    "use a multi-instance marker or a gateway loop",
}
RESERVED_IDS = {"Start", "End", "Root"}
"""Names SpiffWorkflow gives its own internal tasks; an element with one of them would be confused with them."""

_ACTIVITY_TAGS = {
    "task",
    "userTask",
    "manualTask",
    "serviceTask",
    "sendTask",
    "businessRuleTask",
    "scriptTask",
    "receiveTask",
    "subProcess",
    "callActivity",
    "transaction",
}


def problem_at(
    node: etree._Element, message: str, file: str | None, hint: str | None = None, *, severity: str = "error"
) -> Problem:
    """A problem located at ``node``: its line, and the id of the nearest element (itself or above) that has one."""
    owner = node
    while owner is not None and not owner.get("id"):
        owner = owner.getparent()
    return Problem(
        message,
        element_id=owner.get("id") if owner is not None else None,
        line=node.sourceline,
        file=file,
        hint=hint,
        severity=severity,
    )


def _check_expression(node: etree._Element, text: str, what: str, file: str | None) -> list[Problem]:
    try:
        compile_canonical(canonical_expression(text))
    except ExpressionError as exc:
        return [problem_at(node, f"{what}: {exc}", file, "fix the expression's syntax")]
    return []


_OPERATON = "{http://operaton.org/schema/"


def _check_extension_expression(node: etree._Element, file: str | None) -> list[Problem]:
    """Expressions in extension elements that no spec parser compiles at deploy (job mappings are compiled there)."""
    local = etree.QName(node).localname
    if local == "script" and node.get("expression") is not None:  # zeebe:script
        return _check_expression(node, node.get("expression") or "", "script expression", file)
    if local == "subscription" and (node.get("correlationKey") or "").strip().startswith("="):
        return _check_expression(node, node.get("correlationKey") or "", "correlation key", file)
    in_call = any(etree.QName(a).localname == "callActivity" for a in node.iterancestors() if isinstance(a.tag, str))
    if not in_call:
        return []
    if local in ("in", "out") and is_juel(node.get("sourceExpression") or ""):
        return _check_expression(node, node.get("sourceExpression") or "", "call activity mapping", file)
    if local in ("input", "output") and (node.get("source") or "").strip().startswith("="):
        return _check_expression(node, node.get("source") or "", "call activity mapping", file)
    return []


def _check_parameter_script(node: etree._Element, file: str | None, options: ParseOptions) -> list[Problem]:
    parent = node.getparent()
    if etree.QName(node).localname != "script" or parent is None or not isinstance(parent.tag, str):
        return []
    if etree.QName(parent).localname not in ("inputParameter", "outputParameter"):
        return []
    owner = next((a.get("id") for a in node.iterancestors() if isinstance(a.tag, str) and a.get("id")), None)
    return script_problems(node, parent.get("name") or "", owner, file, options)


def _check_event_condition(node: etree._Element, file: str | None) -> list[Problem]:
    parent = node.getparent()
    problems: list[Problem] = []
    if parent is not None and isinstance(parent.tag, str) and etree.QName(parent).localname == "startEvent":
        problems.extend(_check_conditional_start(parent, file))
    condition = _condition_of(node)
    if condition is None or not (condition.text or "").strip():
        return [
            *problems,
            problem_at(
                node,
                "conditional event without a condition",
                file,
                "give it a condition in Camunda Modeler, for example ${approved} or =approved",
            ),
        ]
    return [*problems, *_check_expression(condition, condition.text or "", "condition of the conditional event", file)]


def _condition_of(definition: etree._Element) -> etree._Element | None:
    return next((c for c in definition if isinstance(c.tag, str) and etree.QName(c).localname == "condition"), None)


def _check_conditional_start(start: etree._Element, file: str | None) -> list[Problem]:
    """A conditional start event belongs to a process (started by condition evaluation) or an event subprocess.

    A process's conditions must differ from each other, as Camunda 7 and 8 require: an
    evaluation starts one instance per true condition, so two equal ones would be one twice.
    """
    scope = start.getparent()
    local = etree.QName(scope).localname if scope is not None and isinstance(scope.tag, str) else ""
    if local == "subProcess" and scope is not None and scope.get("triggeredByEvent") == "true":
        return []
    if local != "process" or scope is None:
        return [
            problem_at(
                start,
                "a conditional start event of an embedded subprocess never fires: a subprocess starts at its none "
                "start event",
                file,
                "make the subprocess an event subprocess, or give it a none start event",
            )
        ]
    mine = _condition_text(start)
    earlier = []
    for other in scope:
        if other is start:
            break
        if isinstance(other.tag, str) and etree.QName(other).localname == "startEvent":
            earlier.append(other)
    problems: list[Problem] = []
    if not any(_condition_text(other) is not None for other in earlier):  # said once, at the first conditional start
        none_start = next((other for other in scope if _is_none_start(other)), None)
        if none_start is not None:
            problems.append(
                problem_at(
                    start,
                    f"this process has a none start event ('{none_start.get('id')}') besides conditional start "
                    "events; steadyflow does not run that combination yet (starting by condition would also run "
                    "the none start's path)",
                    file,
                    "move the conditional start events to a process of their own, or remove the none start event",
                )
            )
    same = next((other for other in earlier if mine is not None and _condition_text(other) == mine), None)
    if same is None:
        return problems
    return [
        *problems,
        problem_at(
            start,
            f"the condition '{mine}' is also the condition of conditional start event '{same.get('id')}': "
            "the conditions of a process's conditional start events must differ",
            file,
            "merge the two start events, or change one condition",
        ),
    ]


def _is_none_start(node: etree._Element) -> bool:
    """A start event without an event definition."""
    if not isinstance(node.tag, str) or etree.QName(node).localname != "startEvent":
        return False
    return not any(
        isinstance(child.tag, str) and etree.QName(child).localname.endswith("EventDefinition") for child in node
    )


def _condition_text(start: etree._Element) -> str | None:
    for definition in start:
        if isinstance(definition.tag, str) and etree.QName(definition).localname == "conditionalEventDefinition":
            condition = _condition_of(definition)
            text = (condition.text or "").strip() if condition is not None else ""
            return text or None
    return None


def check_document(
    root: etree._Element,
    file: str | None,
    options: ParseOptions = DEFAULT_OPTIONS,
) -> list[Problem]:
    """Every construct in the file that we refuse, and every expression that does not parse.

    A call activity's called process need not exist yet: it is resolved when the call runs
    (``bpmn.dialects.call_binding``), and a missing one is an incident then.
    """
    problems: list[Problem] = []
    flows_from: dict[str | None, list[etree._Element]] = {}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        flows_from.setdefault(flow.get("sourceRef"), []).append(flow)
    conditional_sources = {
        flow.get("sourceRef")
        for flow in root.iter(f"{{{BPMN}}}sequenceFlow")
        if any(isinstance(c.tag, str) and etree.QName(c).localname == "conditionExpression" for c in flow)
    }
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag.startswith(("{http://camunda.org/schema/", _OPERATON)):
            problems.extend(_check_extension_expression(node, file))
            problems.extend(_check_parameter_script(node, file, options))
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN}}}"):
            continue
        local = etree.QName(node).localname
        problems.extend(check_io_placement(node, file))
        if node.get("id") in RESERVED_IDS and local not in ("definitions", "process"):
            problems.append(
                problem_at(
                    node,
                    f"element id '{node.get('id')}' is reserved by the engine",
                    file,
                    f"rename it in Camunda Modeler, for example to '{local[0].upper()}{local[1:]}_1'",
                )
            )
        if local in _NOT_YET:
            problems.append(
                problem_at(node, _NOT_YET[local], file, "remove the event or replace it with a timer or a job")
            )
        elif local in _REFUSED_ELEMENTS:
            problems.append(problem_at(node, _REFUSED_ELEMENTS[local], file))
        elif local == "conditionalEventDefinition":
            problems.extend(_check_event_condition(node, file))
        elif local == "conditionExpression" and (node.text or "").strip():
            problems.extend(_check_expression(node, node.text or "", "condition", file))
        elif local == "completionCondition" and (node.text or "").strip():
            problems.extend(_check_expression(node, node.text or "", "completion condition", file))
        elif local in ("timeDuration", "timeDate", "timeCycle"):
            problems.extend(_check_timer(node, local, file))
        elif local == "exclusiveGateway" and not node.get("default"):
            problems.extend(_check_gateway_default(node, file, flows_from.get(node.get("id"), [])))
        elif local == "startEvent":
            problems.extend(_check_start_event(node, file))
        elif local == "scriptTask":
            problems.extend(_check_script_task(node, file, options))
        if local in _ACTIVITY_TAGS and node.get("id") in conditional_sources:
            problems.append(
                problem_at(
                    node,
                    "conditional sequence flows leave this activity",
                    file,
                    "put an exclusive or inclusive gateway after the activity and move the conditions there",
                )
            )
    return problems


def _check_timer(node: etree._Element, local: str, file: str | None) -> list[Problem]:
    text = (node.text or "").strip()
    if not text:
        return [problem_at(node, f"timer has an empty {local}", file, "enter an ISO 8601 value such as PT10S")]
    if text.startswith("=") or is_juel(text):
        return _check_expression(node, text, "timer expression", file)
    kind = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}[local]
    reason = check_timer(kind, text)
    return [problem_at(node, reason, file)] if reason else []


def _check_gateway_default(node: etree._Element, file: str | None, flows: list[etree._Element]) -> list[Problem]:
    conditional = [
        f for f in flows if any(isinstance(c.tag, str) and etree.QName(c).localname == "conditionExpression" for c in f)
    ]
    if len(flows) > 1 and len(conditional) == len(flows):
        problem = problem_at(
            node,
            "exclusive gateway without a default flow: when no condition is true the instance stops with an incident",
            file,
            "mark one outgoing flow as the default flow",
        )
        return [replace(problem, severity="warning")]
    return []


def _check_start_event(node: etree._Element, file: str | None) -> list[Problem]:
    parent = node.getparent()
    in_process = parent is not None and etree.QName(parent).localname == "process"
    has_timer = any(isinstance(c.tag, str) and etree.QName(c).localname == "timerEventDefinition" for c in node)
    if in_process and has_timer and parent is not None:
        starts = [c for c in parent if isinstance(c.tag, str) and etree.QName(c).localname == "startEvent"]
        if len(starts) > 1:
            return [
                problem_at(
                    node,
                    "a process with a timer start event and other start events is not supported",
                    file,
                    "move the timer to a process of its own that calls this one",
                )
            ]
    return []


def _check_script_task(node: etree._Element, file: str | None, options: ParseOptions) -> list[Problem]:
    zeebe = "{http://camunda.org/schema/zeebe/1.0}"
    if any(c.tag in (f"{zeebe}script", f"{zeebe}taskDefinition") for c in node.iter()):
        return []
    fmt = (node.get("scriptFormat") or "").lower()
    if fmt in ("feel", "juel"):
        body = next((c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == "script"), None)
        text = (body.text or "").strip() if body is not None else ""
        if text and (fmt == "feel" or is_juel(text)):
            return _check_expression(body if body is not None else node, text, f"{fmt.upper()} script", file)
        return []
    if fmt in ("python", "python3", "py"):
        return _check_python(node, file, options)
    return [
        problem_at(
            node,
            f"script task in {fmt or 'an unspecified language'} cannot run: steadyflow never executes model scripts"
            " other than FEEL, JUEL and sandboxed Python",
            file,
            "use a FEEL script (Camunda 8 'FEEL expression' implementation), Python, or a job handler",
        )
    ]


def _check_python(node: etree._Element, file: str | None, options: ParseOptions) -> list[Problem]:
    if options.python_script_checker is None:
        return [
            problem_at(
                node,
                "Python script tasks are disabled",
                file,
                "start steadyflow with --allow-python-scripts (or STEADYFLOW_ALLOW_PYTHON_SCRIPTS=1) to run them "
                "in the sandbox, or use a FEEL script",
            )
        ]
    body = next((c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == "script"), None)
    source = body.text or "" if body is not None else ""
    found = []
    for message in options.python_script_checker(source):
        line_text, _, detail = message.partition(": ")
        offset = (
            int(line_text.removeprefix("line ")) if line_text.startswith("line ") and line_text[5:].isdigit() else 1
        )
        found.append(
            Problem(
                f"Python script: {detail or message}",
                element_id=node.get("id"),
                line=(body.sourceline if body is not None else node.sourceline) + offset - 1,
                file=file,
                hint="scripts run in a sandbox: no imports, files, network or names starting with '_'",
            )
        )
    return found
