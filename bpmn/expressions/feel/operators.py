"""FEEL operators on values: arithmetic, comparison, logic and member access.

All of them follow FEEL's null-friendly rules: an operand that is null or
of a type the operator does not handle makes the result null rather than an
error (feel-scala reports these as warnings and returns null in Camunda 8).
Member access reads dictionary keys, list elements and a fixed set of
temporal properties only; it never touches Python attributes of a value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bpmn.expressions.feel import numbers, temporal_ops
from bpmn.expressions.feel.values import (
    MISSING,
    FeelRange,
    compare,
    equals,
    is_context,
    is_list,
)
from bpmn.expressions.limits import Budget

_NUMBER_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": numbers.add,
    "-": numbers.subtract,
    "*": numbers.multiply,
    "/": numbers.divide,
    "**": numbers.power,
}
_TEMPORAL_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": temporal_ops.add,
    "-": temporal_ops.subtract,
    "*": temporal_ops.multiply,
    "/": temporal_ops.divide,
}


def arithmetic(op: str, a: Any, b: Any, budget: Budget) -> Any:
    if a is None or b is None:
        return None
    if numbers.is_number(a) and numbers.is_number(b):
        return _NUMBER_OPS[op](a, b)
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        budget.produce(len(a) + len(b))
        return a + b
    temporal_op = _TEMPORAL_OPS.get(op)
    if temporal_op is None or isinstance(a, (str, bool)) or isinstance(b, (str, bool)):
        return None
    return temporal_op(a, b)


def negate(value: Any) -> Any:
    if numbers.is_number(value):
        return numbers.negate(value)
    if temporal_ops.is_duration(value):
        return temporal_ops.negate(value)
    return None


def comparison(op: str, a: Any, b: Any) -> bool | None:
    if op == "=":
        return equals(a, b)
    if op == "!=":
        same = equals(a, b)
        return None if same is None else not same
    order = compare(a, b)
    if order is None:
        return None
    if op == "<":
        return order < 0
    if op == "<=":
        return order <= 0
    if op == ">":
        return order > 0
    return order >= 0


def conjunction(a: Any, b: Any) -> bool | None:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def disjunction(a: Any, b: Any) -> bool | None:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


def between(value: Any, low: Any, high: Any) -> bool | None:
    above = compare(low, value)
    below = compare(value, high)
    if above is None or below is None:
        return None
    return above <= 0 and below <= 0


def member(value: Any, name: str) -> Any:
    """``value.name``: context entry, mapped over lists, or a temporal property.

    Returns MISSING when a context has no such key, so ``is defined`` can tell
    a missing entry from one holding null; callers map MISSING to null.
    """
    if value is None:
        return None
    if is_context(value):
        return value.get(name, MISSING)
    if is_list(value):
        results = []
        for item in value:
            found = member(item, name) if is_context(item) else member_or_null(item, name)
            results.append(None if found is MISSING else found)
        return results
    if isinstance(value, FeelRange):
        return _range_member(value, name)
    found = temporal_ops.temporal_property(value, name)
    return None if found is temporal_ops.NO_PROPERTY else found


def member_or_null(value: Any, name: str) -> Any:
    found = member(value, name)
    return None if found is MISSING else found


def _range_member(value: FeelRange, name: str) -> Any:
    if name == "start":
        return value.start
    if name == "end":
        return value.end
    if name == "start included":
        return value.start_included
    if name == "end included":
        return value.end_included
    return None


def index(items: Any, position: Any) -> Any:
    """1-based, negative from the end; anything out of range is null."""
    if not numbers.is_number(position):
        return None
    try:
        i = int(position)
    except (ValueError, OverflowError):
        return None
    if i != position:
        return None
    if i > 0 and i <= len(items):
        return items[i - 1]
    if i < 0 and -i <= len(items):
        return items[len(items) + i]
    return None
