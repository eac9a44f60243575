"""One handler result that cannot be stored fails its own job; the rest of its batch commits."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from engine.engine import Engine
from engine.handlers import BpmnError, HandlerSet, JobContext
from engine.job_outcome import JobOutcome
from engine.worker import WorkerPool
from steadyflow.errors import SteadyflowError
from tests.conftest import deploy, run_jobs

POISONED = "r137"


def _create(context: JobContext) -> dict[str, Any]:
    region = context.variables["region"]
    if region == POISONED:
        return {"when": datetime.datetime(2026, 12, 1, 23, 0)}
    return {"host": f"db.{region}"}


def _start_regions(engine: Engine, count: int) -> str:
    deploy(engine, "engine/regions-with-abort.bpmn")
    return engine.start("regions-with-abort", {"regions": [f"r{n}" for n in range(count)]}).id


def test_a_batch_of_256_results_with_one_datetime_commits_255_and_raises_one_incident(engine: Engine) -> None:
    instance_id = _start_regions(engine, 256)
    pool = WorkerPool(engine, HandlerSet({"create": _create}))
    jobs = engine.claim_jobs(pool.worker_id, ["create"], max_jobs=256)
    assert len(jobs) == 256
    try:
        outcomes = [outcome for job in jobs if (outcome := pool._execute(job)) is not None]
        pool._record(outcomes)  # one batch, as the results loop records it
    finally:
        pool.stop(timeout_s=1)

    assert pool.stats.completed == 255 and pool.stats.failed == 1
    [left] = engine.store_jobs(instance_id=instance_id)
    assert left.variables["region"] == POISONED and left.state == "incident"
    [incident] = engine.incidents(instance_id)
    assert incident.message == (
        "handler for job type create returned a value that is not JSON: "
        "variable 'when' is a datetime; return ISO text instead (value.isoformat())"
    )


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        ({"tags": {"a", "b"}}, "variable 'tags' is a set; return a list instead"),
        ({"raw": b"\x00"}, "variable 'raw' is a bytes; return text instead (base64 for binary data)"),
        ({"ratio": float("nan")}, "variable 'ratio' is nan; return a finite number or None instead"),
        ({"by_id": {1: "x"}}, "variable 'by_id' has a key 1 of type int; use text keys"),
        ({"rows": [{"at": datetime.date(2026, 1, 1)}]}, "variable 'rows'[0]['at'] is a date; return ISO text"),
    ],
)
def test_a_non_json_result_is_an_incident_naming_the_value(engine: Engine, result: Any, reason: str) -> None:
    instance_id = _start_regions(engine, 1)

    stats = run_jobs(engine, {"create": lambda _context: result})

    assert stats.failed == 1
    [incident] = engine.incidents(instance_id)
    assert reason in incident.message


def test_a_result_the_batch_refuses_raises_an_incident_instead_of_running_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance_id = _start_regions(engine, 3)
    real = engine.report_outcomes

    def refuse_r1(worker_id: str, outcomes: list[JobOutcome]) -> list[SteadyflowError | None]:
        # A step that failed inside the batch (as StepRunner.run_batch reports it): refused alone.
        kept = [o for o in outcomes if o.job.variables["region"] != "r1" or o.kind != "complete"]
        applied = iter(real(worker_id, kept))
        refusal = SteadyflowError("the step raised KeyError: 'region'")
        return [next(applied) if o in kept else refusal for o in outcomes]

    monkeypatch.setattr(engine, "report_outcomes", refuse_r1)

    run_jobs(engine, {"create": lambda context: {"host": context.variables["region"]}}, max_wait_s=1)

    [left] = engine.store_jobs(instance_id=instance_id)
    assert left.variables["region"] == "r1" and left.state == "incident" and left.attempt == 1
    [incident] = engine.incidents(instance_id)
    assert "recording the handler's complete result was refused: the step raised KeyError" in incident.message


def test_an_unexpected_error_recording_a_batch_fails_only_the_result_that_caused_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance_id = _start_regions(engine, 3)
    real = engine.report_outcomes

    def crash_on_r2(worker_id: str, outcomes: list[JobOutcome]) -> list[SteadyflowError | None]:
        if any(o.job.variables["region"] == "r2" and o.kind == "complete" for o in outcomes):
            raise KeyError("not our error type")
        return real(worker_id, outcomes)

    monkeypatch.setattr(engine, "report_outcomes", crash_on_r2)

    run_jobs(engine, {"create": lambda context: {"host": context.variables["region"]}}, max_wait_s=1)

    [left] = engine.store_jobs(instance_id=instance_id)
    assert left.variables["region"] == "r2" and left.state == "incident" and left.attempt == 1


def test_a_bpmn_error_carrying_a_non_json_variable_is_an_incident_not_a_lost_batch(engine: Engine) -> None:
    instance_id = _start_regions(engine, 2)

    def create(context: JobContext) -> dict[str, Any]:
        if context.variables["region"] == "r0":
            raise BpmnError("FATAL", "quota", {"at": datetime.time(12, 0)})
        return {"host": "db"}

    run_jobs(engine, {"create": create}, max_wait_s=1)

    [left] = engine.store_jobs(instance_id=instance_id)
    assert left.variables["region"] == "r0" and left.state == "incident"
    [incident] = engine.incidents(instance_id)
    assert "variable 'at' is a time; return ISO text instead" in incident.message
    assert "BPMN error FATAL" in incident.message


def test_a_failure_message_with_a_nul_character_is_recorded_alongside_the_rest_of_its_batch(engine: Engine) -> None:
    instance_id = _start_regions(engine, 2)

    def create(context: JobContext) -> dict[str, Any]:
        if context.variables["region"] == "r0":
            raise ValueError("device answered b'ok\x00\x00'")
        return {"host": "db"}

    pool = WorkerPool(engine, HandlerSet({"create": create}))
    jobs = engine.claim_jobs(pool.worker_id, ["create"], max_jobs=2)
    try:
        pool._record([outcome for job in jobs if (outcome := pool._execute(job)) is not None])  # one batch
    finally:
        pool.stop(timeout_s=1)

    assert pool.stats.completed == 1 and pool.stats.failed == 1
    [failed] = engine.store_jobs(instance_id=instance_id)
    assert failed.variables["region"] == "r0" and failed.attempt == 1
    assert failed.last_error == "ValueError: device answered b'ok\ufffd\ufffd'"
    assert failed.error_details is not None and "\x00" not in failed.error_details


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        ({"reply": "ok\x00"}, "variable 'reply' holds a NUL character (\\x00) at position 2"),
        ({"rows": [{"k\x00": 1}]}, "a key of variable 'rows'[0] holds a NUL character"),
        ({"a\x00b": 1}, "names must be non-empty text without NUL characters"),
    ],
)
def test_a_result_with_a_nul_character_is_an_incident_and_the_rest_of_the_batch_commits(
    engine: Engine, result: dict[str, Any], reason: str
) -> None:
    instance_id = _start_regions(engine, 2)

    def create(context: JobContext) -> dict[str, Any]:
        return result if context.variables["region"] == "r0" else {"host": "db"}

    pool = WorkerPool(engine, HandlerSet({"create": create}))
    jobs = engine.claim_jobs(pool.worker_id, ["create"], max_jobs=2)
    try:
        pool._record([outcome for job in jobs if (outcome := pool._execute(job)) is not None])
    finally:
        pool.stop(timeout_s=1)

    assert pool.stats.completed == 1 and pool.stats.failed == 1
    [left] = engine.store_jobs(instance_id=instance_id)
    assert left.variables["region"] == "r0" and left.state == "incident"
    [incident] = engine.incidents(instance_id)
    assert reason in incident.message and "\x00" not in incident.message
