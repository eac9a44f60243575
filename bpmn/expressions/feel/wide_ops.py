"""Arithmetic, ordering and properties when a temporal operand is a wide value.

``temporal_ops`` and ``values`` send an operation here when either operand
is one of :mod:`wide_temporal`'s types; ordinary values keep their Python
fast path. Every temporal value is first read as a :class:`Point` (day
number, nanoseconds of the day, zone) or as nanoseconds of duration, the
arithmetic is done on integers, and the result is built back with the
canonical constructors: ``date("0001-01-01") - duration("P1D")`` is the
``WideDate`` 0000-12-31, and ``date("10000-01-01") - duration("P1D")`` is a
plain ``date`` again.

The semantics are those of ``temporal_ops`` (feel-scala's, within the
standard): zoned date-times move by instants, local ones by their clock,
dates by whole days (a fraction of a day is dropped), times wrap at
midnight, months clamp to the end of the month, and anything that does not
fit is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bpmn.expressions.feel import numbers
from bpmn.expressions.feel.wide_temporal import (
    DAY_NS,
    SECOND_NS,
    WideDate,
    WideDateTime,
    WideDuration,
    WideTime,
    civil_from_days,
    days_from_civil,
    days_in_month,
    duration_nanos,
    fixed_offset,
    local_of_instant,
    make_date,
    make_datetime,
    make_datetime_from_days,
    make_duration,
    make_time,
    offset_at,
)
from bpmn.expressions.values import YearsMonthsDuration


@dataclass(frozen=True, slots=True)
class Point:
    """A date (``nanos`` 0, no zone), a time (``days`` 0) or a date and time, as integers."""

    kind: str  # "date", "time" or "date and time"
    days: int
    nanos: int
    zone: tzinfo | None

    def instant(self) -> int | None:
        """UTC nanoseconds since 1970 of a zoned date and time; None when local."""
        if self.zone is None:
            return None
        offset = offset_at(self.zone, self.days, self.nanos)
        return None if offset is None else self.days * DAY_NS + self.nanos - offset * SECOND_NS


def _clock_nanos(value: time | datetime) -> int:
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return seconds * SECOND_NS + value.microsecond * 1000


def as_point(value: Any) -> Point | None:
    """Any date, time or date and time (Python's or wide) as a :class:`Point`; None otherwise."""
    if isinstance(value, datetime):
        days = days_from_civil(value.year, value.month, value.day)
        return Point("date and time", days, _clock_nanos(value), value.tzinfo)
    if isinstance(value, date):
        return Point("date", days_from_civil(value.year, value.month, value.day), 0, None)
    if isinstance(value, time):
        return Point("time", 0, _clock_nanos(value), value.tzinfo)
    if isinstance(value, WideDateTime):
        return Point("date and time", days_from_civil(*value.ymd), value.nanos, value.zone)
    if isinstance(value, WideDate):
        return Point("date", days_from_civil(value.year, value.month, value.day), 0, None)
    if isinstance(value, WideTime):
        return Point("time", 0, value.nanos, value.zone)
    return None


def _is_duration(value: Any) -> bool:
    return duration_nanos(value) is not None or isinstance(value, YearsMonthsDuration)


def add_months(point: Point, months: int) -> Any:
    year, month, day = civil_from_days(point.days)
    years, month_index = divmod(month - 1 + months, 12)
    year += years
    day = min(day, days_in_month(year, month_index + 1))
    if point.kind == "date":
        return make_date(year, month_index + 1, day)
    return make_datetime(year, month_index + 1, day, point.nanos, point.zone)


def shift(value: Any, amount: Any, sign: int) -> Any:
    point = as_point(value)
    if point is None:
        return None
    if isinstance(amount, YearsMonthsDuration):
        return None if point.kind == "time" else add_months(point, sign * amount.months)
    delta = duration_nanos(amount)
    if delta is None:
        return None
    delta *= sign
    if point.kind == "date":
        return make_date(*civil_from_days(point.days + delta // DAY_NS))
    if point.kind == "time":
        return make_time((point.nanos + delta) % DAY_NS, point.zone)
    instant = point.instant()
    if instant is None or point.zone is None:
        return make_datetime_from_days(point.days, point.nanos + delta, point.zone)
    days, nanos = local_of_instant(point.zone, instant + delta)
    return make_datetime_from_days(days, nanos, point.zone)


def add(a: Any, b: Any) -> Any:
    left, right = duration_nanos(a), duration_nanos(b)
    if left is not None and right is not None:
        return make_duration(left + right)
    if _is_duration(b) and not _is_duration(a):
        return shift(a, b, 1)
    if _is_duration(a) and not _is_duration(b):
        return shift(b, a, 1)
    return None


def subtract(a: Any, b: Any) -> Any:
    left, right = duration_nanos(a), duration_nanos(b)
    if left is not None and right is not None:
        return make_duration(left - right)
    if _is_duration(b) and not _is_duration(a):
        return shift(a, b, -1)
    first, second = as_point(a), as_point(b)
    if first is None or second is None or first.kind != second.kind:
        return None
    difference = _difference(first, second)
    return None if difference is None else make_duration(difference)


def _difference(first: Point, second: Point) -> int | None:
    """``first - second`` in nanoseconds when both are of one kind and both zoned or both local."""
    if first.kind == "time":
        offsets = _time_offset(first), _time_offset(second)
        if (offsets[0] is None) != (offsets[1] is None):
            return None
        shift_first = offsets[0] or 0
        shift_second = offsets[1] or 0
        return (first.nanos - shift_first) - (second.nanos - shift_second)
    if (first.zone is None) != (second.zone is None):
        return None
    start, end = first.instant(), second.instant()
    if start is not None and end is not None:
        return start - end
    return (first.days - second.days) * DAY_NS + first.nanos - second.nanos


def _time_offset(point: Point) -> int | None:
    """A time's offset in nanoseconds: a fixed one's; a named zone's is not known without a date."""
    fixed = fixed_offset(point.zone)
    return None if fixed is None else int(fixed.total_seconds()) * SECOND_NS


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 for two values of one temporal type; None when they are not ordered."""
    left, right = duration_nanos(a), duration_nanos(b)
    if left is None or right is None:
        first, second = as_point(a), as_point(b)
        if first is None or second is None or first.kind != second.kind:
            return None
        difference = _difference(first, second)
        if difference is None:
            return None
        return -1 if difference < 0 else (1 if difference > 0 else 0)
    return -1 if left < right else (1 if left > right else 0)


def multiply(duration: Any, factor: Any) -> Any:
    nanos = duration_nanos(duration)
    if nanos is None or not numbers.is_number(factor):
        return None
    return _scaled(numbers.DECIMALS.multiply(Decimal(nanos), numbers.to_decimal(factor)))


def divide(a: Any, b: Any) -> Any:
    nanos, other = duration_nanos(a), duration_nanos(b)
    if nanos is None:
        return None
    if other is not None:
        return numbers.divide(nanos, other)
    if not numbers.is_number(b) or b == 0:
        return None
    return _scaled(numbers.DECIMALS.divide(Decimal(nanos), numbers.to_decimal(b)))


def _scaled(result: Decimal) -> Any:
    try:
        return make_duration(int(result.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    except (ArithmeticError, OverflowError, ValueError):
        return None


def negate(value: Any) -> Any:
    nanos = duration_nanos(value)
    return None if nanos is None else make_duration(-nanos)


def absolute(value: Any) -> Any:
    nanos = duration_nanos(value)
    return None if nanos is None else make_duration(abs(nanos))


def iso_weekday(days: int) -> int:
    """1 (Monday) .. 7 (Sunday); 1970-01-01, day 0, was a Thursday."""
    return (days + 3) % 7 + 1


def point_property(value: Any, name: str, missing: object) -> Any:
    """``year`` .. ``timezone`` of a wide date, time or date and time; ``missing`` if unknown."""
    point = as_point(value)
    if point is None:
        return missing
    if point.kind != "time" and name in ("year", "month", "day", "weekday"):
        year, month, day = civil_from_days(point.days)
        return {"year": year, "month": month, "day": day, "weekday": iso_weekday(point.days)}[name]
    if point.kind == "date":
        return missing
    seconds = point.nanos // SECOND_NS
    clock = {"hour": seconds // 3600, "minute": seconds // 60 % 60, "second": seconds % 60}
    if name in clock:
        return clock[name]
    if name == "time offset":
        if point.kind == "time" or point.zone is None:
            return fixed_offset(point.zone)
        offset = offset_at(point.zone, point.days, point.nanos)
        return None if offset is None else timedelta(seconds=offset)
    if name == "timezone":
        key = getattr(point.zone, "key", None)
        return str(key) if key else None
    return missing


def duration_property(value: WideDuration, name: str, missing: object) -> Any:
    sign = -1 if value.nanos < 0 else 1
    total = abs(value.nanos)
    parts = {
        "days": total // DAY_NS,
        "hours": total // (3600 * SECOND_NS) % 24,
        "minutes": total // (60 * SECOND_NS) % 60,
        "seconds": total // SECOND_NS % 60,
    }
    return sign * parts[name] if name in parts else missing
