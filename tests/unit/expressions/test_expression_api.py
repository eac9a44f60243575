"""The public contract of bpmn.expressions: dialect choice, errors, immutability, sharing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bpmn.expressions import (
    CompiledExpression,
    FeelExpression,
    YearsMonthsDuration,
    compile_expression,
    compile_feel,
    compile_juel,
    compile_unary_tests,
)
from steadyflow.errors import ExpressionEvaluationError, ExpressionSyntaxError


@pytest.mark.parametrize(
    ("text", "language", "variables", "expected"),
    [
        ("=x + 1", "feel", {"x": 1}, 2),
        ("  = x * 2", "feel", {"x": 4}, 8),
        ("${x + 1}", "juel", {"x": 1}, 2),
        ("#{x}", "juel", {"x": "a"}, "a"),
        ("db-${name}", "juel", {"name": "orders"}, "db-orders"),
        ("payment-service", "literal", {}, "payment-service"),
        ("", "literal", {}, ""),
        ("a = b", "literal", {}, "a = b"),
    ],
)
def test_compile_expression_picks_the_dialect_like_camunda(
    text: str, language: str, variables: dict[str, Any], expected: Any
) -> None:
    compiled = compile_expression(text)
    assert isinstance(compiled, CompiledExpression)
    assert compiled.language == language
    assert compiled.evaluate(variables) == expected


def test_compile_expression_reports_positions_in_the_original_text() -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_expression("= 1 +")
    assert caught.value.position == 5
    assert caught.value.source == "= 1 +"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("=for v in xs return v + y", {"xs", "y"}),
        ("={a: 1, b: a + c}", {"c"}),
        ("=xs[item > limit]", {"xs", "limit"}),
        ("=is defined(order.id) and count(items) > 0", {"order", "items"}),
        ("=some v in xs satisfies v > min", {"xs", "min"}),
        ("${order.id == other[key]}", {"order", "other", "key"}),
        ("plain", set()),
    ],
)
def test_variable_names_lists_the_variables_read_from_outside(text: str, names: set[str]) -> None:
    assert compile_expression(text).variable_names() == frozenset(names)


@pytest.mark.parametrize("source", [None, 5, b"x", ["x"]])
def test_compiling_non_text_raises_syntax_error(source: Any) -> None:
    for compile_fn in (compile_feel, compile_juel, compile_expression):
        with pytest.raises(ExpressionSyntaxError):
            compile_fn(source)


@pytest.mark.parametrize("compiled", [compile_feel("x"), compile_juel("${x}")])
def test_evaluating_with_non_mapping_variables_raises_evaluation_error(compiled: CompiledExpression) -> None:
    with pytest.raises(ExpressionEvaluationError):
        compiled.evaluate(["x"])  # type: ignore[arg-type]


class ExplodingMapping(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("storage went away")

    def __contains__(self, key: object) -> bool:
        raise RuntimeError("storage went away")

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.mark.parametrize("compiled", [compile_feel("x + 1"), compile_juel("${x + 1}")])
def test_unexpected_failures_surface_as_evaluation_errors(compiled: CompiledExpression) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        compiled.evaluate(ExplodingMapping())
    assert "RuntimeError" in caught.value.reason


def test_deeply_nested_variables_cannot_escape_as_recursion_error() -> None:
    nested: list[Any] = []
    for _ in range(5000):
        nested = [nested]
    with pytest.raises(ExpressionEvaluationError):
        compile_feel("string(x)").evaluate({"x": nested})


@pytest.mark.parametrize("compiled", [compile_feel("x"), compile_juel("${x}"), compile_expression("text")])
def test_compiled_expressions_are_immutable(compiled: CompiledExpression) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.source = "other"


def test_compiling_the_same_text_twice_shares_one_object() -> None:
    assert compile_feel("a + b") is compile_feel("a + b")
    assert compile_juel("${a}") is compile_juel("${a}")


def test_one_compiled_expression_is_safe_to_share_between_threads() -> None:
    compiled = compile_feel("for i in 1..n return i * k")

    def run(k: int) -> list[int]:
        return [compiled.evaluate({"n": 50, "k": k}) for _ in range(20)][-1]  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(32)))
    assert results == [[i * k for i in range(1, 51)] for k in range(32)]


def test_evaluation_never_modifies_the_variables() -> None:
    variables = {"ctx": {"a": 1}, "xs": [3, 1, 2]}
    compile_feel('context put(ctx, "b", 2)').evaluate(variables)
    compile_feel("sort(xs)").evaluate(variables)
    assert variables == {"ctx": {"a": 1}, "xs": [3, 1, 2]}


def test_now_can_be_pinned_for_reproducible_evaluation() -> None:
    compiled = compile_feel('today() - @"2024-01-01"')
    assert isinstance(compiled, FeelExpression)
    pinned = datetime(2024, 1, 11, 12, tzinfo=UTC)
    assert compiled.evaluate_at({}, pinned).days == 10


def test_now_is_a_zoned_utc_date_time() -> None:
    value = compile_feel("now()").evaluate({})
    assert isinstance(value, datetime)
    assert value.utcoffset() is not None


def test_years_months_duration_exposes_years_and_iso_text() -> None:
    duration = YearsMonthsDuration(-14)
    assert (duration.years, duration.remaining_months) == (-1, -2)
    assert str(duration) == "-P1Y2M"
    assert YearsMonthsDuration(0).isoformat() == "P0M"
    assert YearsMonthsDuration(12) > YearsMonthsDuration(11)
    with pytest.raises(TypeError):
        YearsMonthsDuration(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tests", "value", "variables", "expected"),
    [
        ("< 10", 5, {}, True),
        ("< 10", 15, {}, False),
        ('"a", "b"', "b", {}, True),
        ('"a", "b"', "c", {}, False),
        ("-", None, {}, True),
        ('not("a")', "a", {}, False),
        ('not("a")', "b", {}, True),
        ("[1..5]", 5, {}, True),
        ("(1..5)", 5, {}, False),
        ("? > 3", 4, {}, True),
        ("? = false", False, {}, True),
        ("limit", 3, {"limit": 3}, True),
        ("> limit", 3, {"limit": 1}, True),
        ("not(< 5, > 10)", 7, {}, True),
        ('contains(?, "b")', "abc", {}, True),
        ("[1, 2, 3]", 2, {}, True),
        ("null", None, {}, True),
        ("< 10", "text", {}, False),
        ('@"2024-01-01"..@"2024-12-31"', date(2024, 6, 1), {}, True),
    ],
)
def test_unary_tests_match_input_values(tests: str, value: Any, variables: dict[str, Any], expected: bool) -> None:
    assert compile_unary_tests(tests).matches(value, variables) is expected


def test_unary_tests_report_the_variables_they_read() -> None:
    assert compile_unary_tests("> limit, ? = other").variable_names() == frozenset({"limit", "other"})


def test_unary_tests_syntax_errors_are_reported() -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile_unary_tests("< ")
