"""Property-based robustness of the expression interpreters.

Whatever text a model contains, compiling raises nothing but
ExpressionSyntaxError; whatever variables an instance holds, evaluating
raises nothing but ExpressionEvaluationError. Random expressions come from
small grammars of both dialects, so most of them parse and exercise the
evaluators rather than only the lexers.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpmn.expressions import compile_expression, compile_feel, compile_juel
from steadyflow.errors import ExpressionEvaluationError, ExpressionSyntaxError

PROFILE = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["a", "b", "xs", "ctx", "s", "d"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(["k", "a", "item"]), inner, max_size=3),
    max_leaves=12,
)
temporal_values = (
    st.dates() | st.datetimes() | st.timedeltas(min_value=timedelta(days=-9999), max_value=timedelta(days=9999))
)
variables = st.fixed_dictionaries({name: json_values | temporal_values for name in NAMES})


def assert_compile_only_raises_syntax_errors(compile_fn: Any, text: str) -> Any:
    try:
        return compile_fn(text)
    except ExpressionSyntaxError as exc:
        assert exc.position is None or 0 <= exc.position <= len(text) + 1
        return None


def assert_evaluate_only_raises_evaluation_errors(compiled: Any, values: dict[str, Any]) -> None:
    if compiled is None:
        return
    with contextlib.suppress(ExpressionEvaluationError):
        compiled.evaluate(values)


# --- arbitrary text ---------------------------------------------------------------

FEEL_TOKENS = [
    "x",
    "a",
    "xs",
    "1",
    "2.5",
    '"s"',
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "+",
    "-",
    "*",
    "/",
    "**",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
    "not",
    "if",
    "then",
    "else",
    "for",
    "in",
    "return",
    "some",
    "every",
    "satisfies",
    "between",
    "instance",
    "of",
    "number",
    "item",
    "?",
    "null",
    "true",
    '@"2024-01-01"',
    '@"P1D"',
    "count",
    "sum",
    "date and time",
    "string length",
    "`q`",
    "function",
]
JUEL_TOKENS = [
    "${",
    "#{",
    "}",
    "x",
    "a",
    "1",
    "2.5",
    "'s'",
    '"t"',
    "(",
    ")",
    "[",
    "]",
    ".",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    ">",
    "&&",
    "||",
    "!",
    "?",
    ":",
    "and",
    "or",
    "not",
    "empty",
    "eq",
    "div",
    "mod",
    "true",
    "null",
    "\\",
    "$",
    "{",
]


@PROFILE
@given(text=st.text(max_size=120), values=variables)
def test_arbitrary_text_compiles_or_raises_only_syntax_errors(text: str, values: dict[str, Any]) -> None:
    for compile_fn in (compile_feel, compile_juel, compile_expression):
        compiled = assert_compile_only_raises_syntax_errors(compile_fn, text)
        assert_evaluate_only_raises_evaluation_errors(compiled, values)


@PROFILE
@given(tokens=st.lists(st.sampled_from(FEEL_TOKENS), max_size=25), values=variables)
def test_feel_token_soup_never_escapes_the_error_contract(tokens: list[str], values: dict[str, Any]) -> None:
    compiled = assert_compile_only_raises_syntax_errors(compile_feel, " ".join(tokens))
    assert_evaluate_only_raises_evaluation_errors(compiled, values)


@PROFILE
@given(tokens=st.lists(st.sampled_from(JUEL_TOKENS), max_size=25), values=variables)
def test_juel_token_soup_never_escapes_the_error_contract(tokens: list[str], values: dict[str, Any]) -> None:
    compiled = assert_compile_only_raises_syntax_errors(compile_juel, " ".join(tokens))
    assert_evaluate_only_raises_evaluation_errors(compiled, values)


# --- grammars ---------------------------------------------------------------------

feel_leaves = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
    st.sampled_from(['"abc"', '""', "true", "false", "null", '@"2024-02-29"', '@"PT1H"', '@"P1Y"', "item"]),
    st.sampled_from(NAMES),
)
FEEL_BINARY = ["+", "-", "*", "/", "**", "=", "!=", "<", "<=", ">", ">=", "and", "or"]
FEEL_CALLS = [
    ("count", 1),
    ("sum", 1),
    ("min", 2),
    ("string", 1),
    ("number", 1),
    ("not", 1),
    ("abs", 1),
    ("string length", 1),
    ("upper case", 1),
    ("substring", 2),
    ("list contains", 2),
    ("append", 2),
    ("sort", 1),
    ("distinct values", 1),
    ("flatten", 1),
    ("floor", 1),
    ("modulo", 2),
    ("date", 1),
    ("duration", 1),
    ("is defined", 1),
    ("get or else", 2),
    ("get value", 2),
    ("reverse", 1),
    ("index of", 2),
    ("contains", 2),
    ("split", 2),
    ("string join", 2),
    ("day of week", 1),
]


def _feel_call(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(FEEL_CALLS).flatmap(
        lambda call: st.lists(children, min_size=call[1], max_size=call[1]).map(
            lambda args: f"{call[0]}({', '.join(args)})"
        )
    )


def _feel_extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(children, children)
    return st.one_of(
        st.tuples(children, st.sampled_from(FEEL_BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda c: f"-({c})"),
        st.lists(children, max_size=4).map(lambda cs: "[" + ", ".join(cs) + "]"),
        pair.map(lambda p: f"{{k: {p[0]}, item: {p[1]}}}"),
        st.tuples(children, children, children).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
        children.map(lambda c: f"({c}).k"),
        pair.map(lambda p: f"({p[0]})[{p[1]}]"),
        pair.map(lambda p: f"(for v in {p[0]} return {p[1]})"),
        pair.map(lambda p: f"(some v in {p[0]} satisfies {p[1]})"),
        pair.map(lambda p: f"({p[0]} in {p[1]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} between {t[1]} and {t[2]})"),
        children.map(lambda c: f"({c} instance of number)"),
        _feel_call(children),
    )


feel_expressions = st.recursive(feel_leaves, _feel_extend, max_leaves=15)


@PROFILE
@given(expression=feel_expressions, values=variables)
def test_generated_feel_expressions_compile_and_fail_only_with_evaluation_errors(
    expression: str, values: dict[str, Any]
) -> None:
    compiled = compile_feel(expression)
    assert_evaluate_only_raises_evaluation_errors(compiled, values)


juel_leaves = st.one_of(
    st.integers(0, 10**6).map(str),
    st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
    st.sampled_from(["'abc'", '""', "true", "false", "null"]),
    st.sampled_from(NAMES),
)
JUEL_BINARY = ["+", "-", "*", "/", "div", "%", "mod", "==", "!=", "<", ">", "<=", ">=", "eq", "lt", "&&", "||", "and"]


def _juel_extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(JUEL_BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "!", "not ", "empty "]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        children.map(lambda c: f"({c}).k"),
        st.tuples(children, children).map(lambda p: f"({p[0]})[{p[1]}]"),
    )


juel_expressions = st.recursive(juel_leaves, _juel_extend, max_leaves=15)
juel_templates = st.lists(
    st.one_of(juel_expressions.map(lambda e: "${" + e + "}"), st.text(alphabet="ab -:", max_size=5)),
    min_size=1,
    max_size=4,
).map("".join)


@PROFILE
@given(template=juel_templates, values=variables)
def test_generated_juel_templates_compile_and_fail_only_with_evaluation_errors(
    template: str, values: dict[str, Any]
) -> None:
    compiled = compile_juel(template)
    assert_evaluate_only_raises_evaluation_errors(compiled, values)


# --- semantic properties -------------------------------------------------------------


@PROFILE
@given(a=st.integers(-(10**20), 10**20), b=st.integers(-(10**20), 10**20))
def test_integer_arithmetic_is_exact_in_both_dialects(a: int, b: int) -> None:
    values = {"a": a, "b": b}
    assert compile_feel("a + b").evaluate(values) == a + b
    assert compile_feel("a * b").evaluate(values) == a * b
    assert compile_feel("a < b").evaluate(values) is (a < b)
    assert compile_juel("${a - b}").evaluate(values) == a - b
    assert compile_juel("${a ge b}").evaluate(values) is (a >= b)


@PROFILE
@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_feel_dates_round_trip_through_string(day: date) -> None:
    assert compile_feel("date(string(d)) = d").evaluate({"d": day}) is True


@PROFILE
@given(moment=st.datetimes(), delta=st.timedeltas(min_value=timedelta(days=-999), max_value=timedelta(days=999)))
def test_adding_then_subtracting_a_duration_returns_the_same_local_date_time(
    moment: datetime, delta: timedelta
) -> None:
    result = compile_feel("(t + p) - p").evaluate({"t": moment, "p": delta})
    assert result in (moment, None)
