"""Safe FEEL and JUEL expressions for steadyflow.

BPMN models carry expressions in two dialects: FEEL (Camunda 8, written as
``=a + b``) and JUEL (Camunda 7, written as ``${a + b}``). Both are
interpreted by our own tokenizer, parser and tree-walking evaluator over a
mapping of process variables. Nothing here uses ``eval``/``exec``/``compile``
or reads Python attributes by a user-supplied name: an expression can only
read variables, dictionary keys and list elements, and call the built-in
functions of its language.

Compile once (at deploy time) and evaluate many times; compiled objects are
immutable and safe to cache and share between threads::

    expr = compile_expression("=amount > 100")
    expr.evaluate({"amount": 250})        # True
    expr.variable_names()                 # frozenset({'amount'})

Errors: compiling raises only ExpressionSyntaxError (with a 0-based
``position``), evaluating raises only ExpressionEvaluationError.
"""

from __future__ import annotations

from functools import lru_cache

from bpmn.expressions.base import CompiledExpression, LiteralExpression, check_source
from bpmn.expressions.feel import CompiledUnaryTests, FeelExpression
from bpmn.expressions.feel import compile_feel as _compile_feel
from bpmn.expressions.feel import compile_unary_tests as _compile_unary_tests
from bpmn.expressions.feel.wide_temporal import WIDE_TEMPORAL
from bpmn.expressions.juel import JuelExpression
from bpmn.expressions.juel import compile_juel as _compile_juel
from bpmn.expressions.values import YearsMonthsDuration
from steadyflow.errors import ExpressionSyntaxError

_CACHE_SIZE = 2048


def compile_feel(source: str) -> CompiledExpression:
    """Compile FEEL text given WITHOUT the leading ``=``."""
    return _cached_feel(check_source(source))


def compile_juel(source: str) -> CompiledExpression:
    """Compile text containing ``${...}``/``#{...}``, possibly mixed with literal text.

    A text that is exactly one ``${...}`` evaluates to the raw value; mixed
    text (``"db-${name}"``) evaluates to a string.
    """
    return _cached_juel(check_source(source))


def compile_unary_tests(source: str) -> CompiledUnaryTests:
    """Compile FEEL unary tests (DMN input entries such as ``< 10`` or ``"a","b"``)."""
    return _cached_unary_tests(check_source(source))


# Compiled objects are immutable, so identical sources can share one object.
_cached_feel = lru_cache(maxsize=_CACHE_SIZE)(_compile_feel)
_cached_juel = lru_cache(maxsize=_CACHE_SIZE)(_compile_juel)
_cached_unary_tests = lru_cache(maxsize=_CACHE_SIZE)(_compile_unary_tests)


def compile_expression(text: str) -> CompiledExpression:
    """Pick the dialect the way Camunda does.

    ``=...`` is FEEL, text containing ``${`` or ``#{`` is JUEL, anything else
    is a literal string constant. Syntax error positions refer to ``text``.
    """
    check_source(text)
    stripped = text.lstrip()
    if stripped.startswith("="):
        offset = len(text) - len(stripped) + 1
        try:
            return compile_feel(stripped[1:])
        except ExpressionSyntaxError as exc:
            position = None if exc.position is None else exc.position + offset
            raise ExpressionSyntaxError(exc.reason, text, position) from None
    if "${" in text or "#{" in text:
        return compile_juel(text)
    return LiteralExpression(text)


__all__ = [
    "CompiledExpression",
    "CompiledUnaryTests",
    "FeelExpression",
    "JuelExpression",
    "LiteralExpression",
    "WIDE_TEMPORAL",
    "YearsMonthsDuration",
    "compile_expression",
    "compile_feel",
    "compile_juel",
    "compile_unary_tests",
]
