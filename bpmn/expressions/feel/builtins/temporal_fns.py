"""FEEL functions that build or inspect dates, times and durations.

``now()`` and ``today()`` read one clock value captured when the evaluation
starts, so ``now() = now()`` is always true and a single expression sees a
consistent instant. The clock is UTC: workers may run in any zone, and a
process should not behave differently depending on where it was picked up.
Unparseable text gives null, as in feel-scala. Dates, times and date-times
beyond Python's (any year, nanoseconds) are built and read through
``wide_temporal``'s canonical constructors, so every function here accepts
both kinds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from bpmn.expressions.feel import temporal, wide_ops
from bpmn.expressions.feel.functions import (
    BUILTINS,
    ArgumentMismatch,
    CallContext,
    expect_int,
    expect_number,
    expect_text,
)
from bpmn.expressions.feel.numbers import to_decimal
from bpmn.expressions.feel.wide_ops import Point, as_point
from bpmn.expressions.feel.wide_temporal import (
    SECOND_NS,
    civil_from_days,
    days_from_civil,
    days_in_month,
    local_of_instant,
    make_date,
    make_datetime_from_days,
    make_time,
)
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


def _day_point(value: Any) -> Point:
    """A date or a date and time as a point (its date part is what the caller reads)."""
    point = as_point(value)
    if point is None or point.kind == "time":
        raise ArgumentMismatch
    return point


def _date_of(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return make_date(*civil_from_days(_day_point(value).days))


@fn("date", "from")
def _date(ctx: CallContext, args: list[Any]) -> Any:
    if isinstance(args[0], str):
        return temporal.parse_date(args[0])
    return _date_of(args[0])


@fn("date", "year", "month", "day")
def _date_parts(ctx: CallContext, args: list[Any]) -> Any:
    return make_date(expect_int(args[0]), expect_int(args[1]), expect_int(args[2]))


@fn("time", "from")
def _time(ctx: CallContext, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str):
        return temporal.parse_time(value)
    point = as_point(value)
    if point is None:
        raise ArgumentMismatch
    if point.kind == "date":
        return time(0, 0, tzinfo=UTC)
    return make_time(point.nanos, point.zone)


def _clock(args: list[Any], offset: Any) -> Any:
    hour, minute = expect_int(args[0]), expect_int(args[1])
    second = to_decimal(expect_number(args[2]))
    if offset is not None and not isinstance(offset, timedelta):
        raise ArgumentMismatch
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second < 60):
        return None
    try:
        zone = None if offset is None else timezone(offset)
    except ValueError:  # an offset of a day or more
        return None
    nanos = int(second * SECOND_NS) + (hour * 3600 + minute * 60) * SECOND_NS
    return make_time(nanos, zone)


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
    point = _day_point(value)
    if point.kind == "date":
        return make_datetime_from_days(point.days, 0, None)
    return value


@fn("date and time", "date", "time")
def _date_and_time_parts(ctx: CallContext, args: list[Any]) -> Any:
    day, second = _day_point(args[0]), args[1]
    if isinstance(second, str) and day.kind == "date and time":
        return _in_zone(day, second)
    clock = as_point(second)
    if clock is None or clock.kind != "time":
        raise ArgumentMismatch
    return make_datetime_from_days(day.days, clock.nanos, clock.zone)


def _in_zone(current: Point, zone_text: str) -> Any:
    """A local date and time placed in the zone, or a zoned one's instant seen from it."""
    zone = temporal.zone_from_text(zone_text)
    if zone is None:
        return None
    instant = current.instant()
    if instant is None:
        return make_datetime_from_days(current.days, current.nanos, zone)
    return make_datetime_from_days(*local_of_instant(zone, instant), zone)


@fn("duration", "from")
def _duration(ctx: CallContext, args: list[Any]) -> Any:
    return temporal.parse_duration(expect_text(args[0]))


@fn("years and months duration", "from", "to")
def _years_and_months(ctx: CallContext, args: list[Any]) -> Any:
    start = civil_from_days(_day_point(args[0]).days)
    end = civil_from_days(_day_point(args[1]).days)
    months = (end[0] - start[0]) * 12 + (end[1] - start[1])
    if months > 0 and end[2] < start[2]:
        months -= 1
    elif months < 0 and end[2] > start[2]:
        months += 1
    return YearsMonthsDuration(months)


@fn("now")
def _now(ctx: CallContext, args: list[Any]) -> Any:
    return ctx.now


@fn("today")
def _today(ctx: CallContext, args: list[Any]) -> Any:
    return ctx.now.date()


def _ymd_days(value: Any) -> tuple[int, int, int, int]:
    days = _day_point(value).days
    return (*civil_from_days(days), days)


@fn("day of week", "date")
def _day_of_week(ctx: CallContext, args: list[Any]) -> Any:
    return _DAYS[wide_ops.iso_weekday(_day_point(args[0]).days) - 1]


@fn("day of year", "date")
def _day_of_year(ctx: CallContext, args: list[Any]) -> Any:
    year, _, _, days = _ymd_days(args[0])
    return days - days_from_civil(year, 1, 1) + 1


def _iso_weeks(year: int) -> int:
    """52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or a leap year on a Wednesday."""
    starts = wide_ops.iso_weekday(days_from_civil(year, 1, 1))
    return 53 if starts == 4 or (starts == 3 and days_in_month(year, 2) == 29) else 52


@fn("week of year", "date")
def _week_of_year(ctx: CallContext, args: list[Any]) -> Any:
    """The ISO 8601 week: week 1 is the one with the year's first Thursday."""
    year, _, _, days = _ymd_days(args[0])
    ordinal = days - days_from_civil(year, 1, 1) + 1
    week = (ordinal - wide_ops.iso_weekday(days) + 10) // 7
    if week < 1:
        return _iso_weeks(year - 1)
    return 1 if week > _iso_weeks(year) else week


@fn("month of year", "date")
def _month_of_year(ctx: CallContext, args: list[Any]) -> Any:
    return _MONTHS[_ymd_days(args[0])[1] - 1]


@fn("last day of month", "date")
def _last_day_of_month(ctx: CallContext, args: list[Any]) -> Any:
    year, month, _, _ = _ymd_days(args[0])
    return days_in_month(year, month)
