"""Table-driven behaviour of FEEL expressions (Camunda 8 / feel-scala semantics).

Each row is an expression, the expected result over ``VARS`` (or its own
variables) and, for failures, the error class, a message fragment and the
0-based position. Results are compared strictly: ``True`` is not ``1`` and
an ``int`` result must not come back as a ``float``.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bpmn.expressions import YearsMonthsDuration, compile_feel
from steadyflow.errors import ExpressionEvaluationError, ExpressionSyntaxError

VARS: dict[str, Any] = {
    "x": 5,
    "y": None,
    "s": "hello",
    "amount": 150,
    "status": "open",
    "flag": True,
    "nums": [3, 1, 4, 1, 5],
    "names": ["b", "a", "c"],
    "d": date(2024, 1, 31),
    "dt": datetime(2024, 1, 1, 10, 0),
    "order": {
        "id": "A1",
        "items": [{"name": "pen", "price": 2.5, "qty": 4}, {"name": "book", "price": 12, "qty": 1}],
        "customer": {"name": "Ann", "vip": True},
    },
}
BERLIN = ZoneInfo("Europe/Berlin")
YM = YearsMonthsDuration
APPROX = object()  # marker: compare floats approximately


def same(actual: Any, expected: Any) -> bool:
    """Strict equality: bool/None by identity, int vs float by type, containers deeply."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, float):
        return type(actual) is float and math.isclose(actual, expected, rel_tol=1e-9)
    if isinstance(expected, int):
        return type(actual) is int and actual == expected
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and list(actual) == list(expected)
            and all(same(actual[k], v) for k, v in expected.items())
        )
    if isinstance(expected, (datetime, time)):
        return type(actual) is type(expected) and actual == expected and actual.tzinfo == expected.tzinfo
    return type(actual) is type(expected) and actual == expected


LITERALS = [
    ("null", None),
    ("true", True),
    ("false", False),
    ("42", 42),
    ("-42", -42),
    ("3.14", 3.14),
    (".5", 0.5),
    ('"hello"', "hello"),
    (r'"a\"b"', 'a"b'),
    (r'"line\nbreak"', "line\nbreak"),
    (r'"\u00e9"', "é"),
    (r'"\d+"', "\\d+"),
    ("[]", []),
    ("[1, 2, 3]", [1, 2, 3]),
    ('{a: 1, "b c": 2}', {"a": 1, "b c": 2}),
    ("{a: 1, b: a + 1}", {"a": 1, "b": 2}),
    ("{}", {}),
    ('@"2024-01-31"', date(2024, 1, 31)),
    ('@"10:30:00"', time(10, 30)),
    ('@"2024-01-31T10:30:00"', datetime(2024, 1, 31, 10, 30)),
    ('@"2024-01-31T10:30:00Z"', datetime(2024, 1, 31, 10, 30, tzinfo=UTC)),
    ('@"P1D"', timedelta(days=1)),
    ('@"P1Y2M"', YM(14)),
    ("// comment\n1 + 1", 2),
    ("1 /* inline */ + 2", 3),
    ("`x`", 5),
]

ARITHMETIC = [
    ("1 + 2", 3),
    ("10 / 4", 2.5),
    ("10 / 2", 5),
    ("0.1 + 0.2", 0.3),
    ("2 * 3.5", 7),
    ("7 - 10", -3),
    ("2 ** 10", 1024),
    ("2 ** -1", 0.5),
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("-x", -5),
    ("- - x", 5),
    ("x * -1", -5),
    ("1 / 0", None),
    ("x + y", None),
    ('x + "a"', None),
    ('"foo" + "bar"', "foobar"),
    ('"a" + null', None),
    ("12345678901234567890 + 1", 12345678901234567891),
    ("amount * 1.1", 165),
    ("1.5 * 1.5", 2.25),
    ("10 / 3", 3.3333333333333335),
    ("0 ** 0", 1),
    ("x - 1.5", 3.5),
    ("2 ** 100000", None),
    ('"a" * 3', None),
]

COMPARISONS = [
    ("x = 5", True),
    ("x != 5", False),
    ("x < 10", True),
    ("x <= 5", True),
    ("x > 5", False),
    ("x >= 6", False),
    ('"a" < "b"', True),
    ('x = "5"', None),
    ('x < "a"', None),
    ("null = null", True),
    ("y = null", True),
    ("x = null", False),
    ("null != 1", True),
    ("missing = null", True),
    ("[1, 2] = [1, 2]", True),
    ("[1, 2] = [2, 1]", False),
    ("{a: 1} = {a: 1}", True),
    ("1 = 1.0", True),
    ("true = true", True),
    ("true < false", None),
    ("null < 1", None),
    ('@"2024-01-01" < @"2024-02-01"', True),
    ('@"P1D" = @"PT24H"', True),
    ('@"P1Y" > @"P11M"', True),
    ('@"10:00:00" < @"09:00:00"', False),
    ('d = date("2024-01-31")', True),
]

LOGIC = [
    ("true and true", True),
    ("true and false", False),
    ("true and null", None),
    ("false and null", False),
    ("null and false", False),
    ("true or null", True),
    ("null or true", True),
    ("false or null", None),
    ("false or false", False),
    ("null or null", None),
    ("1 and true", None),
    ('"true" or false', None),
    ("not(true)", False),
    ("not(null)", None),
    ("not(1)", None),
    ("x > 1 and x < 10", True),
    ("x > 1 and y > 1", None),
    ("x < 1 and y > 1", False),
    ('amount > 100 and status = "open"', True),
    ('if x > 3 then "big" else "small"', "big"),
    ("if y then 1 else 2", 2),
    ('if "yes" then 1 else 2', 2),
    ("if x > 3 then if x > 4 then 1 else 2 else 3", 1),
    ("1 + if true then 1 else 2", 2),
]

PATHS_AND_FILTERS = [
    ("order.id", "A1"),
    ("order.customer.name", "Ann"),
    ("order.missing", None),
    ("order.missing.deeper", None),
    ("y.anything", None),
    ("order.items.name", ["pen", "book"]),
    ("{a: {b: 3}}.a.b", 3),
    ("d.year", 2024),
    ("d.month", 1),
    ("d.day", 31),
    ("d.weekday", 3),
    ("dt.hour", 10),
    ("dt.minute", 0),
    ('@"10:30:15".second', 15),
    ('@"P1DT2H30M".days', 1),
    ('@"P1DT2H30M".hours', 2),
    ('@"P1DT2H30M".minutes', 30),
    ('@"P1Y2M".years', 1),
    ('@"P1Y2M".months', 2),
    ("s.length", None),
    ("s.__class__", None),
    ("order.items.__len__", [None, None]),
    ("nums[1]", 3),
    ("nums[-1]", 5),
    ("nums[0]", None),
    ("nums[6]", None),
    ("nums[-6]", None),
    ("nums[item > 2]", [3, 4, 5]),
    ("nums[item > 10]", []),
    ("order.items[price > 5].name", ["book"]),
    ("order.items[item.qty = 4].name", ["pen"]),
    ("order.items[1].name", "pen"),
    ("nums[x - 4]", 3),
    ("y[1]", None),
    ("[[1, 2], [3]][2]", [3]),
    ("count(nums[item = 1])", 2),
    ("[1, 2, 3][item > 1 and item < 3]", [2]),
    ("[1..5].start", 1),
]

LOOPS_AND_TESTS = [
    ("for i in 1..3 return i * 2", [2, 4, 6]),
    ("for i in nums return i + 1", [4, 2, 5, 2, 6]),
    ("for a in [1, 2], b in [10, 20] return a + b", [11, 21, 12, 22]),
    ("for i in 3..1 return i", [3, 2, 1]),
    ("for i in [1..3] return i", [1, 2, 3]),
    ("for i in (1..4) return i", [2, 3]),
    ("for i in 1..x return i", [1, 2, 3, 4, 5]),
    ("for a in [1, 2], b in a..2 return [a, b]", [[1, 1], [1, 2], [2, 2]]),
    ("for i in 1..4 return if i = 1 then 1 else partial[-1] * i", [1, 2, 6, 24]),
    ("for i in [] return i", []),
    ("for i in y return i", None),
    ("some n in nums satisfies n > 4", True),
    ("some n in nums satisfies n > 5", False),
    ("every n in nums satisfies n > 0", True),
    ("every n in nums satisfies n > 1", False),
    ("every n in [] satisfies n > 1", True),
    ("some a in [1, 2], b in [3, 4] satisfies a + b = 6", True),
    ("sum(for i in 1..100 return i)", 5050),
    ("x in [1, 5, 7]", True),
    ("x in [1, 2]", False),
    ("x in (1, 5)", True),
    ("x in 1..5", True),
    ("x in (1..5)", False),
    ("x in (1..5]", True),
    ("x in [5..10]", True),
    ("x in ]5..10]", False),
    ("3 in ]1..5[", True),
    ("x in < 10", True),
    ("x in (< 3, > 4)", True),
    ("x in (<= 4, >= 10)", False),
    ('"b" in ["a".."c"]', True),
    ('"a" in ["a", "b"]', True),
    ("y in [1, 2]", False),
    ("2 in [[1..3], 5]", True),
    ('d in [@"2024-01-01"..@"2024-12-31"]', True),
    ("x between 1 and 10", True),
    ("x between 6 and 10", False),
    ("x between 5 and 5", True),
    ('"m" between "a" and "z"', True),
    ("x between y and 10", None),
    ("x instance of number", True),
    ("s instance of string", True),
    ("flag instance of boolean", True),
    ("d instance of date", True),
    ("dt instance of date and time", True),
    ('@"10:00:00" instance of time', True),
    ('@"P1D" instance of days and time duration', True),
    ('@"P1Y" instance of years and months duration', True),
    ("nums instance of list", True),
    ("order instance of context", True),
    ("y instance of Null", True),
    ("x instance of string", False),
    ("x instance of Any", True),
    ("x + 1 instance of number", True),
]

STRING_FUNCTIONS = [
    ('substring(string: "foobar", start position: 3)', "obar"),
    ('substring(start position: 2, string: "abc", length: 1)', "b"),
    ('get or else(value: y, default: "d")', "d"),
    ('string length("héllo")', 5),
    ('upper case("abc")', "ABC"),
    ('lower case("ABC")', "abc"),
    ('substring("foobar", 3)', "obar"),
    ('substring("foobar", 3, 3)', "oba"),
    ('substring("foobar", -2, 1)', "a"),
    ('substring before("foobar", "bar")', "foo"),
    ('substring before("foobar", "xyz")', ""),
    ('substring after("foobar", "ob")', "ar"),
    ('substring after("", "a")', ""),
    ('contains("foobar", "of")', False),
    ('contains("foobar", "ob")', True),
    ('starts with("foobar", "fo")', True),
    ('ends with("foobar", "r")', True),
    ('matches("foobar", "^fo*b")', True),
    ('matches("FooBar", "foobar", "i")', True),
    ('matches("abc", "[")', None),
    ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
    ('replace("banana", "a", "o")', "bonono"),
    ('replace("Abc", "a", "x", "i")', "xbc"),
    (r'split("John Doe", "\s")', ["John", "Doe"]),
    ('split("a;b;c", ";")', ["a", "b", "c"]),
    ('string join(["a", "b", "c"], ", ")', "a, b, c"),
    ('string join(["a", null, "c"])', "ac"),
    ('string join(["a", "b"], "-", "[", "]")', "[a-b]"),
    ('string join([1, 2], ",")', None),
    ('trim("  x  ")', "x"),
    ('extract("a1b22", "[0-9]+")', ["1", "22"]),
    ('is blank("  ")', True),
    ("string length(1)", None),
    ("upper case(null)", None),
    ("string(1.5)", "1.5"),
    ("string(10 / 2)", "5"),
    ("string(true)", "true"),
    ('string(date("2024-01-31"))', "2024-01-31"),
    ('string(@"P1DT2H")', "P1DT2H"),
    ('string(@"-PT1.5S")', "-PT1.5S"),
    ('string(@"P14M")', "P1Y2M"),
    ('string([1, "a", null])', '[1, "a", null]'),
    (
        'string(date and time("2024-01-31T10:00:00@Europe/Berlin"))',
        "2024-01-31T10:00:00@Europe/Berlin",
    ),
    ('string(date and time("2024-01-31T10:00:00+01:00"))', "2024-01-31T10:00:00+01:00"),
    ("string(null)", None),
    ('number("12.50")', 12.5),
    ('number("1,000.5", ",", ".")', 1000.5),
    ('number("1.000,5", ".", ",")', 1000.5),
    ('number("abc")', None),
    ('number("1e3")', 1000),
]

NUMERIC_FUNCTIONS = [
    ("abs(-3)", 3),
    ("abs(-2.5)", 2.5),
    ('abs(@"-P1D")', timedelta(days=1)),
    ("floor(1.5)", 1),
    ("floor(-1.5)", -2),
    ("floor(1.56, 1)", 1.5),
    ("ceiling(1.2)", 2),
    ("ceiling(-1.2)", -1),
    ("round up(5.5, 0)", 6),
    ("round up(-5.5, 0)", -6),
    ("round down(5.5, 0)", 5),
    ("round half up(2.5, 0)", 3),
    ("round half up(-2.5, 0)", -3),
    ("round half down(2.5, 0)", 2),
    ("decimal(1/3, 2)", 0.33),
    ("decimal(2.5, 0)", 2),
    ("decimal(3.5, 0)", 4),
    ("modulo(12, 5)", 2),
    ("modulo(-12, 5)", 3),
    ("modulo(12, -5)", -3),
    ("modulo(10.5, 3)", 1.5),
    ("modulo(1, 0)", None),
    ("sqrt(16)", 4),
    ("sqrt(2)", 1.4142135623730951),
    ("sqrt(-1)", None),
    ("odd(5)", True),
    ("odd(4)", False),
    ("even(4)", True),
    ("even(2.5)", None),
    ("log(10)", 2.302585092994046),
    ("exp(0)", 1),
]

LIST_FUNCTIONS = [
    ("count(nums)", 5),
    ("count([])", 0),
    ("count(y)", None),
    ("sum(nums)", 14),
    ("sum(1, 2, 3)", 6),
    ("sum([])", None),
    ('sum([1, "a"])', None),
    ("min(nums)", 1),
    ("max(nums)", 5),
    ("min(3, 1, 2)", 1),
    ('max("a", "c", "b")', "c"),
    ("max([])", None),
    ("mean([1, 2, 3, 4])", 2.5),
    ("product([2, 3, 4])", 24),
    ("median([3, 1, 2])", 2),
    ("median([1, 2, 3, 4])", 2.5),
    ("stddev([2, 4, 4, 4, 5, 5, 7, 9])", 2.138089935299395),
    ("mode([1, 2, 2, 3, 3])", [2, 3]),
    ("all([true, true])", True),
    ("all([true, null])", None),
    ("all([true, false, null])", False),
    ("any([false, true])", True),
    ("any([false, false])", False),
    ("list contains(nums, 4)", True),
    ("list contains(nums, 9)", False),
    ("list contains([1, null], null)", True),
    ("append([1], 2, 3)", [1, 2, 3]),
    ("concatenate([1, 2], [3], [])", [1, 2, 3]),
    ("insert before([1, 3], 2, 2)", [1, 2, 3]),
    ("remove([1, 2, 3], 2)", [1, 3]),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ("index of([1, 2, 1], 1)", [1, 3]),
    ("union([1, 2], [2, 3])", [1, 2, 3]),
    ('distinct values([1, 2, 1, 1.0, "1"])', [1, 2, "1"]),
    ("duplicate values([1, 2, 1, 3, 2])", [1, 2]),
    ("flatten([1, [2, [3, [4]]]])", [1, 2, 3, 4]),
    ("sort(nums)", [1, 1, 3, 4, 5]),
    ("sort(names)", ["a", "b", "c"]),
    ('sort([3, "a"])', None),
    ("sublist([1, 2, 3, 4], 2)", [2, 3, 4]),
    ("sublist([1, 2, 3, 4], 2, 2)", [2, 3]),
    ("sublist([1, 2, 3], -2, 1)", [2]),
    ("is empty([])", True),
    ("count(nums) = 5 and sum(nums) > 10", True),
    ("count(nums[item > 100])", 0),
]

CONTEXT_FUNCTIONS = [
    ('get value({a: 1}, "a")', 1),
    ('get value(order, "missing")', None),
    ('get value({a: {b: 1}}, ["a", "b"])', 1),
    ("get entries({a: 1, b: 2})", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
    ('context put({a: 1}, "b", 2)', {"a": 1, "b": 2}),
    ('context put({a: {b: 1}}, ["a", "c"], 2)', {"a": {"b": 1, "c": 2}}),
    ("context merge([{a: 1}, {b: 2}, {a: 3}])", {"a": 3, "b": 2}),
    ('context([{key: "a", value: 1}])', {"a": 1}),
    ("is defined(x)", True),
    ("is defined(y)", True),
    ("is defined(missing)", False),
    ("is defined(order.id)", True),
    ("is defined(order.nope)", False),
    ("is defined(y.z)", False),
    ('get or else(y, "default")', "default"),
    ('get or else(x, "default")', 5),
]

TEMPORALS = [
    ('date("2024-01-31")', date(2024, 1, 31)),
    ("date(2024, 2, 29)", date(2024, 2, 29)),
    ("date(2023, 2, 29)", None),
    ('date("2024-13-01")', None),
    ("date(dt)", date(2024, 1, 1)),
    ('time("10:30:00")', time(10, 30)),
    ("time(10, 30, 15.5)", time(10, 30, 15, 500000)),
    ('time("10:30:00+02:00")', time(10, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("time(dt)", time(10, 0)),
    ('date and time("2024-01-31T10:00:00")', datetime(2024, 1, 31, 10)),
    ('date and time("2024-01-31")', datetime(2024, 1, 31)),
    ('date and time(date("2024-01-31"), time("10:00:00"))', datetime(2024, 1, 31, 10)),
    ('date and time("2024-01-31T10:00:00@Europe/Berlin")', datetime(2024, 1, 31, 10, tzinfo=BERLIN)),
    ('date and time("2024-01-31T10:00:00@Not/AZone")', None),
    (
        'date and time(date and time("2024-01-01T10:00:00Z"), "Europe/Berlin")',
        datetime(2024, 1, 1, 11, tzinfo=BERLIN),
    ),
    ('date and time(dt, "Europe/Berlin")', datetime(2024, 1, 1, 10, tzinfo=BERLIN)),
    ('duration("P1DT2H")', timedelta(days=1, hours=2)),
    ('duration("P2W")', timedelta(days=14)),
    ('duration("P1Y2M")', YM(14)),
    ('duration("P1Y2D")', None),
    ('duration("nonsense")', None),
    ('years and months duration(date("2011-12-22"), date("2013-08-24"))', YM(20)),
    ('date("2024-01-31") + duration("P1M")', date(2024, 2, 29)),
    ('date("2024-01-31") + duration("P1D")', date(2024, 2, 1)),
    ('date("2024-03-01") - date("2024-01-01")', timedelta(days=60)),
    ('date("2024-03-01") - duration("P1Y")', date(2023, 3, 1)),
    ('dt + duration("PT90M")', datetime(2024, 1, 1, 11, 30)),
    ('date and time("2024-01-02T00:00:00") - dt', timedelta(hours=14)),
    (
        'date and time("2024-01-01T10:00:00Z") - date and time("2024-01-01T11:00:00+02:00")',
        timedelta(hours=1),
    ),
    ('date and time("2024-01-01T10:00:00Z") - dt', None),
    (
        'date and time("2024-03-31T01:30:00@Europe/Berlin") + duration("PT1H")',
        datetime(2024, 3, 31, 3, 30, tzinfo=BERLIN),
    ),
    ('time("23:30:00") + duration("PT1H")', time(0, 30)),
    ('time("10:00:00") - time("08:30:00")', timedelta(hours=1, minutes=30)),
    ('duration("PT1H") * 2', timedelta(hours=2)),
    ('2 * duration("PT1H")', timedelta(hours=2)),
    ('duration("PT1H") / 4', timedelta(minutes=15)),
    ('duration("P1D") / duration("PT1H")', 24),
    ('duration("P1Y") * 2', YM(24)),
    ('duration("P1D") + duration("PT12H")', timedelta(days=1, hours=12)),
    ('duration("P1Y") - duration("P1M")', YM(11)),
    ('-duration("P1D")', timedelta(days=-1)),
    ('day of week(date("2024-01-01"))', "Monday"),
    ('day of year(date("2024-03-01"))', 61),
    ('week of year(date("2024-12-30"))', 1),
    ('month of year(date("2024-03-01"))', "March"),
    ('last day of month(date("2024-02-10"))', 29),
    ("now() instance of date and time", True),
    ("today() instance of date", True),
    ("now() = now()", True),
    ('date and time("2024-01-31T10:00:00@Europe/Berlin").timezone', "Europe/Berlin"),
    ('date("2024-01-01") + 1', None),
]

ALL_CASES = (
    LITERALS
    + ARITHMETIC
    + COMPARISONS
    + LOGIC
    + PATHS_AND_FILTERS
    + LOOPS_AND_TESTS
    + STRING_FUNCTIONS
    + NUMERIC_FUNCTIONS
    + LIST_FUNCTIONS
    + CONTEXT_FUNCTIONS
    + TEMPORALS
)


@pytest.mark.parametrize(("expression", "expected"), ALL_CASES, ids=[case[0] for case in ALL_CASES])
def test_feel_expression_evaluates_to_expected_value(expression: str, expected: Any) -> None:
    result = compile_feel(expression).evaluate(VARS)
    assert same(result, expected), f"{expression!r} gave {result!r}, expected {expected!r}"


SYNTAX_ERRORS = [
    ("1 +", "expected an expression", 3),
    ("(1 + 2", "expected ')'", 6),
    ("[1, 2", "expected ']'", 5),
    ('"abc', "not closed", 0),
    ("1 == 2", "use '='", 2),
    ("a && b", "use 'and'", 2),
    ("!a", "not(x)", 0),
    ("if x then 1", "expected 'else'", 11),
    ("for x in [1] x", "expected 'return'", 13),
    ("some x in [1]", "expected 'satisfies'", 13),
    ("{a 1}", "context key", 1),
    ("{a: 1, a: 2}", "defined twice", 7),
    ('@"2024-02-30"', "expected a date", 0),
    ("@2024", "expected a string after '@'", 1),
    ("function(x) external {java: {}}", "external functions (Java or PMML) are not supported", 12),
    ("x instance of banana", "expected a type name", 14),
    ("1 2", "expected an operator or the end", 2),
    ("then", "expected an expression", 0),
    ("a.1", "expected a name after '.'", 2),
    ("f(a: 1, 2)", "expected a parameter name", 8),
    ("`unclosed", "between backticks", 0),
    ("/* open", "comment is not closed", 0),
    ("1 # 2", "unexpected character", 2),
    ("substring('a', 1)", "double quotes", 10),
    ("[1..2", "to close the range", 5),
    ("(" * 200 + "1" + ")" * 200, "nested more than", 50),
    ("1" + " + 1" * 300, "operations deep", None),
    ("x" * 10_001, "longer than 10000", 10_000),
]


@pytest.mark.parametrize(("expression", "fragment", "position"), SYNTAX_ERRORS, ids=[c[0][:40] for c in SYNTAX_ERRORS])
def test_feel_syntax_error_names_what_was_expected_and_where(
    expression: str, fragment: str, position: int | None
) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_feel(expression)
    assert fragment in caught.value.reason
    if position is not None:
        assert caught.value.position == position


EVALUATION_ERRORS = [
    ("frobnicate(1)", {}, "no function found with name 'frobnicate'"),
    ("count(1, 2)", {}, "no function found with name 'count' and 2 parameter(s)"),
    ('substring(text: "a")', {}, "no function found with name 'substring'"),
    ("for i in 1..200000 return i", {}, "more than 100000 loop iterations"),
    ("count(for i in 1..60000, j in 1..2 return i)", {}, "loop iterations"),
    ("count(xs[item > 0])", {"xs": list(range(100_001))}, "loop iterations"),
    ('matches("aaaa", "(a+)+$")', {}, "refused"),
    (r'matches("aa", "(a)\1")', {}, "back-references"),
    ('matches(s, "a+b")', {"s": "a" * 10_001}, "may only run on texts up to 9999 characters"),
    ('matches(s, "a*a*a*b")', {"s": "a" * 200}, "may only run on texts up to 99 characters"),
    ('matches("a", "(?x)a")', {}, "verbose mode"),
    ('matches("aaa", "(?#=[)(a+)+$")', {}, "refused"),
    ('replace("aaa", "(a|aa)*", "")', {}, "refused"),
    ("big + big", {"big": "x" * 600_000}, "longer than 1000000 characters"),
    ('for i in 1..100 return big + "x"', {"big": "x" * 200_000}, "more than 10000000 characters of text"),
    ("for i in 1..99999 return " + " + ".join(["i"] * 30), {}, "more than 2000000 operations"),
    ('for i in 1..1000 return matches(s, ".*x.*")', {"s": "a" * 400}, "too many regular-expression searches"),
    ('string join([big, big], "")', {"big": "x" * 600_000}, "longer than 1000000 characters"),
]


@pytest.mark.parametrize(
    ("expression", "variables", "fragment"), EVALUATION_ERRORS, ids=[c[0] for c in EVALUATION_ERRORS]
)
def test_feel_evaluation_error_explains_the_failure(expression: str, variables: dict[str, Any], fragment: str) -> None:
    compiled = compile_feel(expression)
    with pytest.raises(ExpressionEvaluationError) as caught:
        compiled.evaluate(variables)
    assert fragment in caught.value.reason
    assert caught.value.source == expression
