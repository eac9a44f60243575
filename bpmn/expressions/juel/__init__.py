"""JUEL (Camunda 7 flavour) expressions compiled into immutable objects.

A JUEL text is a template: literal text with embedded ``${...}`` or
``#{...}`` expressions. A text that is exactly one expression evaluates to
that expression's raw value (``${count}`` -> 3); anything mixed evaluates to
a string where each value is coerced with EL rules (null -> ``""``,
``5.0`` -> ``"5.0"``), so ``db-${name}`` -> ``"db-orders"``.

Deliberate differences from JUEL in Camunda 7, all chosen for safety:

* method calls and EL functions are refused at compile time (no beans),
  except Camunda Spin's JSON vocabulary: ``S(x)`` / ``JSON(x)`` and the node
  methods ``prop``, ``hasProp``, ``elements``, ``stringValue``, ... (``spin.py``),
  whose names are fixed when the expression is compiled;
* division or modulo by zero is an evaluation error instead of Java's
  ``Infinity``/``NaN``, which cannot be stored as JSON;
* integers do not wrap around at 64 bits: results stay exact, and results
  over 1024 bits are an evaluation error;
* ``+`` is numeric only, as in EL 2.2 (``"a" + "b"`` fails).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bpmn.expressions.base import CompiledExpression, check_source, guard_compile, guard_evaluate
from bpmn.expressions.juel import ast, coercion
from bpmn.expressions.juel.evaluator import Evaluator
from bpmn.expressions.juel.parser import Part, parse_template
from bpmn.expressions.limits import Budget, TextWriter


@dataclass(frozen=True)
class JuelExpression(CompiledExpression):
    source: str
    parts: tuple[Part, ...]
    names: frozenset[str]
    language: str = "juel"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        return guard_evaluate(self.source, lambda: self._run(variables))

    def _run(self, variables: Mapping[str, Any]) -> Any:
        if not isinstance(variables, Mapping):
            raise Budget(self.source).fail("variables must be a mapping of names to values")
        evaluator = Evaluator(self.source, variables)
        if len(self.parts) == 1 and isinstance(self.parts[0], ast.Segment):
            return evaluator.run(self.parts[0])
        budget = Budget(self.source)
        writer = TextWriter(budget)
        for part in self.parts:
            if isinstance(part, str):
                writer.add(part)
                continue
            value = evaluator.run(part)
            try:
                coercion.write_text(value, writer)  # a collection's text is checked as it grows
            except coercion.CoercionError as exc:
                raise evaluator.fail(f"{exc} in {part.text}") from None
        return writer.text()

    def variable_names(self) -> frozenset[str]:
        return self.names


def compile_juel(source: str) -> JuelExpression:
    text = check_source(source)

    def build() -> JuelExpression:
        parts = parse_template(text)
        names: set[str] = set()
        for part in parts:
            if isinstance(part, ast.Segment):
                stack: list[ast.Node] = [part.body]
                while stack:
                    node = stack.pop()
                    if isinstance(node, ast.Identifier):
                        names.add(node.name)
                    stack.extend(node.children())
        return JuelExpression(text, parts, frozenset(names))

    return guard_compile(text, build)


__all__ = ["JuelExpression", "compile_juel"]
