from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bpmn.cron import is_cron, parse_cron


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 0 9 * * MON-FRI", "2026-11-21T10:00:00", "2026-11-23T09:00:00"),  # Saturday -> Monday
        ("*/15 * * * * *", "2026-01-01T00:00:07", "2026-01-01T00:00:15"),
        ("0 30 * * * *", "2026-01-01T00:30:00", "2026-01-01T01:30:00"),
        ("0 0 0 1 JAN ?", "2026-06-01T00:00:00", "2027-01-01T00:00:00"),
        ("0 0 12 29 2 *", "2026-03-01T00:00:00", "2028-02-29T12:00:00"),
        ("5 4 * * *", "2026-01-01T00:00:00", "2026-01-01T04:05:00"),
    ],
)
def test_next_fire_time(expression: str, after: str, expected: str) -> None:
    assert parse_cron(expression).next_after(at(after)) == at(expected)


@pytest.mark.parametrize("expression", ["61 * * * * *", "* * *", "0 0 25 * * *", "0 0 0 * * FUNDAY", "*/0 * * * * *"])
def test_bad_cron_is_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        parse_cron(expression)


def test_iso_cycles_are_not_cron() -> None:
    assert not is_cron("R3/PT10S") and is_cron("0 0 9 * * MON-FRI")
