"""Timer event definitions that read the engine's clock instead of the system time.

SpiffWorkflow's timer definitions call ``datetime.now()`` themselves; these
subclasses keep its stored format (``event_value``) and semantics but take
"now" from the clock on the workflow's script engine (``bpmn.clock``), so a
process test's manual clock decides when a timer falls due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway

from bpmn.clock import SYSTEM_CLOCK, Clock, utc_now
from bpmn.durations import add_duration, parse_duration
from steadyflow.errors import ExpressionEvaluationError


def task_now(my_task: Any) -> datetime:
    """Now, by the clock of the engine running ``my_task``'s workflow."""
    clock: Clock = getattr(my_task.workflow.script_engine, "clock", SYSTEM_CLOCK)
    return utc_now(clock)


def _timer_value(my_task: Any, expression: str) -> str:
    """The timer's expression evaluated: ISO 8601 text, or a clear error naming the element."""
    value = my_task.workflow.script_engine.evaluate(my_task, expression)
    if not isinstance(value, str) or not value.strip():
        raise ExpressionEvaluationError(
            f"the timer of element '{my_task.task_spec.bpmn_id}' gave {value!r}, not a date or duration; "
            "check that the variables it reads are set",
            expression,
        )
    return value


def _due(expression: str, now: datetime) -> datetime:
    """A date, or a duration counted on the calendar from ``now``."""
    if expression.strip().upper().startswith(("P", "-P")):
        return add_duration(now, expression)
    parsed: datetime = TimerEventDefinition.parse_time_or_duration(expression)
    return parsed


GATEWAY_TIMER = "event_timer"
"""internal_data key: the index, among an event-based gateway's event definitions, of the timer scheduled."""


class _OneShot:
    """A date or duration timer: one due time, kept in ``event_value``.

    An event-based gateway holds the definitions of all its catch events (``EventBasedGateway.connect``)
    and its task has one ``internal_data``: SpiffWorkflow's timers would all share the first one's due
    time. With several timers the earliest is scheduled and it alone fires; ``event_timer`` says which.
    """

    def first_value(self, my_task: Any, now: datetime) -> str:
        """The ``event_value`` kept when the timer starts waiting."""
        raise NotImplementedError

    def due(self, event_value: str, now: datetime) -> datetime:
        return _due(event_value, now)

    def has_fired(self, my_task: Any) -> bool:
        now = task_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value, timer = _schedule(self, my_task, now)
            my_task._set_internal_data(event_value=event_value)
            if timer is not None:
                my_task._set_internal_data(**{GATEWAY_TIMER: timer})
        scheduled = scheduled_gateway_timer(my_task)
        if scheduled is not None and scheduled[1] is not self:
            return False
        if self.due(event_value, now) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


def _gateway_definitions(my_task: Any) -> list[Any]:
    spec = my_task.task_spec
    if not isinstance(spec, EventBasedGateway):
        return []
    return list(getattr(spec.event_definition, "event_definitions", []))


def scheduled_gateway_timer(my_task: Any) -> tuple[int, Any] | None:
    """Which of an event-based gateway's timers waits (index among its definitions, definition); None: one timer."""
    definitions = _gateway_definitions(my_task)
    index = my_task._get_internal_data(GATEWAY_TIMER)
    if not isinstance(index, int) or not 0 <= index < len(definitions):
        return None
    return index, definitions[index]


def _schedule(definition: _OneShot, my_task: Any, now: datetime) -> tuple[str, int | None]:
    """The due time to keep, and on an event-based gateway with several timers, which one it is."""
    timers = [(i, d) for i, d in enumerate(_gateway_definitions(my_task)) if isinstance(d, _OneShot)]
    if len(timers) < 2:
        return definition.first_value(my_task, now), None
    values = [(i, d, d.first_value(my_task, now)) for i, d in timers]
    index, _, value = min(values, key=lambda v: (v[1].due(v[2], now), v[0]))
    return value, index


class ClockTimeDate(_OneShot, TimeDateEventDefinition):  # type: ignore[misc]
    def first_value(self, my_task: Any, now: datetime) -> str:
        event_value = _timer_value(my_task, self.expression)
        if event_value.upper().startswith("P"):
            event_value = _due(event_value, now).isoformat()
        return event_value


class ClockDuration(_OneShot, DurationTimerEventDefinition):  # type: ignore[misc]
    def first_value(self, my_task: Any, now: datetime) -> str:
        return add_duration(now, _timer_value(my_task, self.expression)).isoformat()

    def due(self, event_value: str, now: datetime) -> datetime:
        parsed: datetime = TimerEventDefinition.get_datetime(event_value)
        return parsed


class ClockCycle(CycleTimerEventDefinition):  # type: ignore[misc]
    """``R<n>/<duration>``, ``R<n>/<start>/<duration>`` and ``R<n>/<duration>/<end>`` on the engine's clock.

    Each next time is the last one moved by the period on the calendar (``R/P1M`` fires
    monthly, clamped to a short month's last day), as Camunda's cycles do. The period's
    text is kept in ``event_value`` beside SpiffWorkflow's ``duration`` (seconds), which
    cycles stored before it was kept still use.
    """

    def first_event_value(self, my_task: Any, expression: str, now: datetime) -> dict[str, Any]:
        parts = expression.strip().upper().replace("--", "/").split("/")
        if not parts[0].startswith("R") or len(parts) not in (2, 3):
            raise ValueError(f"{expression!r} is not a cycle such as R3/PT10S or R/2026-01-31T09:00:00Z/P1M")
        cycles = int(parts[0][1:]) if parts[0][1:] else -1
        if len(parts) == 2:
            period, start = parts[1], add_duration(now, parts[1])
        elif parts[1].startswith("P"):
            period = parts[1]
            start = add_duration(TimerEventDefinition.get_datetime(parts[2]), f"-{period}")
        else:
            period, start = parts[2], TimerEventDefinition.get_datetime(parts[1])
        duration = parse_duration(period).approx_seconds()
        return {"cycles": cycles, "next": start.isoformat(), "duration": duration, "period": period}

    def cycle_complete(self, my_task: Any) -> bool:
        now = task_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = _timer_value(my_task, self.expression)
            event_value = self.first_event_value(my_task, expression, now)
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                period = event_value.get("period")
                later = (
                    add_duration(next_event, period)
                    if period
                    else next_event + timedelta(seconds=event_value["duration"])
                )
                event_value["next"] = later.isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def on_engine_clock(definition: Any) -> Any:
    """The clock-reading twin of one of SpiffWorkflow's timer definitions (others are returned as they are)."""
    for spiff, ours in (
        (TimeDateEventDefinition, ClockTimeDate),
        (DurationTimerEventDefinition, ClockDuration),
        (CycleTimerEventDefinition, ClockCycle),
    ):
        if type(definition) is spiff:
            return ours(definition.name, definition.expression, description=definition.description)
    return definition
