"""User-defined FEEL functions (``function(x, y: number) x + y``) and closures.

A function value is a :class:`UserFunction`: its parameters with their
optional declared types, the body's syntax tree and the scope where the
definition was evaluated, so it keeps seeing the names around it after it
is passed on (a closure). Calls run in the evaluation that makes them,
sharing its budget (steps, iterations, work) and its call-depth limit, so a
recursive function cannot run away with time, stack or memory.

Arguments are bound by position or by parameter name. A declared type is
enforced as DMN 1.5 (10.3.2.9.4) says: a value that does not conform is
first converted (a single value to a singleton list, a singleton list to
its item), and when that fails too the call's result is ``null``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bpmn.expressions.feel import ast
from bpmn.expressions.feel.types import ANY, NOT_CONFORMING, FeelType, convert
from steadyflow.errors import ExpressionEvaluationError

Body = Callable[[ast.Node, Any], Any]


@dataclass(frozen=True, eq=False)
class UserFunction:
    """A function value; equal only to itself (FEEL does not compare functions)."""

    params: tuple[tuple[str, FeelType | None], ...]
    body: ast.Node
    scope: Any  # the evaluator's Scope, read-only after creation
    result: FeelType | None = None
    """A declared result type (a DMN business knowledge model's typeRef): a result that does not
    conform after the conversions is ``null``."""

    def signature(self) -> tuple[tuple[FeelType, ...], FeelType]:
        return tuple(declared or ANY for _, declared in self.params), self.result or ANY

    def typed_result(self, value: Any) -> Any:
        if self.result is None:
            return value
        converted = convert(value, self.result)
        return None if converted is NOT_CONFORMING else converted

    def describe(self) -> str:
        return f"function({', '.join(name for name, _ in self.params)})"


@dataclass(frozen=True, eq=False)
class HostFunction:
    """A function value the host provides (a DMN decision service, a knowledge model whose logic is a table).

    ``run`` receives the bound arguments and must raise only ExpressionError; the evaluator
    counts the call against its call depth like a user-defined function's.
    """

    name: str
    params: tuple[tuple[str, FeelType | None], ...]
    run: Callable[[dict[str, Any]], Any]

    def signature(self) -> tuple[tuple[FeelType, ...], FeelType]:
        return tuple(declared or ANY for _, declared in self.params), ANY

    def describe(self) -> str:
        return f"{self.name}({', '.join(name for name, _ in self.params)})"


def bind_arguments(
    function: UserFunction | HostFunction, args: list[Any], named: Mapping[str, Any] | None, source: str
) -> dict[str, Any] | None:
    """Parameter name -> value for one call; None when an argument does not conform to its type."""
    names = [name for name, _ in function.params]
    if named is not None:
        unknown = sorted(set(named) - set(names))
        if unknown:
            raise ExpressionEvaluationError(
                f"{function.describe()} has no parameter named {', '.join(unknown)}; its parameters are "
                f"{', '.join(names) or 'none'}",
                source,
            )
        values = [named.get(name) for name in names]
    else:
        if len(args) != len(names):
            raise ExpressionEvaluationError(
                f"{function.describe()} takes {len(names)} argument(s) but was called with {len(args)}", source
            )
        values = list(args)
    bound: dict[str, Any] = {}
    for (name, declared), value in zip(function.params, values, strict=True):
        converted = value if declared is None else convert(value, declared)
        if converted is NOT_CONFORMING:
            return None
        bound[name] = converted
    return bound


def is_function(value: object) -> bool:
    return isinstance(value, (UserFunction, HostFunction))
