"""Expression results as process variables hold them: JSON values, temporal values as ISO 8601 text.

A FEEL ``date("2024-01-01")`` (or a context holding one) assigned to a variable is
stored as the text ``"2024-01-01"``, as Camunda 8 stores FEEL temporal values; a
duration as ``P1DT2H0M0S``, a years-and-months duration as ``P1Y2M``. A value that
is JSON already is returned as the very same object, so a fan-out's collection is
neither copied nor encoded again (the checkpoint compares values by identity).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from bpmn.expressions.feel.values import to_string
from bpmn.expressions.feel.wide_temporal import WIDE_TEMPORAL
from bpmn.expressions.values import YearsMonthsDuration
from steadyflow.errors import ExpressionEvaluationError

_SCALARS = (str, int, float, bool, type(None))
_EXACT_SCALARS = frozenset(_SCALARS)
_MAX_DEPTH = 64


def is_json_value(value: Any, depth: int = 0) -> bool:
    """True when ``value`` is JSON data already (the common case)."""
    if isinstance(value, _SCALARS):
        return True
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(map(_EXACT_SCALARS.__contains__, map(type, value))) or all(
            is_json_value(v, depth + 1) for v in value
        )
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_json_value(v, depth + 1) for k, v in value.items())
    return False


def as_variable(value: Any, source: str = "") -> Any:
    """``value`` as a variable holds it: the same object when it is JSON, else a converted copy.

    A FEEL function has no stored form: ExpressionEvaluationError naming ``source`` (the expression).
    """
    if is_json_value(value):
        return value
    try:
        return plain(value, strict=True)
    except _NoStoredForm as exc:
        raise ExpressionEvaluationError(
            f"its value holds a {exc.kind}, which a process variable cannot hold; call the function in the "
            "expression and store its result instead",
            source,
        ) from None


class _NoStoredForm(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def plain(value: Any, *, strict: bool = False) -> Any:
    """Dates, times and durations as ISO 8601 text; lists and contexts copied; JSON values unchanged.

    A FEEL range becomes its FEEL ``string()`` text; any other value with no JSON form (a function)
    its ``str()`` for a record, or, ``strict``, an error (a variable must read back as what it was).
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v, strict=strict) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, strict=strict) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, WIDE_TEMPORAL):
        return value.isoformat()
    if isinstance(value, YearsMonthsDuration):
        years, months = divmod(abs(value.months), 12)
        return f"{'-' if value.months < 0 else ''}P{years}Y{months}M"
    text = to_string(value)
    if text is not None:
        return text
    if strict:
        raise _NoStoredForm("FEEL function" if callable(value) or "Function" in type(value).__name__ else "value")
    return str(value)


def iso_duration(value: timedelta) -> str:
    """A days-and-time duration as ISO 8601 text (``P1DT2H3M4.5S``), exact to the microsecond.

    Built from the integer fields, not ``total_seconds()``: a float rounds and may print in
    scientific notation (``9.99993e-07``), which is not ISO 8601.
    """
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, secs = divmod(rest, 60)
    fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
    return f"{sign}P{value.days}DT{hours}H{minutes}M{secs}{fraction}S"


__all__ = ["as_variable", "is_json_value", "iso_duration", "plain"]
