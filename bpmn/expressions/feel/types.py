"""FEEL types (DMN 1.5, 10.3.2.9) and the conformance check behind ``instance of``.

A type is a frozen tree: a named base type (``number``, ``date and time``,
``Any``, ``Null`` ...), ``list<T>``, ``range<T>``, ``context<k: T, ...>`` or
``function<T1, ...> -> R``. :func:`conforms` answers whether a *value*
belongs to a type, following the specification's conformance rules:

* ``Any`` holds every value but ``null``; ``Null`` holds only ``null``, and
  ``null`` is an instance of no other type (10.3.2.9.1);
* ``list<T>`` holds lists whose every item conforms to ``T`` (a ``null`` item or
  context entry conforms, as the DMN TCK reads the standard); the bare
  ``list`` is ``list<Any>`` and also holds lists with nulls;
* ``context<k: T>`` holds contexts that have at least the entries named,
  each conforming (a context with more entries is a subtype);
* ``range<T>`` holds ranges whose (bounded) endpoints conform to ``T``;
* ``function<T1..Tn> -> R`` holds functions of ``n`` parameters whose declared
  parameter types accept each ``Ti`` and whose result type conforms to ``R``
  (parameters are contravariant; an undeclared parameter or result is ``Any``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from bpmn.expressions.feel.values import FeelRange, is_context, is_list, type_name
from bpmn.expressions.feel.wide_temporal import make_datetime

BASE_TYPES = (
    ("years", "and", "months", "duration"),
    ("days", "and", "time", "duration"),
    ("date", "and", "time"),
    ("number",),
    ("string",),
    ("boolean",),
    ("date",),
    ("time",),
    ("list",),
    ("context",),
    ("range",),
    ("function",),
    ("Any",),
    ("Null",),
)


@dataclass(frozen=True, slots=True)
class FeelType:
    """A named base type; ``list``/``range``/``context``/``function`` unparameterised."""

    name: str

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ListType(FeelType):
    item: FeelType

    def describe(self) -> str:
        return f"list<{self.item.describe()}>"


@dataclass(frozen=True, slots=True)
class RangeType(FeelType):
    point: FeelType

    def describe(self) -> str:
        return f"range<{self.point.describe()}>"


@dataclass(frozen=True, slots=True)
class ContextType(FeelType):
    entries: tuple[tuple[str, FeelType], ...]

    def describe(self) -> str:
        inner = ", ".join(f"{key}: {value.describe()}" for key, value in self.entries)
        return f"context<{inner}>"


@dataclass(frozen=True, slots=True)
class FunctionType(FeelType):
    params: tuple[FeelType, ...]
    result: FeelType

    def describe(self) -> str:
        inner = ", ".join(param.describe() for param in self.params)
        return f"function<{inner}> -> {self.result.describe()}"


ANY = FeelType("Any")


def conforms(value: Any, wanted: FeelType) -> bool:
    """``value instance of wanted``."""
    name = wanted.name
    if name == "Null":
        return value is None
    if value is None:
        return False
    if name == "Any":
        return True
    if isinstance(wanted, ListType):
        return is_list(value) and all(item is None or conforms(item, wanted.item) for item in value)
    if isinstance(wanted, RangeType):
        return isinstance(value, FeelRange) and all(
            end is None or conforms(end, wanted.point) for end in (value.start, value.end)
        )
    if isinstance(wanted, ContextType):
        return is_context(value) and all(
            key in value and (value[key] is None or conforms(value[key], entry)) for key, entry in wanted.entries
        )
    if isinstance(wanted, FunctionType):
        signature = getattr(value, "signature", None)
        if signature is None:
            return False
        params, result = signature()
        return (
            len(params) == len(wanted.params)
            and all(is_subtype(given, declared) for given, declared in zip(wanted.params, params, strict=True))
            and is_subtype(result, wanted.result)
        )
    return type_name(value) == name


def is_subtype(sub: FeelType, sup: FeelType) -> bool:
    """Type conformance between types (10.3.2.9.4), used for function parameters and results."""
    if sup.name == "Any" and not isinstance(sup, (ListType, RangeType, ContextType, FunctionType)):
        return True
    if sub.name == "Null":
        return True
    if sub.name != sup.name:
        return False
    if isinstance(sup, ListType):
        return is_subtype(sub.item if isinstance(sub, ListType) else ANY, sup.item)
    if isinstance(sup, RangeType):
        return is_subtype(sub.point if isinstance(sub, RangeType) else ANY, sup.point)
    if isinstance(sup, ContextType):
        given = dict(sub.entries) if isinstance(sub, ContextType) else {}
        return all(key in given and is_subtype(given[key], entry) for key, entry in sup.entries)
    if isinstance(sup, FunctionType):
        if not isinstance(sub, FunctionType) or len(sub.params) != len(sup.params):
            return False
        return all(is_subtype(a, b) for a, b in zip(sup.params, sub.params, strict=True)) and is_subtype(
            sub.result, sup.result
        )
    return True


NOT_CONFORMING: Any = type("NotConforming", (), {"__repr__": lambda self: "NOT_CONFORMING"})()
"""What :func:`convert` gives for a value that does not conform even after the conversions."""


def convert(value: Any, wanted: FeelType) -> Any:
    """``value`` as the target type ``wanted`` after the implicit conversions of 10.3.2.9.4.

    ``null`` stays ``null``; a conforming value is itself; a value whose
    singleton list conforms becomes that list; a singleton list whose item
    conforms becomes the item; a date where a date and time is wanted is
    that date at UTC midnight. Anything else is :data:`NOT_CONFORMING`
    (the caller's ``null``).
    """
    if value is None or conforms(value, wanted):
        return value
    if isinstance(wanted, ListType) and (singleton := convert(value, wanted.item)) is not NOT_CONFORMING:
        return [singleton]
    if is_list(value) and len(value) == 1 and not isinstance(wanted, ListType):
        return convert(value[0], wanted)
    if wanted.name == "date and time" and type_name(value) == "date":
        return make_datetime(value.year, value.month, value.day, 0, UTC)
    return NOT_CONFORMING
