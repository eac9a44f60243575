"""Date, time and duration arithmetic and properties, FEEL style.

The rules follow feel-scala: ``date + duration`` stays a date, ``date - date``
and ``date and time - date and time`` give a days-time duration, durations
scale by numbers, and adding months clamps to the end of the month
(``2024-01-31 + P1M`` is ``2024-02-29``). Anything that does not fit,
including mixing a zoned and a local date-time or leaving the calendar range
Python supports, gives ``None`` (FEEL null) instead of an error.

A wide operand (a year outside 1..9999, nanoseconds: ``wide_temporal``)
sends the operation to ``wide_ops``, which computes on integers.

Zoned date-times move by instants (converted through UTC) so adding ``PT1H``
across a daylight-saving change yields one real hour, as Java's
``ZonedDateTime.plus(Duration)`` does.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bpmn.expressions.feel import numbers, wide_ops
from bpmn.expressions.feel.temporal import zone_suffix
from bpmn.expressions.feel.wide_temporal import WideDuration, is_wide
from bpmn.expressions.values import YearsMonthsDuration

Duration = timedelta | YearsMonthsDuration
_ONE_MICRO = timedelta(microseconds=1)
_ANCHOR = date(2000, 1, 3)


def is_duration(value: object) -> bool:
    return isinstance(value, (timedelta, YearsMonthsDuration, WideDuration))


def add_months(value: date, months: int) -> Any:
    """Calendar month arithmetic with end-of-month clamping."""
    years, month_index = divmod(value.month - 1 + months, 12)
    year = value.year + years
    if not 1 <= year <= 9999:
        point = wide_ops.as_point(value)
        return None if point is None else wide_ops.add_months(point, months)
    day = min(value.day, calendar.monthrange(year, month_index + 1)[1])
    return value.replace(year=year, month=month_index + 1, day=day)


def shift(point: Any, amount: Duration, sign: int) -> Any:
    """``point + amount`` (sign 1) or ``point - amount`` (sign -1); None if impossible."""
    if is_wide(point) or is_wide(amount):
        return wide_ops.shift(point, amount, sign)
    try:
        if isinstance(amount, YearsMonthsDuration):
            if isinstance(point, date):
                return add_months(point, sign * amount.months)
            return None
        delta = amount if sign > 0 else -amount
        if isinstance(point, datetime):
            if point.tzinfo is not None and point.utcoffset() is not None:
                moved = point.astimezone(UTC) + delta
                return moved.astimezone(point.tzinfo)
            return point + delta
        if isinstance(point, date):
            return (datetime.combine(point, time()) + delta).date()
        if isinstance(point, time):
            return (datetime.combine(_ANCHOR, point) + delta).timetz()
    except (OverflowError, ValueError):
        return wide_ops.shift(point, amount, sign)  # past year 9999 or before year 1
    return None


def add(a: Any, b: Any) -> Any:
    if is_wide(a) or is_wide(b):
        return wide_ops.add(a, b)
    if isinstance(a, timedelta) and isinstance(b, timedelta):
        return _checked(lambda: a + b, lambda: wide_ops.add(a, b))
    if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
        return YearsMonthsDuration(a.months + b.months)
    if is_duration(b) and not is_duration(a):
        return shift(a, b, 1)
    if is_duration(a) and not is_duration(b):
        return shift(b, a, 1)
    return None


def subtract(a: Any, b: Any) -> Any:
    if is_wide(a) or is_wide(b):
        return wide_ops.subtract(a, b)
    if isinstance(a, timedelta) and isinstance(b, timedelta):
        return _checked(lambda: a - b, lambda: wide_ops.subtract(a, b))
    if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
        return YearsMonthsDuration(a.months - b.months)
    if is_duration(b) and not is_duration(a):
        return shift(a, b, -1)
    if isinstance(a, datetime) and isinstance(b, datetime):
        aware_a, aware_b = a.utcoffset() is not None, b.utcoffset() is not None
        if aware_a != aware_b:
            return None
        if aware_a:
            try:
                return a.astimezone(UTC) - b.astimezone(UTC)
            except OverflowError:  # an instant just outside years 1..9999
                return wide_ops.subtract(a, b)
        return a - b
    if isinstance(a, datetime) or isinstance(b, datetime):
        return None
    if isinstance(a, date) and isinstance(b, date):
        return a - b
    if isinstance(a, time) and isinstance(b, time):
        if (a.utcoffset() is None) != (b.utcoffset() is None):
            return None
        return datetime.combine(_ANCHOR, a) - datetime.combine(_ANCHOR, b)
    return None


def multiply(a: Any, b: Any) -> Any:
    """duration * number or number * duration."""
    if numbers.is_number(a) and is_duration(b):
        a, b = b, a
    if not numbers.is_number(b):
        return None
    if isinstance(a, WideDuration):
        return wide_ops.multiply(a, b)
    if isinstance(a, timedelta):
        return _scale(a, numbers.to_decimal(b), multiply=True)
    if isinstance(a, YearsMonthsDuration):
        product = numbers.multiply(a.months, b)
        return None if product is None else YearsMonthsDuration(int(product))
    return None


def divide(a: Any, b: Any) -> Any:
    """duration / number -> duration; duration / duration -> number."""
    if is_wide(a) or is_wide(b):
        return wide_ops.divide(a, b)
    if isinstance(a, timedelta) and isinstance(b, timedelta):
        return numbers.divide(a // _ONE_MICRO, b // _ONE_MICRO)
    if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
        return numbers.divide(a.months, b.months)
    if not numbers.is_number(b) or b == 0:
        return None
    if isinstance(a, timedelta):
        return _scale(a, numbers.to_decimal(b), multiply=False)
    if isinstance(a, YearsMonthsDuration):
        quotient = numbers.divide(a.months, b)
        return None if quotient is None else YearsMonthsDuration(int(quotient))
    return None


def negate(value: Duration) -> Duration | None:
    if isinstance(value, YearsMonthsDuration):
        return YearsMonthsDuration(-value.months)
    if isinstance(value, WideDuration):
        return wide_ops.negate(value)
    try:
        return -value
    except OverflowError:
        return None


def _scale(value: timedelta, factor: Any, *, multiply: bool) -> Any:
    micros = numbers.to_decimal(value // _ONE_MICRO)
    try:
        if multiply:
            result = numbers.DECIMALS.multiply(micros, factor)
        else:
            result = numbers.DECIMALS.divide(micros, factor)
        return timedelta(microseconds=int(result.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    except OverflowError:
        return wide_ops.multiply(value, factor) if multiply else wide_ops.divide(value, factor)
    except (ArithmeticError, ValueError):
        return None


def _checked(compute: Callable[[], timedelta], wide: Callable[[], Any]) -> Any:
    """``compute()``, or ``wide()`` when the result is longer than a ``timedelta`` holds."""
    try:
        return compute()
    except OverflowError:
        return wide()


NO_PROPERTY = object()


def temporal_property(value: Any, name: str) -> Any:
    """``d.year``, ``t.hour``, ``dur.days`` ...; returns ``NO_PROPERTY`` if unknown."""
    if isinstance(value, WideDuration):
        return wide_ops.duration_property(value, name, NO_PROPERTY)
    if is_wide(value):
        return wide_ops.point_property(value, name, NO_PROPERTY)
    if isinstance(value, (date, time)):
        return _point_property(value, name)
    if isinstance(value, timedelta):
        micros = value // _ONE_MICRO
        sign = -1 if micros < 0 else 1
        total = abs(micros)
        parts = {
            "days": total // 86_400_000_000,
            "hours": total // 3_600_000_000 % 24,
            "minutes": total // 60_000_000 % 60,
            "seconds": total // 1_000_000 % 60,
        }
        return sign * parts[name] if name in parts else NO_PROPERTY
    if isinstance(value, YearsMonthsDuration):
        if name == "years":
            return value.years
        if name == "months":
            return value.remaining_months
    return NO_PROPERTY


def _point_property(value: date | time, name: str) -> Any:
    if isinstance(value, date) and name in ("year", "month", "day", "weekday"):
        if name == "weekday":
            return value.isoweekday()
        return _date_field(value, name)
    clock: time | None
    if isinstance(value, datetime):
        clock = value.timetz()
    elif isinstance(value, time):
        clock = value
    else:
        clock = None
    if clock is None:
        return NO_PROPERTY
    if name == "hour":
        return clock.hour
    if name == "minute":
        return clock.minute
    if name == "second":
        return clock.second
    offset = clock.utcoffset() if not isinstance(value, datetime) else value.utcoffset()
    if name == "time offset":
        return offset
    if name == "timezone":
        suffix = zone_suffix(clock.tzinfo, offset)
        return suffix[1:] if suffix.startswith("@") else None
    return NO_PROPERTY


def _date_field(value: date, name: str) -> int:
    """Fixed, trusted field names only; never called with user text."""
    if name == "year":
        return value.year
    if name == "month":
        return value.month
    return value.day
