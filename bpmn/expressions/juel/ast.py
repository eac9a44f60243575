"""The JUEL syntax tree: immutable nodes, shareable between threads.

Operator spellings are normalised by the parser (``eq`` -> ``==``, ``&&`` ->
``and``, ``div`` -> ``/``, ``!`` -> ``not``), so the evaluator handles one
name per operation. ``Segment`` remembers the exact ``${...}`` text because
Camunda's error messages quote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    pos: int

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Identifier(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Property(Node):
    """``base.name`` (key is a string Literal) or ``base[key]``."""

    base: Node
    key: Node

    def children(self) -> tuple[Node, ...]:
        return (self.base, self.key)


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-", "not", "empty"
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # + - * / % == != < > <= >= and or
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Ternary(Node):
    condition: Node
    then: Node
    otherwise: Node

    def children(self) -> tuple[Node, ...]:
        return (self.condition, self.then, self.otherwise)


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``S(x)``: one of the few functions we run (Camunda Spin's), never a name looked up at run time."""

    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class MethodCall(Node):
    """``base.name(args)`` for a method of the fixed Spin JSON vocabulary (``bpmn.expressions.juel.spin``)."""

    base: Node
    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return (self.base, *self.args)


@dataclass(frozen=True, slots=True)
class Segment:
    """One ``${...}`` of a template: its text and its parsed body."""

    text: str
    body: Node
