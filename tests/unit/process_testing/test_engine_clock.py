"""The engine's clock: timers of every kind fall due on a manual clock, and only when it moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bpmn.clock import ManualClock
from steadyflow.testing import ProcessTest, assert_that
from steadyflow.testing.harness import TestClock
from tests.conftest import DATA


@pytest.fixture
def process_test(tmp_path: Path) -> Iterator[ProcessTest]:
    with ProcessTest(tmp_path / "engine") as test:
        yield test


def test_manual_clock_moves_only_when_told_and_never_backwards() -> None:
    clock = ManualClock(datetime(2026, 1, 19, 13, 0, tzinfo=UTC))
    assert clock.utc() == datetime(2026, 1, 19, 13, 0, tzinfo=UTC)
    clock.advance("P1DT2H")
    clock.advance(timedelta(minutes=30))
    clock.advance(15)
    assert clock.utc() == datetime(2026, 1, 20, 15, 30, 15, tzinfo=UTC)
    clock.set("2026-02-01T00:00:00Z")
    assert clock.utc() == datetime(2026, 2, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="cannot set the clock back to 2026-01-01"):
        clock.set("2026-01-01T00:00:00Z")
    with pytest.raises(ValueError, match="backwards"):
        clock.advance("-PT1S")
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        clock.advance("three days")


def test_a_duration_timer_waits_until_the_clock_passes_its_due_time(process_test: ProcessTest) -> None:
    process_test.deploy(DATA / "intermediate-timer.bpmn")
    instance = process_test.start("intermediate-timer", {"wait": "PT10M"})
    due = process_test.engine.view(instance.id).timers[0]["due_at"]
    assert due == pytest.approx(process_test.clock.now() + 600)
    process_test.clock.advance("PT9M59S")
    assert_that(instance).is_waiting_at("Wait")
    process_test.clock.advance("PT1S")
    assert_that(instance).has_passed("Wait").is_waiting_at("After")


def test_a_date_timer_fires_when_the_clock_is_set_past_its_date(process_test: ProcessTest) -> None:
    process_test.deploy(DATA / "date-timer.bpmn")
    wake = process_test.clock.utc() + timedelta(days=30)
    instance = process_test.start("date-timer", {"wake_at": wake.isoformat()})
    process_test.clock.advance("P29D")
    assert_that(instance).is_waiting_at("Until")
    process_test.set_time(wake + timedelta(seconds=1))
    assert_that(instance).is_completed()


def test_a_boundary_timer_interrupts_the_task_on_the_clock(process_test: ProcessTest) -> None:
    process_test.deploy(DATA / "timer-boundary.bpmn")
    process_test.mock_job("escalate").returns({})
    instance = process_test.start("timer-boundary", {})
    assert_that(instance).is_waiting_at("Slow")
    process_test.clock.advance("PT1S")
    assert_that(instance).is_completed().has_passed("TooSlow", "Escalate").has_terminated("Slow")


def test_a_cycle_timer_fires_once_per_interval_as_often_as_it_repeats(process_test: ProcessTest) -> None:
    process_test.deploy(DATA / "cycle-reminder.bpmn")
    reminders = process_test.mock_job("remind").returns({})
    instance = process_test.start("cycle-reminder", {})
    assert reminders.calls == []
    process_test.clock.advance("PT0.2S")
    assert len(reminders.calls) == 1
    process_test.clock.advance("P1D")
    assert len(reminders.calls) == 2
    process_test.clock.advance("P1D")
    assert len(reminders.calls) == 2
    assert_that(instance).is_waiting_at("Approve")


TODAY_MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="stamp-the-day" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Stamp" />
    <bpmn:scriptTask id="Stamp">
      <bpmn:extensionElements>
        <zeebe:script resultVariable="day"
          expression="=string(today()) + &quot; &quot; + string(now() + duration(&quot;P1D&quot;) > now())" />
      </bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Stamp" targetRef="Wait" />
    <bpmn:userTask id="Wait" />
    <bpmn:sequenceFlow id="f3" sourceRef="Wait" targetRef="Again" />
    <bpmn:scriptTask id="Again">
      <bpmn:extensionElements>
        <zeebe:script expression="=string(today())" resultVariable="later" />
      </bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="Again" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_feel_now_and_today_read_the_engine_clock(tmp_path: Path) -> None:
    clock = TestClock(datetime(2030, 5, 1, 12, 0, tzinfo=UTC))
    with ProcessTest(tmp_path / "engine", clock=clock) as test:
        test.deploy_files([("stamp.bpmn", TODAY_MODEL)])
        instance = test.start("stamp-the-day")
        assert_that(instance).has_variables(day="2030-05-01 true")
        clock.advance("P3D")
        test.complete_user_task("Wait")
        assert_that(instance).is_completed().has_variables(later="2030-05-04")
