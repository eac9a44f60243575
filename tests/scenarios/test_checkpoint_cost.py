"""A step writes the rows that changed, not the instance: completing one of many branches is small."""

from __future__ import annotations

from typing import Any

from engine.engine import Engine
from tests.conftest import deploy


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
