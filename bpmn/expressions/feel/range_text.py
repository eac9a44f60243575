"""``range(from)``: a range value read from text such as ``"[18..21)"`` or ``"<= 10"``.

DMN 1.5 (10.3.4.10) allows only literal endpoints in the text: numbers,
strings, ``@"..."`` temporal literals and the ``date``/``time``/``date and
time``/``duration`` functions applied to a string literal. Anything else
(a variable, an operator) makes the call ``null``, as does text that is not
a range at all, so a process variable can never smuggle in an expression.
"""

from __future__ import annotations

from typing import Any

from bpmn.expressions.feel import ast
from bpmn.expressions.feel.evaluator import Evaluator, Scope
from bpmn.expressions.feel.parser import Parser
from bpmn.expressions.feel.values import FeelRange, compare
from steadyflow.errors import ExpressionSyntaxError

_MAX_TEXT = 1000
_CONSTRUCTORS = frozenset({"date", "time", "date and time", "duration"})
_COMPARISONS = {"<": (None, False), "<=": (None, True), ">": (False, None), ">=": (True, None)}


def parse_range_text(text: str) -> FeelRange | None:
    if len(text) > _MAX_TEXT:
        return None
    stripped = text.strip()
    for op in ("<=", ">=", "<", ">"):
        if stripped.startswith(op):
            point = _endpoint(stripped[len(op) :])
            if point is None:
                return None
            end_included, start_included = _COMPARISONS[op][1], _COMPARISONS[op][0]
            if end_included is not None:
                return FeelRange(None, point, False, end_included)
            return FeelRange(point, None, bool(start_included), False)
    try:
        node = Parser(stripped).parse()
    except ExpressionSyntaxError:
        return None
    if not isinstance(node, ast.RangeLiteral) or not (_literal(node.start) and _literal(node.end)):
        return None
    start, end = _value(node.start), _value(node.end)
    if compare(start, end) is None:
        return None
    return FeelRange(start, end, node.start_included, node.end_included)


def _endpoint(text: str) -> Any:
    try:
        node = Parser(text.strip()).parse()
    except ExpressionSyntaxError:
        return None
    return _value(node) if _literal(node) else None


def _literal(node: ast.Node) -> bool:
    if isinstance(node, ast.Literal):
        return node.value is not None and not isinstance(node.value, bool)
    if isinstance(node, ast.Call):
        return (
            node.name in _CONSTRUCTORS
            and not node.named
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Literal)
            and isinstance(node.args[0].value, str)
        )
    return False


def _value(node: ast.Node) -> Any:
    return Evaluator("range").eval(node, Scope({}))
