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


class ClockTimeDate(TimeDateEventDefinition):  # type: ignore[misc]
    def has_fired(self, my_task: Any) -> bool:
        now = task_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = _timer_value(my_task, self.expression)
            if event_value.upper().startswith("P"):
                event_value = _due(event_value, now).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if _due(event_value, now) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockDuration(DurationTimerEventDefinition):  # type: ignore[misc]
    def has_fired(self, my_task: Any) -> bool:
        now = task_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = _timer_value(my_task, self.expression)
            event_value = add_duration(now, expression).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


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
