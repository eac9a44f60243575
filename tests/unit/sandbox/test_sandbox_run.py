"""run_python_script: scripts run in a sandbox process; results and every failure come back as data."""

from __future__ import annotations

from typing import Any

import pytest

from engine.sandbox import ScriptError, run_python_script
from steadyflow.errors import InvalidInputError, SteadyflowError


def fails(source: str, variables: dict[str, Any] | None = None, **limits: Any) -> ScriptError:
    with pytest.raises(ScriptError) as caught:
        run_python_script(source, variables or {}, **limits)
    return caught.value


# -- happy paths ---------------------------------------------------------------------------------


def test_arithmetic_on_variables_returns_the_new_names() -> None:
    assert run_python_script("total = price * quantity + 0.5", {"price": 3, "quantity": 4}) == {"total": 12.5}


def test_changed_variables_are_returned_and_unchanged_ones_are_not() -> None:
    result = run_python_script(
        "items.append(4)\ncount = count + 1\nname = name", {"items": [1, 2, 3], "count": 1, "name": "x"}
    )
    assert result == {"items": [1, 2, 3, 4], "count": 2}


def test_dicts_loops_comprehensions_and_unpacking_work() -> None:
    source = """
totals = {}
for region, amount in orders:
    totals[region] = totals.get(region, 0) + amount
biggest = max(totals, key=lambda region: totals[region])
ranked = sorted(totals.items(), key=lambda pair: -pair[1])
squares = [n * n for n in range(4) if n % 2 == 0]
labels = {str(i): label for i, label in enumerate(["a", "b"])}
"""
    result = run_python_script(source, {"orders": [["eu", 5], ["us", 7], ["eu", 4]]})
    assert result["totals"] == {"eu": 9, "us": 7}
    assert result["biggest"] == "eu"
    assert result["ranked"] == [["eu", 9], ["us", 7]]
    assert result["squares"] == [0, 4]
    assert result["labels"] == {"0": "a", "1": "b"}


def test_functions_defined_in_the_script_run_and_are_not_returned() -> None:
    source = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nresult = fib(15)"
    assert run_python_script(source, {}) == {"result": 610}


def test_nested_values_keep_their_json_types() -> None:
    result = run_python_script("doc = {'a': [1, 2.5, None, True, 'x', {'b': []}]}\nt = (1, 2)", {})
    assert result == {"doc": {"a": [1, 2.5, None, True, "x", {"b": []}]}, "t": [1, 2]}


def test_type_changes_count_as_changes() -> None:
    assert run_python_script("a = 1.0\nb = True", {"a": 1, "b": 1}) == {"a": 1.0, "b": True}


def test_math_and_pure_builtins_are_available_without_import() -> None:
    source = "r = [math.floor(math.sqrt(17)), abs(-2), round(2.567, 1), sum([1, 2]), min(3, 1), any([0, 1])]"
    assert run_python_script(source, {}) == {"r": [4, 2, 2.6, 3, 1, True]}


def test_print_has_no_side_effect_outside_the_script() -> None:
    assert run_python_script("print('hello', 42)\nlog = printed", {}) == {"log": "hello 42\n"}


def test_script_without_assignments_returns_nothing() -> None:
    assert run_python_script("x + 1", {"x": 1}) == {}


def test_variables_with_unusable_names_are_not_passed_or_returned() -> None:
    assert run_python_script("y = 1", {"_getattr_": "evil", "not a name": 1, "y": 0}) == {"y": 1}


# -- compile-time refusals surface as ScriptError ------------------------------------------------


def test_syntax_error_raises_with_line() -> None:
    error = fails("x = 1\ny = [1, 2\nz = 3")
    assert (error.kind, error.line) == ("syntax", 2)
    assert "line 2" in str(error)
    assert isinstance(error, SteadyflowError)


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "import socket\ns = socket.socket()",
        "f = open('/tmp/sandbox-escape', 'w')",
        "os = __import__('os')",
        "x = eval('1')",
        "exec('y = 1')",
        "x = ().__class__.__bases__[0].__subclasses__()",
        "g = getattr(len, '__self__')",
        "t = type('X', (), {})",
    ],
)
def test_forbidden_constructs_never_run(source: str) -> None:
    error = fails(source)
    assert error.kind == "forbidden"
    assert error.line == 1


# -- run-time failures ---------------------------------------------------------------------------


def test_runtime_error_names_the_exception_and_line() -> None:
    error = fails("a = 1\nb = a / zero", {"zero": 0})
    assert (error.kind, error.line) == ("runtime", 2)
    assert "ZeroDivisionError: division by zero" in str(error)


def test_error_inside_a_function_points_at_the_failing_line() -> None:
    error = fails("def parse(text):\n    return int(text)\nvalue = parse('x')")
    assert (error.kind, error.line) == ("runtime", 2)
    assert "ValueError" in error.detail


def test_str_format_is_refused_at_run_time() -> None:
    error = fails("s = '{0.__class__}'.format(1)")
    assert error.kind == "runtime" and "format" in error.detail


def test_reading_a_withheld_variable_says_why_it_was_withheld() -> None:
    error = fails("y = due", {"due": object()})
    assert error.kind == "runtime"
    assert "not passed to the script because due is an object" in error.detail


def test_deep_recursion_is_a_runtime_error() -> None:
    error = fails("def down(n):\n    return down(n + 1)\ndown(0)")
    assert (error.kind, error.line) == ("runtime", 2)
    assert "RecursionError" in error.detail


def test_deeply_nested_repr_is_a_runtime_error() -> None:
    error = fails("x = []\nfor i in range(100000):\n    x = [x]\ny = str(x)")
    assert error.kind == "runtime" and "RecursionError" in error.detail


def test_script_cannot_raise_system_exit() -> None:
    error = fails("raise SystemExit(0)")
    assert error.kind == "runtime" and "SystemExit" in error.detail


# -- limits --------------------------------------------------------------------------------------


@pytest.mark.timeout(10)
def test_infinite_loop_is_stopped() -> None:
    error = fails("n = 0\nwhile True:\n    n = n + 1", timeout_s=0.5)
    assert error.kind == "timeout"
    assert error.line in (2, 3)


@pytest.mark.timeout(10)
def test_loop_that_swallows_every_exception_is_still_stopped() -> None:
    error = fails(
        "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass", timeout_s=0.5
    )
    assert error.kind == "timeout"


@pytest.mark.timeout(10)
def test_long_computation_in_c_is_stopped() -> None:
    assert fails("x = 10 ** 10 ** 9", timeout_s=0.5).kind == "timeout"


@pytest.mark.parametrize(
    "source", ["x = [0] * 10**10", "x = 'a' * 10**10", "x = []\nwhile True:\n    x.append([0] * 1000)"]
)
@pytest.mark.timeout(20)
def test_memory_bombs_are_stopped(source: str) -> None:
    error = fails(source, memory_mb=128, timeout_s=5)
    assert error.kind == "memory"
    assert "128 MB" in error.detail


def test_huge_output_is_refused() -> None:
    error = fails("blob = 'a' * 2_000_000")
    assert error.kind == "output"
    assert "limit" in error.detail


def test_limits_that_make_no_sense_are_invalid_input() -> None:
    with pytest.raises(InvalidInputError):
        run_python_script("x = 1", {}, timeout_s=0)
    with pytest.raises(InvalidInputError):
        run_python_script("x = 1", {}, memory_mb=1)


# -- non-JSON results ----------------------------------------------------------------------------


def test_new_helper_values_that_are_not_json_are_left_out() -> None:
    source = "seen = set([1])\ndef helper():\n    return 1\nnumbers = range(3)\ncount = len(seen)"
    assert run_python_script(source, {}) == {"count": 1}


def test_input_variable_turned_into_a_set_is_an_output_error() -> None:
    error = fails("tags = set(tags)", {"tags": ["a", "b"]})
    assert error.kind == "output"
    assert "'tags' cannot be stored: tags is a set" in error.detail


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("d = {1: 'a'}", "only text keys"),
        ("r = {'k': [set()]}", "r['k'][0] is a set"),
        ("n = float('nan')", "nan"),
        ("x = []\nfor i in range(200):\n    x = [x]", "nested more than"),
        ("items.append(items)", "nested more than"),
        ("big = 10 ** 5000", "cannot be written as JSON"),
    ],
)
def test_data_values_json_cannot_store_are_output_errors(source: str, reason: str) -> None:
    error = fails(source, {"items": []})
    assert error.kind == "output"
    assert reason in error.detail
