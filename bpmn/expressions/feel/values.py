"""FEEL's view of Python values: types, equality, ordering and printing.

FEEL compares only values of the same type. ``1 = "1"`` is neither true nor
false but ``null`` (feel-scala reports a failure and returns null), while
``null = null`` is true and ``null = 1`` is false. Ordering (``<`` and
friends) is defined for numbers, strings, dates, times, date-times of the
same kind (both zoned or both local) and durations of the same kind;
everything else orders to ``null``.

These functions never raise for ordinary JSON and temporal values; the
evaluator relies on that to keep FEEL's "most failures are null" behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeGuard

from bpmn.expressions.feel import numbers, temporal, wide_ops
from bpmn.expressions.feel.wide_temporal import WideDate, WideDateTime, WideDuration, WideTime, is_wide
from bpmn.expressions.limits import Budget, TextWriter
from bpmn.expressions.values import YearsMonthsDuration


class _Missing:
    """Marks a name or context entry that does not exist (distinct from null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class FeelRange:
    """A FEEL range/interval such as ``[1..5]`` or ``(1..5]``."""

    start: Any
    end: Any
    start_included: bool = True
    end_included: bool = True
    test: str = ""
    """``=`` or ``!=`` for the unary tests ``(=10)`` and ``(!=10)`` used as values: the TCK reads
    ``(=10)`` as a range from 10 to 10 that is still not ``[10..10]``, so the written form is kept."""

    def contains(self, value: Any) -> bool | None:
        """Whether ``value`` lies in the range; a ``None`` endpoint is unbounded (``range("< 10")``)."""
        if value is None:
            return None
        if self.test == "!=":
            same = equals(value, self.start)
            return None if same is None else not same
        low = -1 if self.start is None else compare(self.start, value)
        high = -1 if self.end is None else compare(value, self.end)
        if low is None or high is None:
            return None
        low_ok = low < 0 or (low == 0 and self.start_included)
        high_ok = high < 0 or (high == 0 and self.end_included)
        return low_ok and high_ok


def open_range(op: str, endpoint: Any) -> FeelRange | None:
    """The range ``< endpoint`` (or ``<=``, ``>``, ``>=``, and ``=`` / ``!=`` as :attr:`FeelRange.test` says).

    Null for a null or unordered endpoint.
    """
    if endpoint is None or compare(endpoint, endpoint) is None:
        return None
    if op in ("=", "!="):
        return FeelRange(endpoint, endpoint, op == "=", op == "=", op)
    if op in ("<", "<="):
        return FeelRange(None, endpoint, False, op == "<=")
    return FeelRange(endpoint, None, op == ">=", False)


def is_list(value: object) -> TypeGuard[Sequence[Any]]:
    return isinstance(value, (list, tuple))


def is_context(value: object) -> TypeGuard[Mapping[Any, Any]]:
    return isinstance(value, Mapping)


def type_name(value: object) -> str:
    """The FEEL type name of a value, as used by ``instance of`` and messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if numbers.is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date and time"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, timedelta):
        return "days and time duration"
    if isinstance(value, YearsMonthsDuration):
        return "years and months duration"
    if isinstance(value, WideDateTime):
        return "date and time"
    if isinstance(value, WideDate):
        return "date"
    if isinstance(value, WideTime):
        return "time"
    if isinstance(value, WideDuration):
        return "days and time duration"
    if is_list(value):
        return "list"
    if is_context(value):
        return "context"
    if isinstance(value, FeelRange):
        return "range"
    if callable(getattr(value, "signature", None)):
        return "function"
    return "unknown"


_TEMPORAL_KINDS = frozenset(("date", "time", "date and time", "days and time duration"))


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 when ``a`` and ``b`` are ordered FEEL values of one type, else None."""
    kind = type_name(a)
    if kind != type_name(b) or kind in ("null", "boolean", "list", "context", "range", "unknown"):
        return None
    try:
        if kind == "number":
            if a != a or b != b:  # NaN is not ordered
                return None
        elif kind in _TEMPORAL_KINDS:  # numbers, the hot path of decision tables, skip these checks
            if is_wide(a) or is_wide(b):
                return wide_ops.compare(a, b)
            if kind == "date and time" and (a.utcoffset() is None) != (b.utcoffset() is None):
                return None
        return -1 if a < b else (1 if a > b else 0)
    except (TypeError, ValueError, ArithmeticError):
        return None


def equals(a: Any, b: Any) -> bool | None:
    """FEEL ``=``: null only equals null; different types give None."""
    if a is None or b is None:
        return a is None and b is None
    kind = type_name(a)
    if kind != type_name(b):
        return None
    if kind in ("boolean", "string", "range"):
        return bool(a == b)
    if kind == "list":
        if len(a) != len(b):
            return False
        return _all_equal(zip(a, b, strict=True))
    if kind == "context":
        if set(a.keys()) != set(b.keys()):
            return False
        return _all_equal((a[key], b[key]) for key in a)
    if kind == "unknown":
        return None
    order = compare(a, b)
    return None if order is None else order == 0


def _all_equal(pairs: Any) -> bool | None:
    result: bool | None = True
    for left, right in pairs:
        same = equals(left, right)
        if same is False:
            return False
        if same is None:
            result = None
    return result


def contains_value(items: Sequence[Any], value: Any) -> bool:
    """List membership with FEEL equality (``1 = 1.0``, no cross-type matches)."""
    return any(equals(item, value) is True for item in items)


def to_string(value: Any, *, nested: bool = False, budget: Budget | None = None) -> str | None:
    """The text ``string(value)`` produces; None for values FEEL cannot print.

    With a ``budget``, the text is refused as soon as it passes the budget's room,
    before the rest of it is built.
    """
    writer = TextWriter(budget)
    if not _write(value, nested, writer):
        return None
    return writer.text()


def _write(value: Any, nested: bool, out: TextWriter) -> bool:
    """Append ``value``'s text to ``out``; False (and nothing appended) when FEEL cannot print it."""
    if isinstance(value, str):
        out.reserve(len(value) + 2 if nested else len(value))
        out.add(quote(value) if nested else value)
    elif is_list(value):
        out.add("[")
        for index, item in enumerate(value):
            if index:
                out.add(", ")
            _write_nested(item, out)
        out.add("]")
    elif is_context(value):
        out.add("{")
        for index, (key, item) in enumerate(value.items()):
            out.add(f"{', ' if index else ''}{key}:")
            _write_nested(item, out)
        out.add("}")
    elif isinstance(value, FeelRange) and value.test:
        out.add(value.test + " ")
        _write_nested(value.start, out)
    elif isinstance(value, FeelRange) and (value.start is None or value.end is None):
        if value.start is None:
            out.add("<= " if value.end_included else "< ")
            _write_nested(value.end, out)
        else:
            out.add(">= " if value.start_included else "> ")
            _write_nested(value.start, out)
    elif isinstance(value, FeelRange):
        out.add("[" if value.start_included else "(")
        _write_nested(value.start, out)
        out.add("..")
        _write_nested(value.end, out)
        out.add("]" if value.end_included else ")")
    else:
        text = _scalar_text(value)
        if text is None:
            return False
        out.add(text)
    return True


def _write_nested(value: Any, out: TextWriter) -> None:
    if not _write(value, True, out):
        out.add("null")


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if numbers.is_number(value):
        return numbers.format_number(value)
    if isinstance(value, datetime):
        return temporal.format_datetime(value)
    if isinstance(value, date):
        return temporal.format_date(value)
    if isinstance(value, time):
        return temporal.format_time(value)
    if isinstance(value, timedelta):
        return temporal.format_duration(value)
    if isinstance(value, (YearsMonthsDuration, *WIDE)):
        return value.isoformat()
    return None


WIDE = (WideDate, WideDateTime, WideDuration, WideTime)


def quote(text: str) -> str:
    """A FEEL string literal for ``text``."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'
