"""Event parsers: message correlation keys (Camunda 8), and throw events that are jobs.

Camunda 8 writes the correlation key of a message on the ``bpmn:message``
element (``zeebe:subscription correlationKey="=orderId"``); it is evaluated
when an instance starts waiting for the message. Camunda 8 message throw
events and Camunda 7 external message events carry a job definition: those
become job tasks, exactly like send tasks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
    BoundaryEventParser,
    EndEventParser,
    EventBasedGatewayParser,
    IntermediateCatchEventParser,
    IntermediateThrowEventParser,
    ReceiveTaskParser,
    StartEventParser,
)
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition

from bpmn.conditional_events import ConditionParsers
from bpmn.cron import is_cron, parse_cron
from bpmn.dialects.templates import template_from_text
from bpmn.dialects.xml_helpers import first_child
from bpmn.dialects.zeebe import ZEEBE_NS
from bpmn.timer_events import ClockCycle, on_engine_clock, task_now
from bpmn.timers import Schedule

BPMN_NS = ("http://www.omg.org/spec/BPMN/20100524/MODEL",)


class _CorrelationKeys:
    """Adds ``correlation_key`` (a template, or None) to every message event definition parsed."""

    def parse_message_event(self, message_event: Any) -> Any:
        definition = super().parse_message_event(message_event)  # type: ignore[misc]
        ref = message_event.get("messageRef")
        key = None
        if ref:
            root = message_event.getroottree().getroot()
            for message in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}message"):
                if message.get("id") == ref:
                    ext = first_child(message, BPMN_NS, "extensionElements")
                    sub = first_child(ext, ZEEBE_NS, "subscription") if ext is not None else None
                    if sub is not None and sub.get("correlationKey"):
                        key = template_from_text(sub.get("correlationKey"), "camunda8")
        definition.correlation_key = key
        return definition


def has_job_definition(node: Any) -> bool:
    """Camunda 8 ``zeebe:taskDefinition``, or Camunda 7 ``camunda:type="external"`` on the event definition."""
    ext = first_child(node, BPMN_NS, "extensionElements")
    if ext is not None and first_child(ext, ZEEBE_NS, "taskDefinition") is not None:
        return True
    for child in node.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}messageEventDefinition"):
        if child.get("{http://camunda.org/schema/1.0/bpmn}type") == "external":
            return True
    return False


class CronCycleTimer(ClockCycle):
    """A timer cycle that may also be a cron expression (Camunda 8 writes those), on the engine's clock."""

    def cycle_complete(self, my_task: Any) -> bool:
        expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        if not isinstance(expression, str) or not is_cron(expression):
            return bool(super().cycle_complete(my_task))
        cron = parse_cron(expression)
        now = task_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = {"cycles": -1, "next": cron.next_after(now).isoformat(), "duration": 0}
        ready = datetime.fromisoformat(event_value["next"]) <= now
        if ready:
            event_value = {**event_value, "next": cron.next_after(now).isoformat()}
        my_task._set_internal_data(event_value=event_value)
        return ready


class _Timers:
    """Timer cycles become :class:`CronCycleTimer`; dates and durations read the engine's clock too."""

    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        if isinstance(definition, CycleTimerEventDefinition) and not isinstance(definition, CronCycleTimer):
            return CronCycleTimer(definition.name, definition.expression, description=definition.description)
        return on_engine_clock(definition)


def timer_schedule(node: Any) -> Schedule | None:
    """The timer of a process-level timer start event, which the engine schedules itself."""
    for kind, tag in (("date", "timeDate"), ("duration", "timeDuration"), ("cycle", "timeCycle")):
        for found in node.iter(f"{{http://www.omg.org/spec/BPMN/20100524/MODEL}}{tag}"):
            return Schedule(kind, (found.text or "").strip())
    return None


class StartEvents(_Timers, ConditionParsers, _CorrelationKeys, StartEventParser):  # type: ignore[misc]
    """Start events, including the error and escalation starts of event subprocesses.

    A timer start event of a process (not of an event subprocess) starts new
    instances: the engine's scheduler does that, so the instance itself starts
    at once, like Camunda's do.
    """

    def create_task(self) -> Any:
        parent = self.node.getparent()
        schedule = timer_schedule(self.node) if parent is not None and parent.tag.endswith("}process") else None
        if schedule is not None:
            task = self._create_task(NoneEventDefinition())
            task.timer_start = schedule
            task.interrupting = True
            self.spec.start.connect(task)
            return task
        event_definition = self.get_event_definition(
            [
                MESSAGE_EVENT_XPATH,
                SIGNAL_EVENT_XPATH,
                TIMER_EVENT_XPATH,
                CONDITIONAL_EVENT_XPATH,
                ERROR_EVENT_XPATH,
                ESCALATION_EVENT_XPATH,
            ]
        )
        task = self._create_task(event_definition)
        task.interrupting = self.node.get("isInterrupting", "true") != "false"
        self.spec.start.connect(task)
        return task


class IntermediateCatchEvents(_Timers, ConditionParsers, _CorrelationKeys, IntermediateCatchEventParser):  # type: ignore[misc]
    pass


class BoundaryEvents(_Timers, ConditionParsers, _CorrelationKeys, BoundaryEventParser):  # type: ignore[misc]
    def parse_error_event(self, error_event: Any) -> Any:
        """Camunda 7 names the variables that receive the caught error's code and message."""
        definition = super().parse_error_event(error_event)
        for ns in ("http://camunda.org/schema/1.0/bpmn", "http://operaton.org/schema/1.0/bpmn"):
            definition.code_variable = definition.__dict__.get("code_variable") or error_event.get(
                f"{{{ns}}}errorCodeVariable"
            )
            definition.message_variable = definition.__dict__.get("message_variable") or error_event.get(
                f"{{{ns}}}errorMessageVariable"
            )
        return definition


class ReceiveTasks(_CorrelationKeys, ReceiveTaskParser):  # type: ignore[misc]
    pass


class EventBasedGateways(_CorrelationKeys, EventBasedGatewayParser):  # type: ignore[misc]
    pass


def _job_from_event(parser: Any) -> Any:
    from bpmn.parser import job_task_for

    return job_task_for(parser)


class IntermediateThrowEvents(IntermediateThrowEventParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        if has_job_definition(self.node):
            return _job_from_event(self)
        return super().create_task()


class EndEvents(EndEventParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        if has_job_definition(self.node):
            return _job_from_event(self)
        return super().create_task()
