"""FEEL conformance tables from DMN 1.5 chapter 10, one data file per section.

Each ``*.feel`` file beside this module holds lines of the form::

    # 10.3.4.9 Range functions            (a heading, ignored)
    before(1, 10)  ==>  true              (the expression and its result)
    function(x) x + "a"  !!  syntax       (refused at compile time)
    no such fn(1)  !!  error              (an evaluation error)

The expected result is written as FEEL literals (numbers, strings, lists,
contexts, ``@"..."`` temporals, ranges) and compared strictly: the same
Python type (an ``int`` is not a ``float``, ``true`` is not ``1``), the same
time zone, equal values. Keep expectations literal so the check does not
lean on the part of the interpreter being tested.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bpmn.expressions import compile_feel
from steadyflow.errors import ExpressionEvaluationError, ExpressionSyntaxError

HERE = Path(__file__).parent


def load_cases() -> list[Any]:
    cases = []
    for path in sorted(HERE.glob("*.feel")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if "  ==>  " in text:
                expression, expected = text.split("  ==>  ", 1)
                outcome = ("value", expected.strip())
            elif "  !!  " in text:
                expression, kind = text.split("  !!  ", 1)
                outcome = (kind.strip(), "")
            else:
                raise ValueError(f"{path.name}:{number}: a case needs '  ==>  ' or '  !!  '")
            cases.append(pytest.param(expression.strip(), outcome, id=f"{path.stem}:{number}"))
    return cases


def same(actual: Any, expected: Any) -> bool:
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(expected, dict):
        return list(actual) == list(expected) and all(same(actual[k], v) for k, v in expected.items())
    if isinstance(expected, (datetime, time)):
        return actual == expected and zone(actual) == zone(expected)
    if isinstance(expected, (date, timedelta, str, int, float, bool)) or expected is None:
        return bool(actual == expected)
    return bool(actual == expected)


def zone(value: datetime | time) -> str:
    if value.tzinfo is None:
        return ""
    return str(getattr(value.tzinfo, "key", None) or value.utcoffset())


@pytest.mark.parametrize(("expression", "outcome"), load_cases())
def test_expression_gives_the_specified_result(expression: str, outcome: tuple[str, str]) -> None:
    kind, expected_text = outcome
    if kind == "syntax":
        with pytest.raises(ExpressionSyntaxError):
            compile_feel(expression)
        return
    compiled = compile_feel(expression)
    if kind == "error":
        with pytest.raises(ExpressionEvaluationError):
            compiled.evaluate({})
        return
    assert kind == "value", f"unknown outcome {kind!r}"
    actual = compiled.evaluate({})
    expected = compile_feel(expected_text).evaluate({})
    assert same(actual, expected), f"{expression} gave {actual!r}, the specification says {expected!r}"
