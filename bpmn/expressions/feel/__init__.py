"""FEEL (DMN 1.5 chapter 10) compiled into immutable, shareable objects.

Behaviour follows the standard; where feel-scala (Camunda 8) differs,
docs/feel.md says which we follow. The error policy, null-friendly as both
are:

* a missing variable or context entry is ``null``;
* operators on null or on mismatched types give ``null`` (``1 + "a"``,
  ``1 < "a"``, ``1 = "a"``), ``and``/``or`` use three-valued logic;
* division by zero and other impossible arithmetic give ``null``;
* a built-in called with arguments of the wrong type gives ``null``;
* calling an unknown function, or a built-in with a number or names of
  arguments it has no overload for, raises ExpressionEvaluationError, since
  that is a modelling mistake that null would only hide;
* exceeding a safety limit (see :mod:`bpmn.expressions.limits`) raises
  ExpressionEvaluationError.

User-defined functions (``function(x) ...``) are closures over the scope
they are defined in (:mod:`bpmn.expressions.feel.closures`); ``external``
functions are refused at compile time. docs/feel.md lists coverage of DMN
1.5 chapter 10 and where we differ from feel-scala.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bpmn.expressions.base import CompiledExpression, check_source, guard_compile, guard_evaluate
from bpmn.expressions.feel import ast
from bpmn.expressions.feel.evaluator import Evaluator, Scope
from bpmn.expressions.feel.parser import parse_expression, parse_type, parse_unary_tests
from bpmn.expressions.feel.types import NOT_CONFORMING, FeelType, convert


@dataclass(frozen=True)
class FeelExpression(CompiledExpression):
    source: str
    root: ast.Node
    names: frozenset[str]
    language: str = "feel"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        return guard_evaluate(self.source, lambda: Evaluator(self.source).run(self.root, variables))

    def evaluate_at(self, variables: Mapping[str, Any], now: datetime) -> Any:
        """Evaluate with a fixed clock for ``now()``/``today()`` (tests, replays)."""
        return guard_evaluate(self.source, lambda: Evaluator(self.source, now).run(self.root, variables))

    def variable_names(self) -> frozenset[str]:
        return self.names


@dataclass(frozen=True)
class CompiledUnaryTests:
    """FEEL unary tests (a DMN input entry such as ``< 10``, ``"a","b"``, ``-``)."""

    source: str
    tests: tuple[ast.Node, ...]
    names: frozenset[str]
    language: str = "feel-unary-tests"

    def matches(self, value: Any, variables: Mapping[str, Any] | None = None) -> bool:
        """True when the input ``value`` passes; null verdicts count as no match."""

        def run() -> bool:
            evaluator = Evaluator(self.source)
            scope = Scope({"?": value}, Scope(variables if variables is not None else {}))
            return evaluator.any_test(self.tests, value, scope) is True

        return guard_evaluate(self.source, run)

    def variable_names(self) -> frozenset[str]:
        return self.names


def compile_feel(
    source: str, named_types: Mapping[str, FeelType] | None = None, known_names: Sequence[str] = ()
) -> FeelExpression:
    """Compile FEEL text (without the leading ``=``).

    ``named_types`` name types beyond FEEL's own; ``known_names`` are variable names of several
    tokens in scope (``monthly salary``), read as one name where they are written.
    """
    text = check_source(source)

    def build() -> FeelExpression:
        root = parse_expression(text, named_types, known_names)
        return FeelExpression(text, root, free_names(root))

    return guard_compile(text, build)


def compile_unary_tests(source: str) -> CompiledUnaryTests:
    text = check_source(source)

    def build() -> CompiledUnaryTests:
        tests = parse_unary_tests(text)
        names: set[str] = set()
        for test in tests:
            names |= free_names(test)
        return CompiledUnaryTests(text, tests, frozenset(names))

    return guard_compile(text, build)


def compile_type(source: str) -> FeelType:
    """A FEEL type from its text (a DMN ``typeRef`` such as ``list<number>``); raises ExpressionSyntaxError."""
    text = check_source(source)
    return guard_compile(text, lambda: parse_type(text))


def free_names(root: ast.Node) -> frozenset[str]:
    """Variables read from outside: loop variables, context keys and ``item`` excluded."""
    found: set[str] = set()

    def visit(node: ast.Node | None, bound: frozenset[str]) -> None:
        if node is None:
            return
        if isinstance(node, ast.Name):
            if node.name not in bound and node.name != "?":
                found.add(node.name)
        elif isinstance(node, ast.ContextLiteral):
            inner = set(bound)
            for key, value in node.entries:
                if isinstance(value, ast.FunctionDefinition):
                    inner.add(key)  # a function entry may call itself
                visit(value, frozenset(inner))
                inner.add(key)
        elif isinstance(node, ast.FunctionDefinition):
            visit(node.body, bound | {name for name, _ in node.params})
        elif isinstance(node, (ast.For, ast.Quantified)):
            inner = set(bound)
            for iteration in node.iterations:
                visit(iteration.source, frozenset(inner))
                visit(iteration.end, frozenset(inner))
                inner.add(iteration.name)
            if isinstance(node, ast.For):
                visit(node.body, frozenset(inner | {"partial"}))
            else:
                visit(node.condition, frozenset(inner))
        elif isinstance(node, ast.Filter):
            visit(node.base, bound)
            visit(node.condition, bound | {"item"})
        else:
            for child in node.children():
                visit(child, bound)

    visit(root, frozenset())
    return frozenset(found)


__all__ = [
    "NOT_CONFORMING",
    "CompiledUnaryTests",
    "FeelType",
    "FeelExpression",
    "compile_feel",
    "compile_type",
    "compile_unary_tests",
    "convert",
    "free_names",
]
