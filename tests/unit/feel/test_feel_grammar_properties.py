"""Properties of the DMN 1.5 grammar added to FEEL: functions, types, open ranges, exponents.

Generated expressions mix function definitions and calls, structured types
after ``instance of`` and in parameters, open ranges and exponent numbers;
whatever comes out, compiling raises only ExpressionSyntaxError and
evaluating only ExpressionEvaluationError. Value properties check that the
new constructs agree with the operators they are defined by.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpmn.expressions import compile_feel
from steadyflow.errors import ExpressionEvaluationError, ExpressionSyntaxError

PROFILE = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

atoms = st.sampled_from(
    ["1", "2.5", "1e3", "-4E-2", '"a"', "true", "null", "x", "f", "[1, 2]", "{a: 1}", '@"2021-01-01"']
)
base_types = st.sampled_from(["number", "string", "Any", "Null", "date", "boolean", "list", "context", "range"])
feel_types = st.recursive(
    base_types,
    lambda inner: (
        st.builds("list<{}>".format, inner)
        | st.builds("range<{}>".format, inner)
        | st.builds(lambda k, t: f"context<{k}: {t}>", st.sampled_from(["a", "b"]), inner)
        | st.builds(lambda ps, r: f"function<{', '.join(ps)}> -> {r}", st.lists(inner, max_size=2), inner)
    ),
    max_leaves=4,
)


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    params = st.lists(st.sampled_from(["x", "y", "f"]), max_size=2, unique=True)
    typed = st.builds(lambda p, t: f"{p}: {t}", st.sampled_from(["x", "y"]), feel_types)
    return (
        st.builds(lambda ps, body: f"function({', '.join(ps)}) {body}", params, children)
        | st.builds(lambda p, body: f"function({p}) {body}", typed, children)
        | st.builds(lambda fn, args: f"({fn})({', '.join(args)})", children, st.lists(children, max_size=2))
        | st.builds(lambda body, arg: f"{{f: function(x) {body}, r: f({arg})}}.r", children, children)
        | st.builds(lambda v, t: f"{v} instance of {t}", children, feel_types)
        | st.builds(lambda op, v: f"({op} {v})", st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), children)
        | st.builds(lambda k, v: f"{{{k}: {v}}}", st.sampled_from(["a+b", "a.b-c", "x*y/z", "a +b"]), children)
        | st.builds(lambda a, b: f"{a} in {b}", children, children)
        | st.builds(
            lambda name, a, b: f"{name}({a}, {b})",
            st.sampled_from(["before", "overlaps", "includes", "coincides", "is", "sort", "list replace"]),
            children,
            children,
        )
        | st.builds(lambda a, b: f"{a} + {b}", children, children)
    )


expressions = st.recursive(atoms, _extend, max_leaves=10)
values = st.one_of(st.none(), st.integers(-100, 100), st.text(max_size=3), st.lists(st.integers(), max_size=3))


@PROFILE
@given(expression=expressions, x=values)
def test_generated_expressions_raise_only_the_interpreter_errors(expression: str, x: Any) -> None:
    try:
        compiled = compile_feel(expression)
    except ExpressionSyntaxError:
        return
    with contextlib.suppress(ExpressionEvaluationError):
        compiled.evaluate({"x": x, "f": None})


@PROFILE
@given(text=st.text(alphabet="function()<>:,-x ylistcontextrange1e", max_size=60))
def test_type_and_function_text_soup_raises_only_syntax_or_evaluation_errors(text: str) -> None:
    try:
        compiled = compile_feel(text)
    except ExpressionSyntaxError:
        return
    with contextlib.suppress(ExpressionEvaluationError):
        compiled.evaluate({})


@PROFILE
@given(a=st.integers(-(10**12), 10**12), b=st.integers(-(10**12), 10**12))
def test_a_function_of_two_parameters_computes_what_its_body_computes(a: int, b: int) -> None:
    result = compile_feel("{f: function(p, q) p * 2 - q, r: f(a, b), s: f(q: b, p: a)}").evaluate({"a": a, "b": b})
    assert result["r"] == result["s"] == a * 2 - b


@PROFILE
@given(value=st.integers(-50, 50), end=st.integers(-50, 50), op=st.sampled_from(["<", "<=", ">", ">="]))
def test_membership_in_an_open_range_is_the_comparison(value: int, end: int, op: str) -> None:
    member = compile_feel(f"v in ({op} e)").evaluate({"v": value, "e": end})
    assert member is compile_feel(f"v {op} e").evaluate({"v": value, "e": end})


@PROFILE
@given(mantissa=st.integers(0, 10**6), exponent=st.integers(-20, 20))
def test_an_exponent_literal_is_the_mantissa_times_a_power_of_ten(mantissa: int, exponent: int) -> None:
    literal = compile_feel(f"{mantissa}e{exponent}").evaluate({})
    assert literal == compile_feel(f"{mantissa} * 10 ** {exponent}").evaluate({})


@PROFILE
@given(items=st.lists(st.one_of(st.integers(-9, 9), st.text(max_size=2), st.none()), max_size=5))
def test_list_of_number_holds_exactly_the_lists_of_numbers_and_nulls(items: list[Any]) -> None:
    verdict = compile_feel("xs instance of list<number>").evaluate({"xs": items})
    assert verdict is all(item is None or isinstance(item, int) for item in items)


@PROFILE
@given(items=st.lists(st.integers(-100, 100), max_size=8))
def test_sort_with_a_precedes_function_agrees_with_sort(items: list[int]) -> None:
    by_function = compile_feel("sort(xs, function(a, b) a < b)").evaluate({"xs": items})
    assert by_function == sorted(items)


@PROFILE
@given(value=st.integers(-50, 50), point=st.integers(-50, 50), op=st.sampled_from(["=", "!="]))
def test_membership_in_an_equality_test_value_is_the_comparison(value: int, point: int, op: str) -> None:
    member = compile_feel(f"v in ({op} e)").evaluate({"v": value, "e": point})
    assert member is compile_feel(f"v {op} e").evaluate({"v": value, "e": point})


xpath_patterns = st.text(alphabet="ab.[]-^\\(?#)+*|{}1,$sd ", max_size=20)


@PROFILE
@given(
    pattern=xpath_patterns, text=st.text(alphabet="ab\r\n.-[]", max_size=8), flags=st.sampled_from(["", "i", "s", "x"])
)
def test_xpath_patterns_raise_only_the_interpreter_errors(pattern: str, text: str, flags: str) -> None:
    with contextlib.suppress(ExpressionEvaluationError):
        result = compile_feel("matches(t, p, f)").evaluate({"t": text, "p": pattern, "f": flags})
        assert result in (True, False, None)


@PROFILE
@given(text=st.text(alphabet="ab\r\nc", max_size=8))
def test_dot_matches_what_xpath_says_and_class_subtraction_removes_the_subtrahend(text: str) -> None:
    dot = compile_feel('matches(t, "^.*$")').evaluate({"t": text})
    assert dot is ("\n" not in text and "\r" not in text)
    subtracted = compile_feel('matches(t, "^[a-c-[b]]*$")').evaluate({"t": text})
    assert subtracted is all(ch in "ac" for ch in text)
