"""Conditional events: an intermediate catch or boundary event that fires when its condition holds.

As in Camunda 7, the condition is checked when the event is reached (an
intermediate event whose condition already holds passes at once; a boundary
event is checked when its activity starts) and again whenever the instance's
variables change: at the end of every step, every waiting conditional event is
checked over the variables it sees (``refresh_conditions``). The condition is a
FEEL (``=...``) or JUEL (``${...}``) expression; null is false, and so is a JUEL
condition naming a variable that does not exist yet (Camunda would throw;
the condition is simply not met). Any other result than true, false or null
is an error naming the event. Conditional start events of event subprocesses
are started by ``bpmn.conditional_starts``; a process's own conditional start
events (:class:`ProcessStartCondition`) are evaluated outside any instance, by
the condition evaluation APIs (``bpmn.process_conditions``), which start the
instance at the event whose condition held.

The definition also carries the variable filters both Camunda flavours write:
``camunda:variableName`` / ``camunda:variableEvents`` on the definition, or
``zeebe:conditionalFilter variableNames="a, b" variableEvents="create, update"``.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.util.task import TaskState

from bpmn.dialects.templates import canonical_expression, compile_canonical
from bpmn.dialects.zeebe import ZEEBE_NS
from steadyflow.errors import ModelError


class ProcessCondition(ConditionalEventDefinition):  # type: ignore[misc]
    """Spiff's conditional event definition, evaluated by our interpreters with Camunda's null rules.

    ``variable_names`` (None: any) and ``variable_events`` (None: any kind of change) are the
    model's filters: which changed variables, and which kinds of change, make it check again.
    """

    def __init__(
        self,
        expression: str,
        variable_names: frozenset[str] | None = None,
        variable_events: frozenset[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(expression, **kwargs)
        self.variable_names = variable_names
        self.variable_events = variable_events

    def has_fired(self, my_task: Any) -> bool:
        fired = condition_holds(my_task, self.expression or "")
        my_task._set_internal_data(has_fired=fired, condition_inputs=inputs_seen(my_task, self.expression or ""))
        return fired


class ProcessStartCondition(ProcessCondition):
    """The condition of a process's own conditional start event: never evaluated inside the instance.

    The evaluation APIs judge it over the variables they are given, before any instance exists,
    and then start an instance at this event (``fire``), as a message start event is caught.
    """

    def has_fired(self, my_task: Any) -> bool:
        return bool(my_task._get_internal_data("event_fired", False))


def inputs_seen(my_task: Any, expression: str) -> str:
    """The values the condition reads, as text: a condition is checked again only when they change."""
    names = sorted(compile_canonical(canonical_expression(expression)).variable_names())
    return json.dumps([[name, my_task.data.get(name)] for name in names], sort_keys=True, default=str)


def condition_holds(my_task: Any, expression: str) -> bool:
    element = getattr(my_task.task_spec, "bpmn_id", None) or my_task.task_spec.name
    return condition_true(my_task.data, expression, element)


def condition_true(variables: dict[str, Any], expression: str, element: str) -> bool:
    """Does the condition of conditional event ``element`` hold over ``variables``? Null is false."""
    text = canonical_expression(expression)
    compiled = compile_canonical(text)
    if compiled.language == "juel" and not compiled.variable_names() <= set(variables):
        return False
    value = compiled.evaluate(variables)
    if value is None or isinstance(value, bool):
        return bool(value)
    raise ModelError(
        f"the condition of conditional event '{element}' gave a {type(value).__name__} value, not true or false: "
        f"{expression.strip()[:200]}"
    )


def refresh_conditions(workflow: Any) -> int:
    """Check again each waiting conditional event whose variables changed; returns how many now fire.

    Only a change counts, as in Camunda: a non-interrupting event whose condition
    still holds does not fire again on every step.
    """
    fired = 0
    for task in list(workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, ConditionalEventDefinition) or task.state != TaskState.WAITING:
            continue
        if isinstance(definition, ProcessStartCondition):
            continue  # fired by the evaluation that started the instance, or never
        if task._get_internal_data("condition_inputs") == inputs_seen(task, definition.expression or ""):
            continue
        # Not task_spec._update: that first re-inherits the parent's data, which would undo the
        # change (an operator's edit reaches the waiting tasks, not their completed parents).
        if definition.has_fired(task):
            task._ready()
            fired += 1
    return fired


class ConditionParsers:
    """Event parsers mixin: conditional event definitions become :class:`ProcessCondition`."""

    def parse_conditional_event(self, event: Any) -> Any:
        definition = super().parse_conditional_event(event)  # type: ignore[misc]
        names, kinds = variable_filters(event)
        start = event.getparent()
        scope = start.getparent() if start is not None else None
        of_process = (
            start is not None
            and start.tag.endswith("}startEvent")
            and scope is not None
            and scope.tag.endswith("}process")
        )
        kind = ProcessStartCondition if of_process else ProcessCondition
        return kind(definition.expression, names, kinds, description=definition.description)


def _listed(text: str | None) -> frozenset[str] | None:
    items = frozenset(part.strip() for part in (text or "").split(",") if part.strip())
    return items or None


def variable_filters(definition: Any) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """(variable names, change kinds) from a ``conditionalEventDefinition`` element, None where unfiltered."""
    names = kinds = None
    for ns in (CAMUNDA_NS, OPERATON_NS):
        names = names or _listed(definition.get(f"{{{ns}}}variableName"))
        kinds = kinds or _listed(definition.get(f"{{{ns}}}variableEvents"))
    for child in (c for ns in ZEEBE_NS for c in definition.iter(f"{{{ns}}}conditionalFilter")):
        names = names or _listed(child.get("variableNames"))
        kinds = kinds or _listed(child.get("variableEvents"))
    return names, (frozenset(k.lower() for k in kinds) if kinds else None)


CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
OPERATON_NS = "http://operaton.org/schema/1.0/bpmn"

__all__ = [
    "ConditionParsers",
    "ProcessCondition",
    "ProcessStartCondition",
    "condition_holds",
    "condition_true",
    "inputs_seen",
    "refresh_conditions",
    "variable_filters",
]
