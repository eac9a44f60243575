"""Tree-walking evaluator for FEEL syntax trees.

One :class:`Evaluator` is created per ``evaluate`` call and holds the only
mutable state (the work budget and the captured clock), so the syntax tree
itself stays shared and immutable. Variables are looked up through a chain
of small scopes: loop variables, context entries and filter items shadow the
process variables without copying them. A name that exists nowhere is FEEL
``null`` (feel-scala's behaviour since Camunda 8.2), not an error.

Loops (``for``, ``some``, ``every``, filters) charge every iteration to the
budget, so ``for i in 1..1000000000 return i`` stops with an evaluation error
after :data:`~bpmn.expressions.limits.MAX_ITERATIONS` steps instead of
running for minutes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from bpmn.clock import current_clock, utc_now
from bpmn.expressions.feel import ast, numbers, operators, types
from bpmn.expressions.feel.builtins import BUILTINS
from bpmn.expressions.feel.closures import HostFunction, UserFunction, bind_arguments
from bpmn.expressions.feel.functions import ArgumentMismatch, CallContext
from bpmn.expressions.feel.values import (
    MISSING,
    FeelRange,
    compare,
    contains_value,
    equals,
    is_context,
    is_list,
    open_range,
)
from bpmn.expressions.limits import MAX_CALL_DEPTH, MAX_STEPS, Budget


class Scope:
    """Names visible at one point; falls back to the enclosing scope."""

    __slots__ = ("names", "parent")

    def __init__(self, names: Mapping[Any, Any], parent: Scope | None = None) -> None:
        self.names = names
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return MISSING

    def child(self, names: Mapping[Any, Any]) -> Scope:
        return Scope(names, self)


class _NoIteration(Exception):
    """An iteration source is null or not iterable: the whole loop is null."""


class Evaluator:
    """Evaluates one syntax tree once; holds that evaluation's budget and clock."""

    def __init__(self, source: str, now: datetime | None = None) -> None:
        self.source = source
        self.budget = Budget(source)
        self.steps = 0
        self.call_depth = 0
        self.context = CallContext(source, self.budget, now or utc_now(current_clock()), self.invoke)

    def run(self, node: ast.Node, variables: Mapping[str, Any]) -> Any:
        if not isinstance(variables, Mapping):
            raise self.budget.fail("variables must be a mapping of names to values")
        return self.eval(node, Scope(variables))

    def eval(self, node: ast.Node, scope: Scope) -> Any:  # one dispatch point for all nodes
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.budget.fail(
                f"the expression evaluates more than {MAX_STEPS} operations; move the work into a job handler"
            )
        match node:
            case ast.Literal(value=value):
                return value
            case ast.Name(name=name):
                found = scope.lookup(name)
                return None if found is MISSING else found
            case ast.Binary(op=op, left=left, right=right):
                a, b = self.eval(left, scope), self.eval(right, scope)
                if op in ("+", "-", "*", "/", "**"):
                    return operators.arithmetic(op, a, b, self.budget)
                return operators.comparison(op, a, b)
            case ast.Logical():
                return self.logical(node, scope)
            case ast.Path(base=base, member=name):
                return operators.member_or_null(self.eval(base, scope), name)
            case ast.Call():
                return self.call(node, scope)
            case ast.Filter():
                return self.filter(node, scope)
            case ast.If(condition=condition, then=then, otherwise=otherwise):
                chosen = then if self.eval(condition, scope) is True else otherwise
                return self.eval(chosen, scope)
            case ast.Negate(operand=operand):
                return operators.negate(self.eval(operand, scope))
            case ast.ListLiteral(items=items):
                self.budget.work(len(items))
                return [self.eval(item, scope) for item in items]
            case ast.ContextLiteral(entries=entries):
                self.budget.work(len(entries))
                result: dict[str, Any] = {}
                inner = scope.child(result)
                for key, value in entries:
                    result[key] = self.eval(value, inner)
                return result
            case ast.RangeLiteral():
                return self.range(node, scope)
            case ast.OpenRange(op=op, endpoint=endpoint):
                return open_range(op, self.eval(endpoint, scope))
            case ast.Between(value=value, low=low, high=high):
                return operators.between(self.eval(value, scope), self.eval(low, scope), self.eval(high, scope))
            case ast.InstanceOf(value=value, type=wanted):
                return types.conforms(self.eval(value, scope), wanted)
            case ast.FunctionDefinition(params=params, body=body):
                return UserFunction(params, body, scope)
            case ast.Invoke():
                return self.invoke_node(node, scope)
            case ast.In(value=value, tests=tests):
                tested = self.eval(value, scope)
                return self.any_test(tests, tested, scope.child({"?": tested}))
            case ast.For():
                return self.for_loop(node, scope)
            case ast.Quantified():
                return self.quantified(node, scope)
        raise self.budget.fail(f"this kind of expression cannot be evaluated here ({node.pos})")

    # --- operators ---------------------------------------------------------------

    def logical(self, node: ast.Logical, scope: Scope) -> bool | None:
        left = self.eval(node.left, scope)
        if node.op == "and":
            if left is False:
                return False
            return operators.conjunction(left, self.eval(node.right, scope))
        if left is True:
            return True
        return operators.disjunction(left, self.eval(node.right, scope))

    def range(self, node: ast.RangeLiteral, scope: Scope) -> FeelRange | None:
        start, end = self.eval(node.start, scope), self.eval(node.end, scope)
        if compare(start, end) is None:
            return None
        return FeelRange(start, end, node.start_included, node.end_included)

    # --- functions ---------------------------------------------------------------

    def call(self, node: ast.Call, scope: Scope) -> Any:
        if node.name == "is defined" and len(node.args) == 1 and not node.named:
            return self.resolve(node.args[0], scope) is not MISSING
        args = [self.eval(arg, scope) for arg in node.args]
        named = {key: self.eval(value, scope) for key, value in node.named} if node.named else None
        local = scope.lookup(node.name)
        if isinstance(local, (UserFunction, HostFunction)):
            return self.invoke(local, args, named)
        signature, bound = BUILTINS.bind(node.name, args, named, self.source)
        try:
            return signature.impl(self.context, bound)
        except (ArgumentMismatch, ArithmeticError, ValueError, OverflowError):
            return None

    def invoke_node(self, node: ast.Invoke, scope: Scope) -> Any:
        target = self.eval(node.target, scope)
        args = [self.eval(arg, scope) for arg in node.args]
        named = {key: self.eval(value, scope) for key, value in node.named} if node.named else None
        if not isinstance(target, (UserFunction, HostFunction)):
            return None  # calling null or a non-function is null, like other type mismatches
        return self.invoke(target, args, named)

    def invoke(self, function: Any, args: list[Any], named: dict[str, Any] | None = None) -> Any:
        """Call a user-defined function value (also for built-ins such as ``sort``'s ``precedes``)."""
        if not isinstance(function, (UserFunction, HostFunction)):
            raise ArgumentMismatch
        bound = bind_arguments(function, args, named, self.source)
        if bound is None:
            return None
        if self.call_depth >= MAX_CALL_DEPTH:
            raise self.budget.fail(
                f"user-defined functions call each other more than {MAX_CALL_DEPTH} deep; "
                "use a for loop or move the recursion into a job handler"
            )
        self.call_depth += 1
        try:
            if isinstance(function, HostFunction):
                return function.run(bound)
            return function.typed_result(self.eval(function.body, Scope(bound, function.scope)))
        finally:
            self.call_depth -= 1

    def resolve(self, node: ast.Node, scope: Scope) -> Any:
        """Like eval, but a missing name or context entry yields MISSING."""
        if isinstance(node, ast.Name):
            return scope.lookup(node.name)
        if isinstance(node, ast.Path):
            base = self.resolve(node.base, scope)
            if base is MISSING or base is None:
                return MISSING
            return operators.member(base, node.member)
        return self.eval(node, scope)

    # --- lists and loops -----------------------------------------------------------

    def filter(self, node: ast.Filter, scope: Scope) -> Any:
        """``xs[n]`` picks by 1-based index, ``xs[condition]`` keeps the items where it is true.

        A number literal is always an index. Otherwise the condition is
        evaluated per item (with ``item`` and, for contexts, their entries in
        scope); if it yields a number for the first item it is an index, as
        feel-scala decides by the value and not by the syntax.
        """
        base = self.eval(node.base, scope)
        if base is None:
            return None
        items = list(base) if is_list(base) else [base]
        condition = node.condition
        if isinstance(condition, ast.Literal) and numbers.is_number(condition.value):
            return operators.index(items, condition.value)
        kept = []
        for position, item in enumerate(items):
            self.budget.iterate()
            item_scope = scope.child({"item": item})
            if is_context(item):
                item_scope = item_scope.child(item)
            verdict = self.eval(condition, item_scope)
            if position == 0 and numbers.is_number(verdict):
                return operators.index(items, verdict)
            if verdict is True:
                kept.append(item)
        return kept

    def iterate(self, iterations: tuple[ast.Iteration, ...], scope: Scope) -> Iterator[Scope]:
        """Every combination of the iteration contexts, as nested scopes."""
        if not iterations:
            yield scope
            return
        first, rest = iterations[0], iterations[1:]
        for value in self.iteration_values(first, scope):
            self.budget.iterate()
            yield from self.iterate(rest, scope.child({first.name: value}))

    def iteration_values(self, iteration: ast.Iteration, scope: Scope) -> Iterator[Any]:
        source = self.eval(iteration.source, scope)
        if iteration.end is not None:
            return _integer_range(source, self.eval(iteration.end, scope), True, True)
        if isinstance(source, FeelRange):
            return _integer_range(source.start, source.end, source.start_included, source.end_included)
        if source is None:
            raise _NoIteration
        return iter(list(source) if is_list(source) else [source])

    def for_loop(self, node: ast.For, scope: Scope) -> Any:
        results: list[Any] = []
        try:
            for inner in self.iterate(node.iterations, scope):
                if node.uses_partial:
                    self.budget.work(len(results))
                    inner = inner.child({"partial": list(results)})
                results.append(self.eval(node.body, inner))
        except _NoIteration:
            return None
        return results

    def quantified(self, node: ast.Quantified, scope: Scope) -> Any:
        try:
            for inner in self.iterate(node.iterations, scope):
                verdict = self.eval(node.condition, inner)
                if node.every and verdict is not True:
                    return False
                if not node.every and verdict is True:
                    return True
        except _NoIteration:
            return None
        return node.every

    # --- unary tests -------------------------------------------------------------

    def any_test(self, tests: tuple[ast.Node, ...], value: Any, scope: Scope) -> bool | None:
        unknown = False
        for test in tests:
            verdict = self.test(test, value, scope)
            if verdict is True:
                return True
            if verdict is None:
                unknown = True
        return None if unknown else False

    def test(self, test: ast.Node, value: Any, scope: Scope) -> bool | None:
        if isinstance(test, ast.AnyTest):
            return True
        if isinstance(test, ast.NegatedTests):
            verdict = self.any_test(test.tests, value, scope)
            return None if verdict is None else not verdict
        if isinstance(test, ast.UnaryComparison):
            return operators.comparison(test.op, value, self.eval(test.operand, scope))
        if isinstance(test, ast.InputTest):
            verdict = self.eval(test.expression, scope)
            return verdict if isinstance(verdict, bool) else None
        expected = self.eval(test, scope)
        if expected is None and isinstance(test, ast.RangeLiteral):
            return None  # 5 in (null..10] is unknown, not false
        if isinstance(expected, FeelRange):
            return expected.contains(value)
        if is_list(expected):
            self.budget.work(len(expected))
            if contains_value(expected, value):
                return True
            return any(isinstance(item, FeelRange) and item.contains(value) is True for item in expected)
        return equals(value, expected)


def _integer_range(start: Any, end: Any, include_start: bool, include_end: bool) -> Iterator[Any]:
    """Whole numbers from start to end (descending when end < start); dates step by one day (DMN 1.5)."""
    if _is_date(start) and _is_date(end):
        days = _integer_range(start.toordinal(), end.toordinal(), include_start, include_end)
        return (date.fromordinal(day) for day in days)
    if not (numbers.is_number(start) and numbers.is_number(end)):
        raise _NoIteration
    try:
        first, last = int(start), int(end)
    except (ValueError, OverflowError):
        raise _NoIteration from None
    if first != start or last != end:
        raise _NoIteration
    step = 1 if last >= first else -1
    if not include_start:
        first += step
    if not include_end:
        last -= step
    if (last - first) * step < 0:
        return iter(())
    return iter(range(first, last + step, step))


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
