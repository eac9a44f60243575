"""A step writes the rows that changed, not the instance: completing one of many branches is small."""

from __future__ import annotations

from typing import Any

from engine.engine import Engine
from tests.conftest import deploy, run_jobs


def test_completing_one_of_fifty_regions_writes_a_few_task_rows(make_engine: Any) -> None:
    engine: Engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    regions = [f"r{i}" for i in range(50)]
    engine.start("database-creation-c8", {"database": "big", "regions": regions})
    fan_out_rows = engine.steps.last_step_task_rows
    jobs = engine.claim_jobs("w", ["create-database"], max_jobs=100)

    engine.complete_job(jobs[0].id, {"regionDatabase": {"region": "r0"}}, worker_id="w")

    assert fan_out_rows > 50
    assert engine.steps.last_step_task_rows <= 3


def test_reloaded_instance_continues_where_the_cached_one_would(make_engine: Any) -> None:
    cached: Engine = make_engine()
    deploy(cached, "database-creation-c8.bpmn")
    instance = cached.start("database-creation-c8", {"database": "x", "regions": ["a", "b", "c"]})
    jobs = cached.claim_jobs("w", ["create-database"], max_jobs=10)
    cached.complete_job(jobs[0].id, {"regionDatabase": {"region": jobs[0].variables["region"]}}, worker_id="w")

    fresh: Engine = make_engine(cache_capacity=0)
    for job in jobs[1:]:
        fresh.complete_job(job.id, {"regionDatabase": {"region": job.variables["region"]}}, worker_id="w")
    (replication,) = fresh.claim_jobs("w", ["create-replication"])
    fresh.complete_job(replication.id, {}, worker_id="w")

    view = cached.view(instance.id)
    assert view.instance["state"] == "completed"
    assert [d["region"] for d in view.variables["regionDatabases"]] == ["a", "b", "c"]


def test_reading_variables_writes_nothing(make_engine: Any) -> None:
    engine: Engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "x", "regions": ["a"]})
    before = engine.instance(instance.id)

    for _ in range(3):
        assert engine.variables(instance.id)["database"] == "x"

    after = engine.instance(instance.id)
    assert (after.version, after.event_seq, after.updated_at) == (before.version, before.event_seq, before.updated_at)


def test_an_instance_leaves_the_live_cache_when_it_ends_and_is_still_read_back_whole(make_engine: Any) -> None:
    engine: Engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "x", "regions": ["a", "b"]})
    assert instance.id in engine.cache, "a running instance stays live for its next step"
    for job in engine.claim_jobs("w", ["create-database"], max_jobs=10):
        engine.complete_job(job.id, {"regionDatabase": {"region": job.variables["region"]}}, worker_id="w")
    assert instance.id in engine.cache
    (replication,) = engine.claim_jobs("w", ["create-replication"])

    engine.complete_job(replication.id, {}, worker_id="w")

    assert instance.id not in engine.cache, "an ended instance takes no more steps: its workflow is not kept"
    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert [d["region"] for d in view.variables["regionDatabases"]] == ["a", "b"]
    assert instance.id not in engine.cache, "looking at an ended instance does not keep it either"


def test_an_instance_a_worker_pool_finishes_leaves_the_live_cache(make_engine: Any) -> None:
    engine: Engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "x", "regions": ["a", "b", "c"]})

    run_jobs(engine, {"create-database": lambda job: {"regionDatabase": {"region": job.variables["region"]}},
                      "create-replication": lambda job: None})  # fmt: skip

    assert engine.instance(instance.id).state == "completed"
    assert instance.id not in engine.cache
