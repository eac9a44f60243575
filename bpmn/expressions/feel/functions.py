"""The registry of FEEL built-in functions and how calls bind to them.

A built-in is a plain Python function registered under its FEEL name (which
may contain spaces) together with its FEEL parameter names, so both
``substring("abc", 2)`` and ``substring(string: "abc", start position: 2)``
work. Overloads are separate registrations with different parameter lists.

Error policy (as feel-scala in Camunda 8): an unknown function, or a known
one called with a number or names of arguments no overload accepts, is an
:class:`ExpressionEvaluationError` naming the function, because the model is
wrong. Arguments of the wrong *type* make the call return ``null``: the
implementations signal that by raising :class:`ArgumentMismatch` (usually via
the ``expect_*`` helpers below), and failed conversions or arithmetic inside
them also end as ``null``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bpmn.expressions.feel import numbers
from bpmn.expressions.feel.values import is_context, is_list
from bpmn.expressions.limits import Budget
from steadyflow.errors import ExpressionEvaluationError


class ArgumentMismatch(Exception):
    """An argument has a type the built-in does not accept; the call yields null."""


@dataclass(frozen=True)
class CallContext:
    """What a built-in may use besides its arguments."""

    source: str
    budget: Budget
    now: datetime
    #: Calls a FEEL function value with positional arguments (``sort``'s ``precedes``);
    #: raises ArgumentMismatch for a value that is not a function.
    invoke: Callable[[Any, list[Any]], Any]


Impl = Callable[[CallContext, list[Any]], Any]


@dataclass(frozen=True)
class Signature:
    name: str
    params: tuple[str, ...]
    impl: Impl
    variadic: bool = False  # the last parameter receives the remaining arguments as a list

    def describe(self) -> str:
        params = list(self.params)
        if self.variadic:
            params[-1] += "..."
        return f"{self.name}({', '.join(params)})"


class Registry:
    """Name -> overloads. Filled once at import time, read-only afterwards."""

    def __init__(self) -> None:
        self._table: dict[str, list[Signature]] = {}

    def function(self, name: str, *params: str, variadic: bool = False) -> Callable[[Impl], Impl]:
        def register(impl: Impl) -> Impl:
            self._table.setdefault(name, []).append(Signature(name, params, impl, variadic))
            return impl

        return register

    def names(self) -> frozenset[str]:
        return frozenset(self._table)

    def multi_word_names(self) -> tuple[tuple[str, ...], ...]:
        """Names with spaces as word tuples, longest first (for greedy matching)."""
        words = [tuple(name.split(" ")) for name in self._table if " " in name]
        return tuple(sorted(words, key=len, reverse=True))

    def bind(
        self,
        name: str,
        positional: list[Any],
        named: dict[str, Any] | None,
        source: str,
    ) -> tuple[Signature, list[Any]]:
        overloads = self._table.get(name)
        if overloads is None:
            raise ExpressionEvaluationError(f"no function found with name '{name}'", source)
        bound = _bind_named(overloads, named) if named is not None else _bind_positional(overloads, positional)
        if bound is None:
            count = len(named) if named is not None else len(positional)
            expected = " or ".join(sig.describe() for sig in overloads)
            given = f"parameters {sorted(named)}" if named is not None else f"{count} parameter(s)"
            raise ExpressionEvaluationError(
                f"no function found with name '{name}' and {given}; expected {expected}",
                source,
            )
        return bound


def _bind_positional(overloads: list[Signature], args: list[Any]) -> tuple[Signature, list[Any]] | None:
    for sig in overloads:
        if not sig.variadic and len(sig.params) == len(args):
            return sig, list(args)
    for sig in overloads:
        fixed = len(sig.params) - 1
        if sig.variadic and len(args) >= fixed:
            return sig, [*args[:fixed], list(args[fixed:])]
    return None


def _bind_named(overloads: list[Signature], named: dict[str, Any]) -> tuple[Signature, list[Any]] | None:
    given = set(named)
    candidates = [sig for sig in overloads if given <= set(sig.params)]
    candidates.sort(key=lambda sig: len(sig.params) - len(given))
    for sig in candidates:
        args = [named.get(param) for param in sig.params]
        if sig.variadic and sig.params[-1] in named and not is_list(args[-1]):
            args[-1] = [args[-1]]
        elif sig.variadic:
            args[-1] = args[-1] if args[-1] is not None else []
        return sig, args
    return None


# --- argument helpers: raise ArgumentMismatch so the call yields null ----------


def expect_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ArgumentMismatch


def expect_number(value: Any) -> numbers.Number:
    if numbers.is_number(value):
        return value
    raise ArgumentMismatch


def expect_int(value: Any) -> int:
    """A whole-number position/length; fractions are truncated like Java's intValue."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if numbers.is_number(value):
        try:
            return int(value)
        except (ValueError, OverflowError):
            raise ArgumentMismatch from None
    raise ArgumentMismatch


def expect_list(value: Any) -> list[Any]:
    """A list argument; a single non-null value is the singleton list (DMN 1.5, 10.3.2.9.4)."""
    if is_list(value):
        return list(value)
    if value is None:
        raise ArgumentMismatch
    return [value]


def expect_context(value: Any) -> Mapping[Any, Any]:
    if is_context(value):
        return value
    raise ArgumentMismatch


def expect_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ArgumentMismatch


def list_or_items(collected: Sequence[Any]) -> list[Any]:
    """``min([1, 2])`` and ``min(1, 2)`` both mean the items 1 and 2."""
    if len(collected) == 1 and is_list(collected[0]):
        return list(collected[0])
    return list(collected)


BUILTINS = Registry()
