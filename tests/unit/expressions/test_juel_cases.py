"""Table-driven behaviour of JUEL templates (Camunda 7 / EL 2.2 semantics).

Rows give the template, the expected value over ``VARS`` and, for failures,
the error class and a message fragment. A template that is exactly one
``${...}`` yields the raw value; mixed text yields a string.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bpmn.expressions import compile_juel
from steadyflow.errors import ExpressionEvaluationError, ExpressionSyntaxError

VARS: dict[str, Any] = {
    "x": 5,
    "y": None,
    "s": "hello",
    "amount": 150,
    "status": "open",
    "flag": True,
    "nums": [3, 1, 4, 1, 5],
    "emptyList": [],
    "order": {
        "id": "A1",
        "items": [{"name": "pen", "price": 2.5}, {"name": "book", "price": 12}],
        "customer": {"name": "Ann"},
    },
}


def same(actual: Any, expected: Any) -> bool:
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, float):
        return type(actual) is float and math.isclose(actual, expected, rel_tol=1e-9)
    if isinstance(expected, int):
        return type(actual) is int and actual == expected
    return type(actual) is type(expected) and actual == expected


VALUES = [
    ("${x}", 5),
    ("${s}", "hello"),
    ("${y}", None),
    ("${flag}", True),
    ("${nums}", [3, 1, 4, 1, 5]),
    ("${order.id}", "A1"),
    ('${order["id"]}', "A1"),
    ("${order['id']}", "A1"),
    ("${order.customer.name}", "Ann"),
    ("${order.missing}", None),
    ("${order.items[0].name}", "pen"),
    ("${order.items[1]['price']}", 12),
    ("${nums[0]}", 3),
    ("${nums[9]}", None),
    ("${nums[-1]}", None),
    ('${nums["1"]}', 1),
    ("${nums[1.0]}", 1),
    ("${y.anything}", None),
    ("${order[y]}", None),
    ("${1}", 1),
    ("${1.5}", 1.5),
    ("${1e3}", 1000.0),
    ("${'single'}", "single"),
    ('${"double"}', "double"),
    (r"${'it\'s'}", "it's"),
    ("${true}", True),
    ("${null}", None),
    ("${x + 1}", 6),
    ("${x - 10}", -5),
    ("${x * 2}", 10),
    ("${x / 2}", 2.5),
    ("${10 / 2}", 5.0),
    ("${x div 2}", 2.5),
    ("${7 % 3}", 1),
    ("${7 mod 3}", 1),
    ("${-7 % 3}", -1),
    ("${7 % -3}", 1),
    ("${7.5 % 2}", 1.5),
    ("${1.5 + 1}", 2.5),
    ('${"1" + 2}', 3),
    ('${"1.5" + 1}', 2.5),
    ("${null + 1}", 1),
    ("${null + null}", 0),
    ("${-x}", -5),
    ('${-"2"}', -2),
    ("${1 + 2 * 3}", 7),
    ("${(1 + 2) * 3}", 9),
    ("${amount * 1.1}", 165.0),
    ('${"" + 1}', 1),
    ("${x == 5}", True),
    ("${x eq 5}", True),
    ("${x != 5}", False),
    ("${x ne 4}", True),
    ("${x < 10}", True),
    ("${x lt 10}", True),
    ("${x > 10}", False),
    ("${x gt 1}", True),
    ("${x <= 5}", True),
    ("${x le 4}", False),
    ("${x >= 5}", True),
    ("${x ge 6}", False),
    ('${x == "5"}', True),
    ('${"5" == x}', True),
    ("${x == 5.0}", True),
    ('${s == "hello"}', True),
    ("${status eq 'open'}", True),
    ("${y == null}", True),
    ("${x == null}", False),
    ('${flag == "true"}', True),
    ('${flag == "TRUE"}', True),
    ('${"a" < "b"}', True),
    ('${x < "10"}', True),
    ("${y < 1}", False),
    ("${y > 1}", False),
    ("${nums == nums}", True),
    ("${1 == 1.0}", True),
    ("${true && false}", False),
    ("${true and true}", True),
    ("${false || true}", True),
    ("${false or false}", False),
    ("${!flag}", False),
    ("${not flag}", False),
    ("${not y}", True),
    ('${"true" && true}', True),
    ('${"yes" || false}', False),
    ("${x > 1 && x < 10}", True),
    ("${amount > 100 and status == 'open'}", True),
    ("${y && undefinedName}", False),
    ("${flag || undefinedName}", True),
    ("${empty y}", True),
    ("${empty ''}", True),
    ("${empty s}", False),
    ("${empty emptyList}", True),
    ("${empty nums}", False),
    ("${empty order}", False),
    ("${not empty nums}", True),
    ("${empty x}", False),
    ('${x > 3 ? "big" : "small"}', "big"),
    ('${y ? "a" : "b"}', "b"),
    ("${flag ? x : y}", 5),
    ("${x > 3 ? x > 4 ? 1 : 2 : 3}", 1),
    ("${false ? undefinedName : 'safe'}", "safe"),
]

TEMPLATES = [
    ("db-${s}", "db-hello"),
    ("${x}${x}", "55"),
    ("x=${x}, y=${y}", "x=5, y="),
    ("${flag}!", "true!"),
    ("v${1.0}", "v1.0"),
    ("n=${x / 2}", "n=2.5"),
    ("big=${10000000.0}", "big=1.0E7"),
    ("small=${0.0001}", "small=1.0E-4"),
    ("list=${nums}", "list=[3, 1, 4, 1, 5]"),
    ("#{x}", 5),
    ("a #{x} b", "a 5 b"),
    (r"\${x}", "${x}"),
    ("price: ${order.items[1].price}", "price: 12"),
    ("${'}'}", "}"),
    ("plain text", "plain text"),
    ("", ""),
    ("${s}-${order.id}-${nums[2]}", "hello-A1-4"),
]

ALL_CASES = VALUES + TEMPLATES


@pytest.mark.parametrize(("template", "expected"), ALL_CASES, ids=[case[0] or "<empty>" for case in ALL_CASES])
def test_juel_template_evaluates_to_expected_value(template: str, expected: Any) -> None:
    result = compile_juel(template).evaluate(VARS)
    assert same(result, expected), f"{template!r} gave {result!r}, expected {expected!r}"


EVALUATION_ERRORS = [
    (
        "${undefinedVar}",
        "Unknown property used in expression ${undefinedVar}. Cannot resolve identifier 'undefinedVar'",
    ),
    ("a-${order.id}-${missing}", "Unknown property used in expression ${missing}"),
    ("${missing.id}", "Cannot resolve identifier 'missing'"),
    ('${"a" + 1}', "cannot coerce 'a'"),
    ("${1 / 0}", "division by zero"),
    ("${5 % 0}", "division by zero"),
    ("${flag + 1}", "cannot coerce boolean"),
    ('${x == "abc"}', "cannot coerce 'abc'"),
    ("${s.length}", "cannot read property 'length' of a str value"),
    ("${x.y}", "cannot read property 'y'"),
    ("${nums[true]}", "boolean as a list index"),
    ("${order < 1}", "cannot coerce a dict value"),
    ("${x * 1" + "0" * 350 + "}", "too large"),
]


@pytest.mark.parametrize(("template", "fragment"), EVALUATION_ERRORS, ids=[c[0][:40] for c in EVALUATION_ERRORS])
def test_juel_evaluation_error_explains_the_failure(template: str, fragment: str) -> None:
    compiled = compile_juel(template)
    with pytest.raises(ExpressionEvaluationError) as caught:
        compiled.evaluate(VARS)
    assert fragment in caught.value.reason
    assert caught.value.source == template


SYNTAX_ERRORS = [
    ('${execution.getVariable("x")}', "method calls on beans are not supported", 23),
    ("${myBean.doIt()}", "read the variable directly", 13),
    ("${doIt()}", "move the logic into a job handler", 6),
    ("${fn:upper(s)}", "functions such as prefix:name", 2),
    ("${", "expected '}'", 0),
    ("${}", "expected an expression", 2),
    ("${x +}", "expected an expression", 5),
    ("${a = 1}", "assignment is not supported", 4),
    ("${a += 1}", "'+='", 4),
    ("${x -> x}", "lambda", 4),
    ("${a; b}", "';'", 3),
    ("${{1}}", "set and map literals", 2),
    ("${'open}", "not closed", 2),
    ("${x ? 1}", "expected ':'", 7),
    ("${empty}", "expected an expression", 7),
    ("${and}", "reserved word", 2),
    ("${1 @ 2}", "unexpected character", 4),
    ("${x} ${", "expected '}'", 5),
    ("${x y}", "expected an operator or '}'", 4),
    ("${a.}", "property name", 4),
    ("${" + "(" * 200 + "1" + ")" * 200 + "}", "nested more than", None),
    ("${" + "1+" * 300 + "1}", "operations deep", None),
]


@pytest.mark.parametrize(("template", "fragment", "position"), SYNTAX_ERRORS, ids=[c[0][:40] for c in SYNTAX_ERRORS])
def test_juel_syntax_error_names_what_was_expected_and_where(
    template: str, fragment: str, position: int | None
) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_juel(template)
    assert fragment in caught.value.reason
    if position is not None:
        assert caught.value.position == position


def test_juel_method_call_message_suggests_direct_variable_access() -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_juel('${execution.getVariable("amount") > 10}')
    message = str(caught.value)
    assert "${x}" in message
    assert "job handler" in message
