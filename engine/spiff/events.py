"""Messages and signals: what a waiting task subscribes to, what a step throws, and delivery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from bpmn.conditional_events import ProcessStartCondition
from bpmn.dialects.templates import evaluate_template
from bpmn.timer_events import scheduled_gateway_timer
from steadyflow.errors import ModelError


@dataclass(frozen=True)
class Subscription:
    kind: str  # message | signal
    name: str
    correlation_key: str | None
    element_id: str | None = None
    """The catch event waiting, when it is not the waiting task's own element (one after an event-based gateway)."""


@dataclass(frozen=True)
class Thrown:
    kind: str
    name: str
    payload: dict[str, Any]


def _definitions(spec: Any) -> list[Any]:
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def subscriptions_of(task: Any) -> list[Subscription]:
    """What a waiting catch event listens for; a correlation key expression is evaluated now."""
    spec = task.task_spec
    if not isinstance(spec, CatchingEvent):
        return []
    definitions = _definitions(spec)
    found = []
    for index, definition in enumerate(definitions):
        element = _gateway_output(spec, definitions, index)
        if isinstance(definition, MessageEventDefinition):
            template = getattr(definition, "correlation_key", None)
            key = None
            if template is not None:
                value = evaluate_template(template, task.data)
                key = None if value is None else _key_text(value)
            found.append(Subscription("message", definition.name, key, element))
        elif isinstance(definition, SignalEventDefinition):
            found.append(Subscription("signal", definition.name, None, element))
    return found


def _key_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _gateway_output(spec: Any, definitions: list[Any], index: int) -> str | None:
    """The catch event after an event-based gateway that ``definitions[index]`` came from, else None.

    SpiffWorkflow moves the definitions of those catch events onto the gateway, in the order of its
    outputs (``EventBasedGateway.connect``); Camunda lists each wait under its catch event.
    """
    if isinstance(spec, EventBasedGateway) and len(definitions) == len(spec.outputs):
        return getattr(spec.outputs[index], "bpmn_id", None)
    return None


def is_timer_wait(task: Any) -> bool:
    return any(isinstance(d, TimerEventDefinition) for d in _definitions(task.task_spec))


def timer_element(task: Any) -> str | None:
    """The element a waiting task's timer belongs to: its own, or the timer event after an event-based gateway.

    SpiffWorkflow moves the definitions of the catch events after an event-based gateway onto the
    gateway, in the order of its outputs (``EventBasedGateway.connect``), and the gateway task waits;
    Camunda lists that timer under the timer catch event, so it is named from the matching output:
    the one whose timer was scheduled (the earliest, ``bpmn.timer_events``), else the only timer.
    """
    spec = task.task_spec
    if isinstance(spec, EventBasedGateway):
        definitions = _definitions(spec)
        if len(definitions) == len(spec.outputs):
            scheduled = scheduled_gateway_timer(task)
            if scheduled is not None:
                return getattr(spec.outputs[scheduled[0]], "bpmn_id", None)
            for output, definition in zip(spec.outputs, definitions, strict=True):
                if isinstance(definition, TimerEventDefinition):
                    return getattr(output, "bpmn_id", None)
    return getattr(spec, "bpmn_id", None)


def signals_thrown_by(task: Any) -> list[Thrown]:
    """A signal throw event that completed broadcasts to every other instance."""
    spec = task.task_spec
    if isinstance(spec, ThrowingEvent) and isinstance(spec.event_definition, SignalEventDefinition):
        return [Thrown("signal", spec.event_definition.name, {})]
    return []


def uncaught_messages(workflow: Any) -> list[Thrown]:
    """Messages a step threw that no task of the same instance caught: they go to other instances."""
    thrown = []
    for event in workflow.get_events():
        if isinstance(event.event_definition, MessageEventDefinition):
            payload = event.payload if isinstance(event.payload, dict) else {}
            thrown.append(Thrown("message", event.event_definition.name, dict(payload)))
    return thrown


def _event(kind: str, name: str, payload: dict[str, Any]) -> BpmnEvent:
    definition = MessageEventDefinition(name) if kind == "message" else SignalEventDefinition(name)
    return BpmnEvent(definition, payload=dict(payload))


def deliver(workflow: Any, task_id: str, kind: str, name: str, payload: dict[str, Any]) -> bool:
    """Hand the event to the waiting task; False when it no longer waits for it."""
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None or task.state != TaskState.WAITING:
        return False
    event = _event(kind, name, payload)
    if not task.task_spec.catches(task, event):
        return False
    task.task_spec.catch(task, event)
    task.task_spec._update(task)
    return True


def start_events(spec: Any) -> list[Subscription]:
    """Message and signal start events of a process (not of its event subprocesses)."""
    found = []
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and task_spec in _top_level_starts(spec):
            for definition in _definitions(task_spec):
                if isinstance(definition, MessageEventDefinition):
                    found.append(Subscription("message", definition.name, None))
                elif isinstance(definition, SignalEventDefinition):
                    found.append(Subscription("signal", definition.name, None))
    return found


def _top_level_starts(spec: Any) -> list[Any]:
    starts = []
    for output in spec.start.outputs:
        if isinstance(output, StartEvent):
            starts.append(output)
        else:  # a StartEventSplit in front of several start events
            starts.extend(o for o in output.outputs if isinstance(o, StartEvent))
    return starts


def timer_starts(spec: Any) -> list[tuple[str, Any]]:
    """(element id, schedule) of the process's timer start events, which the engine's scheduler runs."""
    return [(s.bpmn_id, s.timer_start) for s in _top_level_starts(spec) if getattr(s, "timer_start", None) is not None]


def catch_start_event(workflow: Any, kind: str, name: str, payload: dict[str, Any]) -> None:
    """Start a fresh workflow through its message or signal start event, or the conditional one with id ``name``."""
    workflow.do_engine_steps()
    if kind == "conditional":
        _fire_conditional_start(workflow, name)
        return
    workflow.catch(_event(kind, name, payload))


def _fire_conditional_start(workflow: Any, element_id: str) -> None:
    # Its condition was judged by the evaluation that starts this instance (it is not judged
    # again here), so the event is fired as a caught message is.
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, ProcessStartCondition) and task.task_spec.bpmn_id == element_id:
            definition.catch(task)
            task.task_spec._update(task)
            return
    raise ModelError(f"the process has no conditional start event '{element_id}' waiting to start it")
