"""One bad step never sinks its batch: a step that raises is refused alone, the others commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from engine import job_triggers
from engine.engine import Engine
from engine.job_outcome import JobOutcome
from engine.store.records import JobRecord
from steadyflow.errors import StepFailedError, StoreError
from tests.conftest import deploy

WORKER = "worker-1"


def _poison(monkeypatch: pytest.MonkeyPatch, poisoned: JobRecord) -> None:
    """Completing ``poisoned``'s task raises a TypeError, as a bug in a mapping or a value Spiff chokes on would."""
    real: Callable[..., Any] = job_triggers.complete_job_task

    def complete(task: Any, values: dict[str, Any]) -> None:
        if str(task.id) == poisoned.task_id:
            raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")
        real(task, values)

    monkeypatch.setattr(job_triggers, "complete_job_task", complete)


def _claimed(engine: Engine, instances: int, regions: list[str]) -> list[JobRecord]:
    deploy(engine, "engine/regions-with-abort.bpmn")
    for _ in range(instances):
        engine.start("regions-with-abort", {"regions": regions})
    return engine.claim_jobs(WORKER, ["create"], max_jobs=1000)


def test_a_step_that_raises_is_refused_alone_and_the_rest_of_the_batch_commits(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _claimed(engine, 64, ["eu"])
    poisoned = jobs[17]
    _poison(monkeypatch, poisoned)
    version_before = engine.instance(poisoned.instance_id).version

    results = engine.report_outcomes(WORKER, [JobOutcome(j, "complete", {"host": "db"}) for j in jobs])

    refused = {j.id: r for j, r in zip(jobs, results, strict=True) if r is not None}
    assert list(refused) == [poisoned.id]
    assert isinstance(refused[poisoned.id], StepFailedError)
    assert "TypeError" in refused[poisoned.id].message and poisoned.instance_id in refused[poisoned.id].message
    remaining = {j.id for j in engine.store_jobs(state="ready") if j.type == "create"}
    assert remaining == {poisoned.id}, "every other job was completed in that batch"
    assert engine.instance(poisoned.instance_id).version == version_before


def test_the_other_steps_of_the_refused_steps_instance_still_commit(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = sorted(_claimed(engine, 1, ["eu", "us", "ap", "sa"]), key=lambda j: j.variables["region"])
    poisoned = jobs[1]
    _poison(monkeypatch, poisoned)

    results = engine.report_outcomes(WORKER, [JobOutcome(j, "complete", {"host": "db"}) for j in jobs])

    assert [r is None for r in results] == [True, False, True, True]
    assert [j.id for j in engine.store_jobs(instance_id=poisoned.instance_id) if j.type == "create"] == [poisoned.id]
    history = engine.view(poisoned.instance_id).history
    assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
    assert sum(e["type"] == "JobCompleted" for e in history) == 3

    monkeypatch.undo()
    assert engine.report_outcomes(WORKER, [JobOutcome(poisoned, "complete", {"host": "db"})]) == [None]


def _database_trouble_once(monkeypatch: pytest.MonkeyPatch, poisoned: JobRecord, error: Exception) -> list[Exception]:
    """Completing ``poisoned``'s task meets ``error`` the first time, as a read inside the trigger would."""
    real: Callable[..., Any] = job_triggers.complete_job_task
    raised: list[Exception] = []

    def complete(task: Any, values: dict[str, Any]) -> None:
        if str(task.id) == poisoned.task_id and not raised:
            raised.append(error)
            raise error
        real(task, values)

    monkeypatch.setattr(job_triggers, "complete_job_task", complete)
    return raised


def test_a_passing_database_error_inside_a_step_retries_the_batch_instead_of_refusing_the_step(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _claimed(engine, 4, ["eu"])
    locked = OperationalError("SELECT ...", {}, Exception("database is locked"))
    raised = _database_trouble_once(monkeypatch, jobs[2], locked)

    results = engine.report_outcomes(WORKER, [JobOutcome(j, "complete", {"host": "db"}) for j in jobs])

    assert raised and results == [None] * len(jobs)
    assert not [j for j in engine.store_jobs(state="ready") if j.type == "create"]
    assert not [i for j in jobs for i in engine.incidents(j.instance_id)]


def test_a_store_error_inside_a_step_fails_the_batch_as_one_instead_of_refusing_the_step(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _claimed(engine, 3, ["eu"])
    _database_trouble_once(monkeypatch, jobs[1], StoreError("reading the instance failed: server closed"))

    with pytest.raises(StoreError, match="server closed"):
        engine.report_outcomes(WORKER, [JobOutcome(j, "complete", {"host": "db"}) for j in jobs])

    assert {j.id for j in engine.store_jobs(state="ready") if j.type == "create"} == {j.id for j in jobs}
