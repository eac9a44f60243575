"""The input gate's scans stay linear, keep refusal paths lazy, and refuse what the store cannot keep.

Each test here failed before its fix: json_depth took minutes on an unterminated string of escaped
quotes (a regex retried from every quote), check_value copied a long key once per element of the
list under it (gigabytes), and NUL characters passed the gate and failed the store's write.
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from engine.limits import MAX_NAME_LENGTH, InputLimits, check_text, check_value, check_variables, json_depth, parse_json
from steadyflow.errors import InvalidInputError


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


TRICKY_VALUES: list[Any] = [
    ["[[[{{{"],
    {"]]]": "}}}", "a": [[1]]},
    ['a\\"[[', [["\\"]]],
    ["\\", ["\\\\", [{'\\"': "]"}]]],
    ['"', "\n[", {"k\u2028": ["\ud83d\ude00["]}],
    [],
    "just text [ { ",
    [[[[[[[[[[]]]]]]]]]],
]


@pytest.mark.parametrize("value", TRICKY_VALUES, ids=range(len(TRICKY_VALUES)))
def test_json_depth_counts_brackets_outside_strings_only(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False), json.dumps(value, indent=2)):
        assert json_depth(text) == _depth(value), text


def test_json_depth_stops_at_an_unterminated_string_and_the_parser_reports_it() -> None:
    assert json_depth('[["abc') == 2
    assert json_depth('[["a\\"[[[[') == 2
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        parse_json('[["a\\"[[[[')


@pytest.mark.timeout(60)
def test_an_unterminated_string_of_escaped_quotes_is_refused_in_one_pass() -> None:
    # 400 kB: the backtracking regex needed about 11 s for 40 kB and grew with the square of the size
    # (roughly 18 minutes here); a linear scan takes milliseconds, so a regression hangs this test.
    body = '["' + '\\"' * 200_000
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        parse_json(body)
    assert json_depth(body) == 1


def test_a_long_key_over_a_long_list_is_checked_without_copying_the_key_per_element() -> None:
    # Before, each of the 25,000 elements carried its own copy of the 50,000-character path: 1.25 GB.
    value = {"v": {"k" * 50_000: list(range(25_000))}}
    tracemalloc.start()
    try:
        check_variables(value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_a_refusal_still_names_the_exact_path() -> None:
    with pytest.raises(InvalidInputError, match=r"variables\.a\[1\]\.b\[0\]: 18446744073709551616 does not fit"):
        check_variables({"a": [1, {"b": [2**64]}]})
    with pytest.raises(InvalidInputError, match=r"request\[2\]\.x\.y nests more than 2 levels"):
        check_value([0, 1, {"x": {"y": [1]}}], "request", InputLimits(max_json_depth=2))


def test_a_refusal_shortens_a_long_key_in_its_path() -> None:
    with pytest.raises(InvalidInputError) as refused:
        check_variables({"v": {"k" * 5_000: [float("nan")]}})
    message = str(refused.value)
    assert "(5000 characters)[0]" in message
    assert len(message) < 500


def test_a_variable_name_longer_than_the_cap_is_refused_naming_the_cap() -> None:
    check_variables({"n" * MAX_NAME_LENGTH: 1})
    with pytest.raises(InvalidInputError, match=f"{MAX_NAME_LENGTH + 1} characters long.*at most {MAX_NAME_LENGTH}"):
        check_variables({"n" * (MAX_NAME_LENGTH + 1): 1}, "form fields")


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"s": "ab\x00"}, r"variables\.s holds a NUL character \(\\u0000\) at character 2"),
        ({"s": ["ok", {"in": "\x00"}]}, r"variables\.s\[1\]\.in holds a NUL"),
        ({"s": {"na\x00me": 1}}, r"variables\.s: the name holds a NUL character \(\\u0000\) at character 2"),
        ({"n\x00": 1}, r"variables: the name holds a NUL"),
    ],
)
def test_a_nul_character_in_a_value_or_name_is_refused_saying_where(value: Any, where: str) -> None:
    with pytest.raises(InvalidInputError, match=where):
        check_variables(value)


def test_a_nul_escape_in_a_request_body_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"the request body\.businessKey holds a NUL"):
        parse_json('{"businessKey": "order\\u0000"}')
    with pytest.raises(InvalidInputError, match="message name holds a NUL"):
        check_text("a\x00", "the message name")
    check_text("no nul, \u00e9 and \U0001f600", "text")
    check_value({"ok": "\x01\x7f"}, "variables")
