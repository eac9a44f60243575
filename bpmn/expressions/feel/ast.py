"""The FEEL syntax tree.

Nodes are frozen, slotted dataclasses holding only tuples, strings and
plain values, so a parsed expression is immutable and can be shared between
threads without locks. ``pos`` is the 0-based offset of the node's first
token. ``children()`` lists sub-expressions for generic walks (tree depth
check, variable-name analysis); evaluation dispatches on the node class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bpmn.expressions.feel.types import FeelType


@dataclass(frozen=True, slots=True)
class Node:
    pos: int

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class ContextLiteral(Node):
    """``{a: 1, b: a + 1}``; later entries may read earlier ones."""

    entries: tuple[tuple[str, Node], ...]

    def children(self) -> tuple[Node, ...]:
        return tuple(value for _, value in self.entries)


@dataclass(frozen=True, slots=True)
class RangeLiteral(Node):
    """``[1..5]``, ``(1..5]``, ``]1..5[`` or a bare ``1..5``."""

    start: Node
    end: Node
    start_included: bool
    end_included: bool

    def children(self) -> tuple[Node, ...]:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class OpenRange(Node):
    """DMN 1.5 ``< 10``, ``>= @"2024-01-01"`` used as an expression: a range with one unbounded end."""

    op: str
    endpoint: Node

    def children(self) -> tuple[Node, ...]:
        return (self.endpoint,)


@dataclass(frozen=True, slots=True)
class Path(Node):
    base: Node
    member: str

    def children(self) -> tuple[Node, ...]:
        return (self.base,)


@dataclass(frozen=True, slots=True)
class Filter(Node):
    """``xs[condition]`` or ``xs[index]``."""

    base: Node
    condition: Node

    def children(self) -> tuple[Node, ...]:
        return (self.base, self.condition)


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]
    named: tuple[tuple[str, Node], ...]

    def children(self) -> tuple[Node, ...]:
        return self.args + tuple(value for _, value in self.named)


@dataclass(frozen=True, slots=True)
class Negate(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic (``+ - * / **``) and comparison (``= != < <= > >=``)."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Logical(Node):
    """``and`` / ``or`` with three-valued logic."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Between(Node):
    value: Node
    low: Node
    high: Node

    def children(self) -> tuple[Node, ...]:
        return (self.value, self.low, self.high)


@dataclass(frozen=True, slots=True)
class InstanceOf(Node):
    value: Node
    type: FeelType

    def children(self) -> tuple[Node, ...]:
        return (self.value,)


@dataclass(frozen=True, slots=True)
class UnaryComparison(Node):
    """A unary test such as ``< 5`` (compares the tested value with ``operand``)."""

    op: str
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class AnyTest(Node):
    """The unary test ``-``, which matches every value."""


@dataclass(frozen=True, slots=True)
class NegatedTests(Node):
    """The unary test ``not(t1, t2)``."""

    tests: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.tests


@dataclass(frozen=True, slots=True)
class InputTest(Node):
    """A unary test written as a boolean expression over ``?`` (``? > 5``)."""

    expression: Node

    def children(self) -> tuple[Node, ...]:
        return (self.expression,)


@dataclass(frozen=True, slots=True)
class In(Node):
    """``value in tests``: true when any of the positive unary tests matches."""

    value: Node
    tests: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return (self.value, *self.tests)


@dataclass(frozen=True, slots=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node

    def children(self) -> tuple[Node, ...]:
        return (self.condition, self.then, self.otherwise)


@dataclass(frozen=True, slots=True)
class Iteration(Node):
    """``name in source`` or ``name in source..end`` inside for/some/every."""

    name: str
    source: Node
    end: Node | None

    def children(self) -> tuple[Node, ...]:
        return (self.source,) if self.end is None else (self.source, self.end)


@dataclass(frozen=True, slots=True)
class For(Node):
    iterations: tuple[Iteration, ...]
    body: Node
    uses_partial: bool

    def children(self) -> tuple[Node, ...]:
        return (*self.iterations, self.body)


@dataclass(frozen=True, slots=True)
class Quantified(Node):
    """``some``/``every`` ... ``satisfies`` condition."""

    every: bool
    iterations: tuple[Iteration, ...]
    condition: Node

    def children(self) -> tuple[Node, ...]:
        return (*self.iterations, self.condition)


@dataclass(frozen=True, slots=True)
class FunctionDefinition(Node):
    """``function(a, b: number) body``: a function value closing over its scope."""

    params: tuple[tuple[str, FeelType | None], ...]
    body: Node

    def children(self) -> tuple[Node, ...]:
        return (self.body,)


@dataclass(frozen=True, slots=True)
class Invoke(Node):
    """A call of a computed function value: ``(function(x) x)(1)``, ``ctx.f(1)``."""

    target: Node
    args: tuple[Node, ...]
    named: tuple[tuple[str, Node], ...]

    def children(self) -> tuple[Node, ...]:
        return (self.target, *self.args, *(value for _, value in self.named))
