"""Timers of a month or a year fall due on the calendar (Camunda's rule), on a manual clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from steadyflow.testing import ProcessTest, assert_that
from steadyflow.testing.harness import TestClock
from tests.conftest import DATA


def due_at(test: ProcessTest, instance_id: str) -> datetime:
    (timer,) = test.engine.view(instance_id).timers
    return datetime.fromtimestamp(timer["due_at"], UTC)


def test_a_one_month_timer_started_on_january_31_fires_on_february_28(tmp_path: Path) -> None:
    clock = TestClock(datetime(2027, 1, 31, 9, 0, tzinfo=UTC))
    with ProcessTest(tmp_path / "engine", clock=clock) as test:
        test.deploy(DATA / "intermediate-timer.bpmn")
        instance = test.start("intermediate-timer", {"wait": "P1M"})
        assert due_at(test, instance.id) == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)

        clock.set(datetime(2027, 2, 28, 8, 59, 59, tzinfo=UTC))
        assert_that(instance).is_waiting_at("Wait")
        clock.advance("PT1S")
        assert_that(instance).has_passed("Wait").is_waiting_at("After")


def test_a_yearly_timer_from_a_leap_day_fires_on_february_28(tmp_path: Path) -> None:
    clock = TestClock(datetime(2028, 2, 29, 12, 0, tzinfo=UTC))
    with ProcessTest(tmp_path / "engine", clock=clock) as test:
        test.deploy(DATA / "intermediate-timer.bpmn")
        instance = test.start("intermediate-timer", {"wait": "P1Y"})
        assert due_at(test, instance.id) == datetime(2029, 2, 28, 12, 0, tzinfo=UTC)


def test_a_monthly_reminder_cycle_follows_the_calendar(tmp_path: Path) -> None:
    model = (DATA / "cycle-reminder.bpmn").read_bytes().replace(b"R2/PT0.2S", b"R3/P1M")
    clock = TestClock(datetime(2027, 1, 31, 9, 0, tzinfo=UTC))
    with ProcessTest(tmp_path / "engine", clock=clock) as test:
        test.deploy_files([("monthly.bpmn", model)])
        reminders = test.mock_job("remind").returns({})
        instance = test.start("cycle-reminder", {})
        dues = [due_at(test, instance.id)]
        for _ in range(2):
            clock.set(dues[-1])
            dues.append(due_at(test, instance.id))
        assert dues == [
            datetime(2027, 2, 28, 9, 0, tzinfo=UTC),
            datetime(2027, 3, 28, 9, 0, tzinfo=UTC),
            datetime(2027, 4, 28, 9, 0, tzinfo=UTC),
        ]
        assert len(reminders.calls) == 2
        assert_that(instance).is_waiting_at("Approve")
