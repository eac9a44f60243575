"""ISO 8601 durations count years and months on the calendar, from the start, clamped to a month's last day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bpmn.clock import ManualClock
from bpmn.durations import add_duration, parse_duration, parse_duration_seconds
from bpmn.timers import Schedule, first_due, next_due


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ("2027-01-15T09:00:00", "P1M", "2027-02-15T09:00:00"),
        ("2027-01-31T09:00:00", "P1M", "2027-02-28T09:00:00"),
        ("2028-01-31T09:00:00", "P1M", "2028-02-29T09:00:00"),
        ("2027-03-31T00:00:00", "P1M", "2027-04-30T00:00:00"),
        ("2027-11-30T12:00:00", "P3M", "2028-02-29T12:00:00"),
        ("2028-02-29T00:00:00", "P1Y", "2029-02-28T00:00:00"),
        ("2027-01-31T00:00:00", "P1Y1M", "2028-02-29T00:00:00"),
        ("2027-01-31T00:00:00", "P1M1D", "2027-03-01T00:00:00"),
        ("2027-01-31T22:00:00", "P1MT3H", "2027-03-01T01:00:00"),
        ("2027-12-15T00:00:00", "P1M", "2028-01-15T00:00:00"),
        ("2027-03-31T00:00:00", "-P1M", "2027-02-28T00:00:00"),
        ("2027-01-01T00:00:00", "P2W", "2027-01-15T00:00:00"),
        ("2027-02-01T00:00:00", "P0.5M", "2027-02-15T00:00:00"),
    ],
)
def test_months_and_years_are_calendar_months_clamped_to_the_last_day(start: str, duration: str, due: str) -> None:
    assert add_duration(at(start), duration) == at(due)


def test_the_start_zone_keeps_its_offset() -> None:
    plus_three = timezone(timedelta(hours=3))
    start = datetime(2027, 1, 31, 23, 30, tzinfo=plus_three)
    assert add_duration(start, "P1M") == datetime(2027, 2, 28, 23, 30, tzinfo=plus_three)


def test_a_duration_is_parsed_into_its_calendar_parts() -> None:
    assert parse_duration("P1Y2M3W4DT5H6M7.5S") == parse_duration("P14M25DT18367.5S")
    parsed = parse_duration("P1Y2M")
    assert (parsed.months, parsed.days, parsed.seconds, parsed.negative) == (14, 0, 0, False)
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        parse_duration("one month")
    with pytest.raises(ValueError, match="outside the calendar"):
        add_duration(at("9999-12-01T00:00:00"), "P1M")


def test_retry_intervals_have_no_start_and_keep_thirty_day_months() -> None:
    assert parse_duration_seconds("P1M") == 30 * 86400


def test_timer_start_events_schedule_monthly_cycles_on_the_calendar() -> None:
    monthly = Schedule("cycle", "R3/2027-01-31T08:00:00Z/P1M")
    due, left = first_due(monthly, at("2027-01-01T00:00:00"))
    assert (due, left) == (at("2027-01-31T08:00:00"), 2)
    seen = [due]
    while (after := next_due(monthly, seen[-1], left)) is not None:
        due, left = after
        seen.append(due)
    # Each next time moves the last one by a month, as Camunda's cycles do.
    assert seen == [at("2027-01-31T08:00:00"), at("2027-02-28T08:00:00"), at("2027-03-28T08:00:00")]
    assert first_due(Schedule("duration", "P1M"), at("2027-01-31T10:00:00")) == (at("2027-02-28T10:00:00"), 0)
    assert first_due(Schedule("cycle", "R/P1Y"), at("2028-02-29T00:00:00")) == (at("2029-02-28T00:00:00"), None)


def test_a_manual_clock_advances_by_calendar_months() -> None:
    clock = ManualClock(at("2027-01-31T09:00:00"))
    clock.advance("P1M")
    assert clock.utc() == at("2027-02-28T09:00:00")
    clock.advance("P1Y")
    assert clock.utc() == at("2028-02-28T09:00:00")
