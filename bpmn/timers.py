"""When timers are due: durations, dates, ISO repeating intervals and cron cycles.

SpiffWorkflow evaluates timers of running instances itself; this module serves
what it does not cover: a cycle written as cron, and timer start events, which
the engine schedules outside any instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bpmn.cron import is_cron, parse_cron
from bpmn.durations import add_duration, parse_duration


@dataclass(frozen=True)
class Schedule:
    kind: str  # date | duration | cycle
    expression: str


def parse_date(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_timer(kind: str, text: str) -> str | None:
    """Why a static timer value is wrong, or None when it is fine."""
    try:
        first_due(Schedule(kind, text), datetime.now(UTC))
    except ValueError as exc:
        examples = {"date": "2026-12-24T18:00:00Z", "duration": "PT10S or P1D", "cycle": "R3/PT10S or 0 0 9 * * MON"}
        return f"{text!r} is not a valid timer {kind} ({exc}); write e.g. {examples.get(kind, '')}"
    return None


def first_due(schedule: Schedule, now: datetime) -> tuple[datetime, int | None]:
    """The first due time and how many cycles remain after it (None = unbounded, 0 = last)."""
    text = schedule.expression.strip()
    if schedule.kind == "date":
        return parse_date(text), 0
    if schedule.kind == "duration":
        return add_duration(now, text), 0
    if is_cron(text):
        return parse_cron(text).next_after(now), None
    count, start, period = _repeating(text)
    first = start if start is not None else add_duration(now, period)
    return first, (None if count is None else count - 1)


def next_due(schedule: Schedule, last: datetime, cycles_left: int | None) -> tuple[datetime, int | None] | None:
    """After firing at ``last``: the next due time, or None when the cycle is over."""
    if schedule.kind != "cycle" or cycles_left == 0:
        return None
    text = schedule.expression.strip()
    if is_cron(text):
        return parse_cron(text).next_after(last), None
    _, _, period = _repeating(text)
    return add_duration(last, period), (None if cycles_left is None else cycles_left - 1)


def _repeating(text: str) -> tuple[int | None, datetime | None, str]:
    """``R3/PT10S``, ``R/PT1H``, ``R2/2026-01-01T00:00:00Z/P1M`` -> (count, start, period)."""
    if not text.upper().startswith("R") or "/" not in text:
        raise ValueError("a cycle is R<count>/<duration>, R<count>/<start>/<duration> or a cron expression")
    head, *rest = text.split("/")
    count = int(head[1:]) if head[1:] else None
    if count is not None and count < 1:
        raise ValueError("the repeat count must be at least 1")
    if len(rest) == 1:
        parse_duration(rest[0])
        return count, None, rest[0]
    if len(rest) == 2:
        parse_duration(rest[1])
        return count, parse_date(rest[0]), rest[1]
    raise ValueError("too many '/' parts")
