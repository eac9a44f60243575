"""FEEL dates, times and durations beyond Python's datetime: any year, nanoseconds.

Behaviour tests for the values ``wide_temporal`` adds, then hypothesis
properties: arithmetic round-trips over the whole year range, text
round-trips, agreement with Python's calendar where both exist, and
generated temporal expressions that never raise anything but our error.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpmn.expressions import compile_feel
from bpmn.expressions.feel.wide_temporal import (
    WideDate,
    WideDateTime,
    WideDuration,
    WideTime,
    civil_from_days,
    days_from_civil,
)
from dmn.plain import plain
from steadyflow.errors import ExpressionEvaluationError

PROFILE = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def feel(text: str) -> object:
    return compile_feel(text).evaluate({})


def test_a_date_beyond_python_years_keeps_its_year_and_prints_it_signed() -> None:
    assert feel('date("-999999999-12-31")') == WideDate(-999_999_999, 12, 31)
    assert feel('string(date("-0044-03-15"))') == "-0044-03-15"
    assert feel("string(date(99999, 1, 2))") == "99999-01-02"


def test_a_value_that_fits_python_is_python_after_arithmetic() -> None:
    assert feel('date("10000-01-01") - duration("P1D")') == date(9999, 12, 31)
    assert feel('time("10:00:00.000000500") + duration("PT0.0000005S")') == time(10, 0, 0, 1)
    assert feel('duration("PT0.000000001S") * 1000') == timedelta(microseconds=1)


def test_nanoseconds_survive_arithmetic_and_comparison() -> None:
    assert feel('time("10:00:00.000000001") < time("10:00:00.000000002")') is True
    assert feel('string(date and time("2020-01-01T00:00:00.999999999") + duration("PT0.000000001S"))') == (
        "2020-01-01T00:00:01"
    )
    assert feel('date and time("2020-01-01T00:00:00.000000003") - date and time("2020-01-01T00:00:00")') == (
        WideDuration(3)
    )


def test_a_named_zone_past_year_9999_keeps_its_daylight_saving_rules() -> None:
    summer = feel('date and time("12021-07-01T12:00:00@Europe/Paris").time offset')
    winter = feel('date and time("12021-01-01T12:00:00@Europe/Paris").time offset')
    assert (summer, winter) == (timedelta(hours=2), timedelta(hours=1))
    assert feel('string(date and time("12000-03-26T01:30:00@Europe/Paris") + duration("PT1H"))') == (
        "12000-03-26T03:30:00@Europe/Paris"
    )


def test_properties_of_wide_values() -> None:
    value = 'date and time("-0001-03-01T10:20:30.5+02:00")'
    assert feel(f"{value}.year") == -1
    assert feel(f"{value}.weekday") == 1
    assert feel(f"{value}.second") == 30
    assert feel(f"{value}.time offset") == timedelta(hours=2)
    assert feel('time("10:20:30.123456789@Europe/Paris").timezone') == "Europe/Paris"
    assert feel('duration("P2DT3H4M5.000000001S").minutes') == 4
    assert feel('date("-0001-01-01") instance of date') is True
    assert feel('time("00:00:00.000000001") instance of time') is True


def test_the_date_built_ins_read_wide_dates() -> None:
    assert feel('day of week(date("-0001-03-01"))') == "Monday"
    assert feel('last day of month(date("-0004-02-01"))') == 29
    assert feel('month of year(date and time("99999-12-31T11:22:33"))') == "December"
    assert feel('date(date and time("99999-12-31T11:22:33"))') == WideDate(99999, 12, 31)
    assert feel('time(date and time("2020-01-01T11:22:33.000000001Z"))') == WideTime(
        (11 * 3600 + 22 * 60 + 33) * 10**9 + 1,
        feel('time("00:00Z")').tzinfo,  # type: ignore[attr-defined]
    )
    assert feel('abs(duration("-PT0.000000001S"))') == WideDuration(1)


def test_impossible_values_are_null() -> None:
    for text in (
        'date("1000000000-01-01")',
        "date(-1000000000, 1, 1)",
        'date("-0001-02-29")',
        'date("00001-01-01")',
        'time("24:00:00.000000001")',
        'date and time("99999-12-31T25:00:00")',
    ):
        assert feel(text) is None, text
    assert feel('date("-0004-02-29")') == WideDate(-4, 2, 29)


def test_wide_values_become_iso_text_in_plain_json() -> None:
    assert plain([feel('date("-0001-01-01")'), feel('duration("PT0.000000001S")')]) == ["-0001-01-01", "PT0.000000001S"]
    assert isinstance(feel('date and time("2020-01-01T00:00:00.000000001")'), WideDateTime)


years = st.integers(-999_999_999, 999_999_999)
dates = st.builds(
    lambda y, m, d: f"{'-' if y < 0 else ''}{abs(y):04d}-{m:02d}-{d:02d}",
    years,
    st.integers(1, 12),
    st.integers(1, 28),
)
clocks = st.builds(
    lambda h, m, s, ns: f"{h:02d}:{m:02d}:{s:02d}.{ns:09d}",
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 10**9 - 1),
)
zones = st.sampled_from(["", "Z", "+05:30", "-11:00", "@Europe/Paris", "@America/New_York"])
durations = st.builds(
    lambda d, ns: f"P{d}DT{ns // 10**9}.{ns % 10**9:09d}S",
    st.integers(0, 10**6),
    st.integers(0, 86_400 * 10**9 - 1),
)


@PROFILE
@given(st.integers(-(10**12), 10**12))
def test_day_numbers_and_calendar_dates_convert_both_ways(days: int) -> None:
    assert days_from_civil(*civil_from_days(days)) == days


@PROFILE
@given(st.dates())
def test_week_and_day_of_year_agree_with_pythons_calendar(day: date) -> None:
    text = f'date("{day.isoformat()}")'
    assert feel(f"week of year({text})") == day.isocalendar()[1]
    assert feel(f"day of year({text})") == day.timetuple().tm_yday
    assert feel(f"{text}.weekday") == day.isoweekday()


@PROFILE
@given(dates, st.integers(-(10**6), 10**6))
def test_a_date_moved_by_whole_days_and_back_is_the_same_date(day: str, days: int) -> None:
    amount = f'duration("{"-" if days < 0 else ""}P{abs(days)}D")'
    moved = feel(f'date("{day}") + {amount}')
    if moved is None:
        return  # past the year limit
    assert feel(f'date("{day}") + {amount} - {amount} = date("{day}")') is True
    assert feel(f'date("{day}") + {amount} - date("{day}") = {amount}') is True


@PROFILE
@given(dates, clocks, zones, durations)
def test_date_and_time_plus_duration_minus_it_round_trips(day: str, clock: str, zone: str, amount: str) -> None:
    value = f'date and time("{day}T{clock}{zone}")'
    moved = feel(f'{value} + duration("{amount}")')
    if moved is None:
        return  # past the year limit
    assert feel(f'{value} + duration("{amount}") - duration("{amount}") = {value}') is True
    if not zone.startswith("@"):  # a named zone's clock may skip or repeat an hour
        assert feel(f'({value} + duration("{amount}")) - {value} = duration("{amount}")') is True


@PROFILE
@given(dates, clocks, zones)
def test_string_of_a_date_and_time_reads_back_as_the_same_value(day: str, clock: str, zone: str) -> None:
    value = feel(f'date and time("{day}T{clock}{zone}")')
    text = feel(f'string(date and time("{day}T{clock}{zone}"))')
    assert isinstance(text, str)
    assert compile_feel("date and time(t)").evaluate({"t": text}) == value


templates = st.sampled_from(
    [
        "{a} + {b}",
        "{a} - {b}",
        "{a} * {n}",
        "{a} / {n}",
        "{a} / {b}",
        "{a} < {b}",
        "{a} = {b}",
        "-{a}",
        "{a}.year",
        "{a}.weekday",
        "{a}.time offset",
        "{a}.seconds",
        "string({a})",
        "date({a})",
        "time({a})",
        "date and time({a}, {b})",
        "years and months duration({a}, {b})",
        "week of year({a})",
        "abs({a})",
        "is({a}, {b})",
        "{a} in [{b}..{b}]",
    ]
)
operands = (
    st.builds(lambda d: f'date("{d}")', dates)
    | st.builds(lambda d, c, z: f'date and time("{d}T{c}{z}")', dates, clocks, zones)
    | st.builds(lambda c, z: f'time("{c}{z}")', clocks, zones)
    | st.builds(lambda d: f'duration("{d}")', durations)
    | st.builds(lambda d: f'duration("-{d}")', durations)
    | st.sampled_from(['duration("P999999999Y")', '"x"', "null", "1", 'duration("P1M")'])
)


@PROFILE
@given(templates, operands, operands, st.sampled_from(["0", "2", "-1.5", "1e9", "0.000001"]))
def test_temporal_expressions_raise_nothing_but_our_error(template: str, a: str, b: str, n: str) -> None:
    expression = compile_feel(template.format(a=a, b=b, n=n))
    with contextlib.suppress(ExpressionEvaluationError):
        expression.evaluate({})


@PROFILE
@given(st.datetimes(), st.integers(-(10**15), 10**15))
def test_wide_and_python_arithmetic_agree_where_both_exist(moment: datetime, micros: int) -> None:
    """Python's own datetime arithmetic is the reference wherever its result fits."""
    amount = timedelta(microseconds=micros)
    scope = {"t": moment, "d": amount}
    try:
        expected: object = moment + amount
    except OverflowError:
        expected = None
    actual = compile_feel("t + d").evaluate(scope)
    if expected is None:
        assert actual is None or isinstance(actual, WideDateTime)
    else:
        assert actual == expected
