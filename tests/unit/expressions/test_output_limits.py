"""Text an expression builds is refused as soon as it passes the output limit, before it is all built."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from bpmn.expressions import compile_expression
from bpmn.expressions.limits import ExpressionLimits, expression_limits
from steadyflow.errors import ExpressionEvaluationError

MEGABYTE_TEXT = {"x": "a" * 1_000_000, "xs": ["a" * 1_000_000] * 300}


def peak_bytes(run: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with pytest.raises(ExpressionEvaluationError, match=r"longer than|characters of text"):
            run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "source",
    [
        "=string(for i in 1..300 return x)",
        "=string({a: xs})",
        "=string(xs)",
        "${'['}${xs}",
        "=upper case(string join(xs))",
    ],
)
def test_text_past_the_limit_is_refused_before_it_is_built(source: str) -> None:
    expression = compile_expression(source)
    # The whole text would be about 300 MB; refusing at the limit keeps the peak near one value's size.
    assert peak_bytes(lambda: expression.evaluate(MEGABYTE_TEXT)) < 12_000_000


def test_the_output_limit_is_configurable_per_evaluation_context() -> None:
    expression = compile_expression("=string(for i in 1..20 return i)")
    assert expression.evaluate({}).startswith("[1, 2")
    with expression_limits(ExpressionLimits(max_string_length=20)):
        with pytest.raises(ExpressionEvaluationError, match="longer than 20 characters"):
            expression.evaluate({})
        assert compile_expression("=string([1, 2])").evaluate({}) == "[1, 2]"
        with pytest.raises(ExpressionEvaluationError, match="longer than 20"):
            compile_expression("${a}${a}${a}").evaluate({"a": "0123456789"})
    assert compile_expression("${a}${a}${a}").evaluate({"a": "0123456789"}) == "0123456789" * 3


def test_total_text_of_one_evaluation_is_configurable() -> None:
    limits = ExpressionLimits(max_string_length=100, max_total_text=150)
    with expression_limits(limits), pytest.raises(ExpressionEvaluationError, match="150 characters of text in total"):
        compile_expression('=for i in 1..5 return string(i) + "' + "b" * 40 + '"').evaluate({})


def test_limits_must_be_positive_whole_numbers() -> None:
    with pytest.raises(ValueError, match="max_string_length"):
        ExpressionLimits(max_string_length=0)
