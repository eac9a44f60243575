"""Camunda Spin's JSON vocabulary in JUEL: what each method returns, and the errors Spin raises."""

from __future__ import annotations

from typing import Any

import pytest

from bpmn.expressions.juel import compile_juel
from steadyflow.errors import ExpressionEvaluationError, ExpressionSyntaxError

VARS: dict[str, Any] = {
    "order": {
        "priority": "high",
        "paid": True,
        "total": 12.5,
        "count": 3,
        "note": None,
        "customer": {"name": "Ada", "tags": ["vip"]},
        "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}],
    },
    "text": '{"a": [1, 2], "b": {"c": "d"}}',
    "regions": ["eu", "us"],
}

VALUES = [
    ('${S(order).prop("priority").stringValue()}', "high"),
    ('${S(order).prop("priority").stringValue() == "high"}', True),
    ('${S(order).prop("paid").boolValue()}', True),
    ('${S(order).prop("total").numberValue() * 2}', 25.0),
    ('${S(order).prop("count").numberValue() + 1}', 4),
    ('${S(order).prop("note").isNull()}', True),
    ('${S(order).prop("note").value()}', None),
    ('${S(order).hasProp("customer")}', True),
    ('${S(order).hasProp("missing")}', False),
    ('${S(order).prop("customer").prop("name").stringValue()}', "Ada"),
    ('${S(order).prop("customer").prop("tags").elements()[0].stringValue()}', "vip"),
    ('${S(order).prop("items").elements().size()}', 2),
    ('${S(order).prop("items").elements().isEmpty()}', False),
    ('${S(order).prop("items").elements().get(1).prop("sku").stringValue()}', "b"),
    ('${S(order).prop("items").isArray() && S(order).isObject()}', True),
    ('${S(order).prop("total").isNumber() && !S(order).prop("paid").isString()}', True),
    ('${S(order).prop("priority").isValue()}', True),
    ('${S(order).prop("customer").fieldNames()}', ["name", "tags"]),
    ('${S(order).prop("customer")}', {"name": "Ada", "tags": ["vip"]}),
    ('${S(order).prop("items").elements()}', [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]),
    ('${S(order).prop("customer").toString()}', '{"name":"Ada","tags":["vip"]}'),
    ('${S(text).prop("a").elements()[1].numberValue()}', 2),
    ('${JSON(text).prop("b").prop("c").stringValue()}', "d"),
    ('${S(S(order)).prop("paid").boolValue()}', True),
    ('${order.prop("priority").stringValue()}', "high"),
    ("${regions.size()}", 2),
    ('${regions.contains("us")}', True),
    ('${S(order).prop("items").elements().contains(S(order).prop("items").elements()[0])}', True),
    ('Customer ${S(order).prop("customer").prop("name").stringValue()}!', "Customer Ada!"),
    ('${empty S(order).prop("customer").prop("tags").elements()}', False),
]


@pytest.mark.parametrize(("template", "expected"), VALUES, ids=[v[0][:60] for v in VALUES])
def test_spin_expression_evaluates_like_camunda(template: str, expected: Any) -> None:
    assert compile_juel(template).evaluate(VARS) == expected


ERRORS = [
    ('${S(order).prop("missing")}', "no property 'missing'"),
    ('${S(order).prop("priority").numberValue()}', "numberValue() needs a JSON number, but the node holds a string"),
    ('${S(order).prop("total").stringValue()}', "needs a JSON string"),
    ('${S(order).prop("priority").boolValue()}', "needs a JSON boolean"),
    ('${S(order).prop("priority").elements()}', "elements() needs a JSON array"),
    ('${S(order).prop("items").prop("sku")}', 'prop("sku") needs a JSON object, but the node holds a array'),
    ('${S(order).prop("customer").value()}', "value() reads a string, number, boolean or null"),
    ('${S(order).prop("priority") == "high"}', "read its value first with .stringValue()"),
    ("${S(order).prop(1)}", "one property name in quotes"),
    ('${S(order).prop("a", "b")}', "one property name in quotes"),
    ('${S(order).fieldNames("x")}', "takes no arguments"),
    ("${S(order).priority}", 'read a Spin JSON property with .prop("priority")'),
    ('${S("{not json")}', "not JSON"),
    ('${S("NaN")}', "not JSON"),
    ("${S(order.count)}", "not a number value"),
    ("${S(order.note)}", "not a null value"),
    ("${S(order, text)}", "takes one argument"),
    ('${S(order).prop("items").elements().get(5)}', "outside the list of 2 elements"),
    ('${S(order).prop("count").size()}', "size() needs a list"),
    ("${order.count.stringValue()}", "not a number value"),
]


@pytest.mark.parametrize(("template", "fragment"), ERRORS, ids=[e[0][:60] for e in ERRORS])
def test_spin_misuse_is_an_evaluation_error_naming_what_to_do(template: str, fragment: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        compile_juel(template).evaluate(VARS)
    assert fragment in caught.value.reason


def test_deeply_nested_json_text_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        compile_juel("${S(text)}").evaluate({"text": "[" * 100_000 + "]" * 100_000})
    assert "not JSON" in caught.value.reason


SYNTAX = [
    ("${S(order).getClass()}", "method calls on beans are not supported"),
    ('${S(order).prop("a").mapTo("java.util.HashMap")}', "of Camunda Spin, S(x) with prop"),
    ("${XML(doc)}", "Spin's XML(...) is not supported"),
    ("${T(java.lang.Runtime).getRuntime()}", "method calls on beans are not supported"),
    ('${S(order)["prop"]("a")}', "method calls on beans are not supported"),
    ("${S(order).prop(}", "expected an expression"),
    ('${S(order).prop("a"}', "expected ')'"),
]


@pytest.mark.parametrize(("template", "fragment"), SYNTAX, ids=[s[0][:60] for s in SYNTAX])
def test_anything_beyond_the_spin_vocabulary_is_refused_at_deploy_time(template: str, fragment: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_juel(template)
    assert fragment in str(caught.value)


def test_variable_names_of_a_spin_expression_are_the_variables_it_reads() -> None:
    compiled = compile_juel('${S(order).prop("a").stringValue() == other}')
    assert compiled.variable_names() == frozenset({"order", "other"})
