"""Handler results recorded together (group commit): one transaction, steps that build on each other.

A worker reports every result that finished meanwhile in one transaction; several
of them often belong to one instance (the regions of one fan-out). Each result is
still its own step: it sees what the steps before it did, a refused one changes
nothing, and the instance reloaded from its rows is the same as the one in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from engine import job_triggers
from engine.engine import Engine
from engine.job_outcome import JobOutcome
from engine.step_core import StepContext
from engine.store.records import JobRecord
from steadyflow.errors import NotFoundError
from tests.conftest import deploy, history_types

MODEL = "engine/regions-with-abort.bpmn"
WORKER = "worker-1"


@pytest.fixture(params=["cached", "reloaded"])
def any_engine(request: pytest.FixtureRequest, make_engine: Callable[..., Engine]) -> Engine:
    """With the instance cache, and without it (every step outside a batch reloads from rows)."""
    engine = make_engine() if request.param == "cached" else make_engine(cache_capacity=0)
    deploy(engine, MODEL)
    return engine


def _start(engine: Engine, regions: list[str]) -> tuple[str, list[JobRecord]]:
    instance = engine.start("regions-with-abort", {"regions": regions})
    jobs = engine.claim_jobs(WORKER, ["create"], max_jobs=100)
    return instance.id, sorted((j for j in jobs if j.instance_id == instance.id), key=lambda j: j.variables["region"])


def _reopened(engine: Engine, make_engine: Callable[..., Engine]) -> Engine:
    return make_engine(cache_capacity=0)


def _assert_history_has_no_gaps(engine: Engine, instance_id: str) -> None:
    seqs = [e["seq"] for e in engine.view(instance_id).history]
    assert seqs == list(range(1, len(seqs) + 1))


def test_every_region_of_one_fan_out_completes_in_one_batch(
    any_engine: Engine, make_engine: Callable[..., Engine]
) -> None:
    instance_id, jobs = _start(any_engine, ["eu", "us", "ap", "sa"])

    results = any_engine.report_outcomes(
        WORKER, [JobOutcome(j, "complete", {"host": f"db.{j.variables['region']}"}) for j in jobs]
    )

    assert results == [None] * 4
    [replicate] = any_engine.store_jobs(instance_id=instance_id)
    assert replicate.element_id == "Activity_Replicate"
    assert history_types(any_engine, instance_id, "Activity_Create").count("JobCompleted") == 4
    _assert_history_has_no_gaps(any_engine, instance_id)

    reopened = _reopened(any_engine, make_engine)  # the rows alone carry the instance on
    reopened.complete_job(replicate.id, {})
    assert reopened.instance(instance_id).state == "completed"
    assert reopened.view(instance_id).variables["created"] == ["eu", "us", "ap", "sa"]


def test_a_caught_error_cancels_the_regions_whose_results_come_later_in_the_batch(any_engine: Engine) -> None:
    instance_id, (ap, eu, us) = _start(any_engine, ["ap", "eu", "us"])
    outcomes = [
        JobOutcome(ap, "complete"),
        JobOutcome(eu, "error", code="FATAL", message="quota exhausted"),
        JobOutcome(us, "complete"),
    ]

    ap_result, eu_result, us_result = any_engine.report_outcomes(WORKER, outcomes)

    assert (ap_result, eu_result) == (None, None)
    assert isinstance(us_result, NotFoundError), "the error cancelled the job before its result came"
    [cleanup] = any_engine.store_jobs(instance_id=instance_id)
    assert cleanup.element_id == "Activity_Cleanup"
    history = any_engine.view(instance_id).history
    assert [e["job_id"] for e in history if e["type"] == "JobCancelled"] == [us.id]
    assert not [e for e in history if e["type"] == "JobCompleted" and e["job_id"] == us.id]
    _assert_history_has_no_gaps(any_engine, instance_id)


def test_a_refused_result_leaves_the_other_steps_of_its_instance_in_the_batch(
    any_engine: Engine, make_engine: Callable[..., Engine]
) -> None:
    instance_id, (ap, eu, us) = _start(any_engine, ["ap", "eu", "us"])
    gone = replace(eu, id="no-such-job")

    results = any_engine.report_outcomes(
        WORKER, [JobOutcome(ap, "complete"), JobOutcome(gone, "complete"), JobOutcome(us, "complete")]
    )

    assert results[0] is None and results[2] is None
    assert isinstance(results[1], NotFoundError)
    reopened = _reopened(any_engine, make_engine)
    assert [j.id for j in reopened.store_jobs(instance_id=instance_id)] == [eu.id]
    reopened.complete_job(eu.id, {}, worker_id=WORKER)
    [replicate] = reopened.store_jobs(instance_id=instance_id)
    assert replicate.element_id == "Activity_Replicate"
    _assert_history_has_no_gaps(reopened, instance_id)


def test_results_of_several_instances_interleaved_in_one_batch(any_engine: Engine) -> None:
    first, first_jobs = _start(any_engine, ["eu", "us"])
    second, second_jobs = _start(any_engine, ["eu", "us", "ap"])
    failed = second_jobs[0]
    outcomes = [JobOutcome(j, "complete") for j in [*first_jobs, *second_jobs[1:]]]
    outcomes.insert(1, JobOutcome(failed, "fail", message="region unreachable"))

    assert any_engine.report_outcomes(WORKER, outcomes) == [None] * 5

    assert [j.element_id for j in any_engine.store_jobs(instance_id=first)] == ["Activity_Replicate"]
    [retried] = any_engine.store_jobs(instance_id=second)
    assert (retried.id, retried.retries_left, retried.lock_owner) == (failed.id, 2, None)
    for instance_id in (first, second):
        _assert_history_has_no_gaps(any_engine, instance_id)


def test_a_later_step_of_the_batch_completes_the_job_an_earlier_step_created(any_engine: Engine) -> None:
    instance_id, jobs = _start(any_engine, ["eu", "us"])

    def complete_replicate(ctx: StepContext) -> None:
        (task,) = [t for t in ctx.workflow.get_tasks() if t.task_spec.bpmn_id == "Activity_Replicate" and t.state == 32]
        (job_id,) = ctx.reads.job_ids_of_tasks(ctx.instance.id, [str(task.id)])  # created by the step before, unwritten
        job_triggers.complete(job_id, {"replica": "r1"}, WORKER)(ctx)

    items = [(instance_id, job_triggers.complete(j.id, {"host": "h"}, WORKER)) for j in jobs]
    refusals = any_engine.steps.run_batch([*items, (instance_id, complete_replicate)], jobs=[j.id for j in jobs])

    assert refusals == [None, None, None]
    assert any_engine.instance(instance_id).state == "completed"
    assert not any_engine.store_jobs(instance_id=instance_id), "the replicate job was never left behind"
    types = history_types(any_engine, instance_id)
    assert types.count("JobCreated") == 3 and types.count("JobCompleted") == 3 and "JobCancelled" not in types
    _assert_history_has_no_gaps(any_engine, instance_id)
