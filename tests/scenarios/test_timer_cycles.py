"""Repeating timers: non-interrupting cycle boundaries, cron cycles, timer start events."""

from __future__ import annotations

import time

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.conftest import DATA, deploy, run_jobs


def test_non_interrupting_cycle_fires_the_given_number_of_times(engine: Engine) -> None:
    deploy(engine, "cycle-reminder.bpmn")
    instance = engine.start("cycle-reminder")
    reminders: list[int] = []

    run_jobs(engine, {"remind": lambda job: reminders.append(job.attempt) or {}}, max_wait_s=2)

    assert len(reminders) == 2
    (approve,) = [a for a in engine.view(instance.id).activities if a.element_id == "Approve"]
    assert approve.state == "READY"  # the reminders did not interrupt the user task


def test_cron_cycle_schedules_the_next_matching_second(engine: Engine) -> None:
    model = (DATA / "cycle-reminder.bpmn").read_text().replace("R2/PT0.2S", "* * * * * *")
    engine.deploy([("cron.bpmn", model.encode())])
    instance = engine.start("cycle-reminder")
    (timer,) = engine.view(instance.id).timers
    assert instance.started_at < timer["due_at"] <= instance.started_at + 1.0
    assert timer["due_at"] == int(timer["due_at"])  # a whole second, as the cron expression says


def test_timer_start_event_starts_instances_on_its_cycle(engine: Engine) -> None:
    deploy(engine, "timer-start.bpmn")
    started = 0
    deadline = time.monotonic() + 5
    while started < 3 and time.monotonic() < deadline:
        started += engine.fire_start_timers("test")
        time.sleep(0.05)

    assert started == 3
    assert len(engine.instances(definition_key="timer-start", state="completed")) == 3
    assert engine.fire_start_timers("test") == 0  # R3: the cycle is over


def test_redeploying_replaces_the_start_timer_of_the_previous_version(engine: Engine) -> None:
    deploy(engine, "timer-start.bpmn")
    changed = (DATA / "timer-start.bpmn").read_text().replace("R3/PT0.2S", "R1/PT1H")
    engine.deploy([("timer-start.bpmn", changed.encode())])

    with engine.db.read() as conn:
        (row,) = engine.store.start_timers(conn)
    assert row["expression"] == "R1/PT1H" and row["definition_id"].startswith("timer-start:2:")


def test_invalid_static_timer_is_refused_at_deploy(engine: Engine) -> None:
    model = (DATA / "cycle-reminder.bpmn").read_text().replace("R2/PT0.2S", "every 5 minutes")
    with pytest.raises(ModelValidationError, match="not a valid timer cycle"):
        engine.deploy([("bad.bpmn", model.encode())])
