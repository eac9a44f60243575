"""A process's own conditional start events: judged over given variables, before any instance exists.

Camunda 7 (``POST /engine-rest/condition``, ``RuntimeService.createConditionEvaluation``)
and Camunda 8.9 (``POST /v2/conditionals/evaluation``) evaluate the condition of
each root-level conditional start event over the variables of the request, and
start one instance per event whose condition holds. Both skip an event whose
variable filter names none of the given variables (``camunda:variableName``,
``zeebe:conditionalFilter variableNames``); the kinds of change
(``variableEvents``) mean nothing here, since nothing changes. A JUEL condition
naming a variable that was not given is false (Camunda 7's ``tryEvaluate``), a
FEEL one reads it as null. Inside the instance the event is not judged again
(:class:`bpmn.conditional_events.ProcessStartCondition`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from bpmn.conditional_events import ProcessStartCondition, condition_true
from steadyflow.errors import ExpressionError, InvalidInputError, ModelError


@dataclass(frozen=True)
class ConditionalProcessStart:
    """One conditional start event of a process (not of an event subprocess)."""

    element_id: str
    condition: str
    variable_names: frozenset[str] | None
    """The filter: evaluated only when one of these was given (None: always)."""

    def listens_to(self, given: Mapping[str, Any]) -> bool:
        return self.variable_names is None or any(name in given for name in self.variable_names)


def conditional_process_starts(spec: Any) -> list[ConditionalProcessStart]:
    """The process's own conditional start events, in model order (found once per spec)."""
    found: list[ConditionalProcessStart] | None = getattr(spec, "_steadyflow_process_conditions", None)
    if found is None:
        found = []
        for output in spec.start.outputs:
            # A start event, or SpiffWorkflow's split in front of several.
            for task_spec in [output] if isinstance(output, StartEvent) else output.outputs:
                definition = getattr(task_spec, "event_definition", None)
                if isinstance(task_spec, StartEvent) and isinstance(definition, ProcessStartCondition):
                    names = getattr(definition, "variable_names", None)
                    found.append(ConditionalProcessStart(task_spec.bpmn_id, definition.expression or "", names))
        spec._steadyflow_process_conditions = found
    return found


def starts_only_by_condition(spec: Any) -> bool:
    """True when every start event of the process is a conditional one (an ordinary start would wait forever)."""
    starts = [
        task_spec
        for output in spec.start.outputs
        for task_spec in ([output] if isinstance(output, StartEvent) else output.outputs)
        if isinstance(task_spec, StartEvent)
    ]
    return bool(starts) and all(isinstance(getattr(s, "event_definition", None), ProcessStartCondition) for s in starts)


def holds(start: ConditionalProcessStart, variables: Mapping[str, Any], process: str) -> bool:
    """Does ``start``'s condition hold over ``variables``? A failure names process and event."""
    if not start.listens_to(variables):
        return False
    try:
        return condition_true(dict(variables), start.condition, start.element_id)
    except (ExpressionError, ModelError) as exc:
        raise InvalidInputError(
            f"the condition of conditional start event '{start.element_id}' of process '{process}' cannot be "
            f"evaluated over the given variables: {exc}; nothing was started; fix the variables or the condition"
        ) from exc


__all__ = ["ConditionalProcessStart", "conditional_process_starts", "holds", "starts_only_by_condition"]
