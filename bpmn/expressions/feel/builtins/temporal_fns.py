"""FEEL functions that build or inspect dates, times and durations.

``now()`` and ``today()`` read one clock value captured when the evaluation
starts, so ``now() = now()`` is always true and a single expression sees a
consistent instant. The clock is UTC: workers may run in any zone, and a
process should not behave differently depending on where it was picked up.
Unparseable text gives null, as in feel-scala.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from bpmn.expressions.feel import temporal
from bpmn.expressions.feel.functions import (
    BUILTINS,
    ArgumentMismatch,
    CallContext,
    expect_int,
    expect_number,
    expect_text,
)
from bpmn.expressions.feel.numbers import to_decimal
from bpmn.expressions.values import YearsMonthsDuration

fn = BUILTINS.function
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _date_of(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ArgumentMismatch


@fn("date", "from")
def _date(ctx: CallContext, args: list[Any]) -> Any:
    if isinstance(args[0], str):
        return temporal.parse_date(args[0])
    return _date_of(args[0])


@fn("date", "year", "month", "day")
def _date_parts(ctx: CallContext, args: list[Any]) -> Any:
    try:
        return date(expect_int(args[0]), expect_int(args[1]), expect_int(args[2]))
    except (ValueError, OverflowError):
        return None


@fn("time", "from")
def _time(ctx: CallContext, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str):
        return temporal.parse_time(value)
    if isinstance(value, datetime):
        return value.timetz()
    if isinstance(value, date):
        return time(0, 0, tzinfo=UTC)
    if isinstance(value, time):
        return value
    raise ArgumentMismatch


def _clock(args: list[Any], offset: Any) -> Any:
    second = to_decimal(expect_number(args[2]))
    micros = int((second - int(second)) * 1_000_000)
    if offset is not None and not isinstance(offset, timedelta):
        raise ArgumentMismatch
    try:
        zone = None if offset is None else timezone(offset)
        return time(expect_int(args[0]), expect_int(args[1]), int(second), micros, tzinfo=zone)
    except (ValueError, OverflowError):
        return None


@fn("time", "hour", "minute", "second")
def _time_parts(ctx: CallContext, args: list[Any]) -> Any:
    return _clock(args, None)


@fn("time", "hour", "minute", "second", "offset")
def _time_parts_offset(ctx: CallContext, args: list[Any]) -> Any:
    return _clock(args, args[3])


@fn("date and time", "from")
def _date_and_time(ctx: CallContext, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str):
        return temporal.parse_datetime(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise ArgumentMismatch


@fn("date and time", "date", "time")
def _date_and_time_parts(ctx: CallContext, args: list[Any]) -> Any:
    day, second = _date_of(args[0]), args[1]
    if isinstance(second, time):
        return datetime.combine(day, second)
    if isinstance(second, str) and isinstance(args[0], datetime):
        zone = temporal.zone_from_text(second)
        if zone is None:
            return None
        current = args[0]
        if current.utcoffset() is None:
            return current.replace(tzinfo=zone)
        return current.astimezone(zone)
    raise ArgumentMismatch


@fn("duration", "from")
def _duration(ctx: CallContext, args: list[Any]) -> Any:
    return temporal.parse_duration(expect_text(args[0]))


@fn("years and months duration", "from", "to")
def _years_and_months(ctx: CallContext, args: list[Any]) -> Any:
    start, end = _date_of(args[0]), _date_of(args[1])
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return YearsMonthsDuration(months)


@fn("now")
def _now(ctx: CallContext, args: list[Any]) -> Any:
    return ctx.now


@fn("today")
def _today(ctx: CallContext, args: list[Any]) -> Any:
    return ctx.now.date()


@fn("day of week", "date")
def _day_of_week(ctx: CallContext, args: list[Any]) -> Any:
    return _DAYS[_date_of(args[0]).weekday()]


@fn("day of year", "date")
def _day_of_year(ctx: CallContext, args: list[Any]) -> Any:
    return _date_of(args[0]).timetuple().tm_yday


@fn("week of year", "date")
def _week_of_year(ctx: CallContext, args: list[Any]) -> Any:
    return _date_of(args[0]).isocalendar()[1]


@fn("month of year", "date")
def _month_of_year(ctx: CallContext, args: list[Any]) -> Any:
    return _MONTHS[_date_of(args[0]).month - 1]


@fn("last day of month", "date")
def _last_day_of_month(ctx: CallContext, args: list[Any]) -> Any:
    day = _date_of(args[0])
    following = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return (following - timedelta(days=1)).day
