"""Migration between versions: tokens keep their tasks and jobs, the new version's elements run next."""

from __future__ import annotations

from typing import Any

import pytest

from bpmn.clock import ManualClock
from engine.engine import Engine
from steadyflow.errors import ConflictError, InvalidInputError
from tests.conftest import DATA, deploy
from tests.scenarios.parallel_join_models import FORK_JOIN, chain, complete, deploy_model, open_tasks

REGIONS = ["istanbul", "ankara", "izmir"]


def _versions(engine: Engine, second: str = "database-creation-c8-v2.bpmn") -> tuple[str, str]:
    deploy(engine, "database-creation-c8.bpmn")
    v1 = engine.definitions.resolve("database-creation-c8", 1).id
    engine.deploy_paths([DATA / second])
    return v1, engine.definitions.resolve("database-creation-c8", 2).id


def _complete(engine: Engine, job_type: str, count: int = 10) -> list[str]:
    done = []
    for job in engine.claim_jobs("w", [job_type], max_jobs=count):
        engine.complete_job(job.id, {"regionDatabase": {"region": job.variables.get("region")}}, worker_id="w")
        done.append(job.element_id)
    return done


def test_a_running_fan_out_moves_to_version_2_and_runs_its_new_task(engine: Engine) -> None:
    v1, v2 = _versions(engine)
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": REGIONS}, version=1)
    (first,) = engine.claim_jobs("w", ["create-database"], max_jobs=1)
    engine.complete_job(first.id, {"regionDatabase": {"region": first.variables["region"]}}, worker_id="w")
    jobs_before = {j.id for j in engine.store_jobs(instance_id=instance.id)}

    result = engine.migrate(engine.migration_plan(v1, v2), [instance.id])

    assert result.migrated == [instance.id] and result.refused == {}
    assert engine.instance(instance.id).definition_id == v2
    assert {j.id for j in engine.store_jobs(instance_id=instance.id)} == jobs_before  # the same jobs go on
    assert len(_complete(engine, "create-database")) == 2
    assert _complete(engine, "create-replication") == ["Activity_CreateReplication"]
    assert _complete(engine, "notify-owner") == ["Activity_NotifyOwner"]
    assert engine.instance(instance.id).state == "completed"
    view = engine.view(instance.id)
    assert [d["region"] for d in view.variables["regionDatabases"]] == REGIONS
    assert any(e["type"] == "InstanceMigrated" for e in view.history)


def test_a_migrated_instance_reloads_on_the_new_version(make_engine: object) -> None:
    first: Engine = make_engine()  # type: ignore[operator]
    v1, v2 = _versions(first)
    instance = first.start("database-creation-c8", {"database": "orders", "regions": ["a"]}, version=1)
    first.migrate(first.migration_plan(v1, v2), [instance.id])

    fresh: Engine = make_engine(cache_capacity=0)  # type: ignore[operator]
    _complete(fresh, "create-database")
    _complete(fresh, "create-replication")
    assert _complete(fresh, "notify-owner") == ["Activity_NotifyOwner"]
    assert fresh.instance(instance.id).state == "completed"


def test_a_token_without_counterpart_is_refused_with_the_reason(engine: Engine) -> None:
    v1, v2 = _versions(engine, "database-creation-c8-renamed.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["a"]}, version=1)
    before = engine.instance(instance.id)

    result = engine.migrate(engine.migration_plan(v1, v2), [instance.id])

    assert result.migrated == []
    assert "a token at 'Activity_CreateDatabase'" in result.refused[instance.id]
    assert "the plan maps it to none" in result.refused[instance.id]
    after = engine.instance(instance.id)
    assert (after.definition_id, after.version) == (v1, before.version)


def test_an_explicit_mapping_moves_tokens_to_renamed_elements(engine: Engine) -> None:
    v1, v2 = _versions(engine, "database-creation-c8-renamed.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["a", "b"]}, version=1)
    plan = engine.migration_plan(v1, v2, {"Activity_CreateDatabase": "Activity_ProvisionDatabase"})

    result = engine.migrate(plan, [instance.id])

    assert result.migrated == [instance.id], result.refused
    assert {j.element_id for j in engine.store_jobs(instance_id=instance.id)} == {"Activity_ProvisionDatabase"}
    assert len(_complete(engine, "create-database")) == 2
    _complete(engine, "create-replication")
    _complete(engine, "notify-owner")
    assert engine.instance(instance.id).state == "completed"


def test_plans_refuse_unknown_elements_other_processes_and_the_same_version(engine: Engine) -> None:
    v1, v2 = _versions(engine)
    deploy(engine, "user-task.bpmn")
    other = engine.definitions.resolve("user-task", None).id

    with pytest.raises(InvalidInputError, match="does not have"):
        engine.migration_plan(v1, v2, {"Nope": "Activity_CreateDatabase"})
    with pytest.raises(InvalidInputError, match="different processes"):
        engine.migration_plan(v1, other)
    with pytest.raises(InvalidInputError, match="same definition"):
        engine.migration_plan(v1, v1)
    assert engine.migration_plan(v2, v1).unmapped == ["Activity_NotifyOwner"]


def test_ended_instances_and_instances_of_other_versions_are_refused_in_a_batch(engine: Engine) -> None:
    v1, v2 = _versions(engine)
    running = engine.start("database-creation-c8", {"database": "a", "regions": ["a"]}, version=1)
    cancelled = engine.start("database-creation-c8", {"database": "b", "regions": ["a"]}, version=1)
    engine.cancel(cancelled.id)
    newer = engine.start("database-creation-c8", {"database": "c", "regions": ["a"]}, version=2)

    result = engine.migrate(engine.migration_plan(v1, v2), [running.id, cancelled.id, newer.id, "nope"])

    assert result.migrated == [running.id]
    assert "cancelled" in result.refused[cancelled.id]
    assert f"not on {v1}" in result.refused[newer.id]
    assert "does not exist" in result.refused["nope"]
    assert engine.migrations.running_on(v1) == []
    with pytest.raises(ConflictError):
        engine.migrations.migrate(engine.migration_plan(v1, v2), running.id)


def _renamed(engine: Engine, name: str, old: str, new: str) -> tuple[str, str]:
    """Version 1 of ``name`` from tests/data, and a version 2 whose element ``old`` is called ``new``."""
    text = (DATA / name).read_text()
    key = name.removesuffix(".bpmn")
    engine.deploy([(name, text.encode())])
    engine.deploy([(name, text.replace(f'"{old}"', f'"{new}"').encode())])
    return engine.definitions.resolve(key, 1).id, engine.definitions.resolve(key, 2).id


def test_a_waiting_timer_moved_to_a_renamed_event_fires_there(make_engine: Any) -> None:
    clock = ManualClock()
    engine: Engine = make_engine(clock=clock, cache_capacity=0)
    v1, v2 = _renamed(engine, "intermediate-timer.bpmn", "Wait", "Pause")
    instance = engine.start("intermediate-timer", {"wait": "PT1H"}, version=1)

    result = engine.migrate(engine.migration_plan(v1, v2, {"Wait": "Pause"}), [instance.id])

    assert result.migrated == [instance.id], result.refused
    with engine.db.read() as conn:
        assert [t["element_id"] for t in engine.store.timers(conn, instance.id)] == ["Pause"]
    clock.advance(3601)
    assert engine.fire_due_timers("test") == 1
    (job,) = engine.store_jobs(instance_id=instance.id)
    assert job.element_id == "After"
    fired = [e for e in engine.view(instance.id).history if e["type"] == "TimerFired"]
    assert [e["element_id"] for e in fired] == ["Pause"]


def test_a_waiting_message_catch_moved_to_a_renamed_event_is_correlated_there(engine: Engine) -> None:
    v1, v2 = _renamed(engine, "message-catch-c8.bpmn", "WaitForPayment", "AwaitPayment")
    instance = engine.start("message-catch-c8", {"orderId": "o-1"}, version=1)

    result = engine.migrate(engine.migration_plan(v1, v2, {"WaitForPayment": "AwaitPayment"}), [instance.id])

    assert result.migrated == [instance.id], result.refused
    subscriptions = engine.message_subscriptions(instance.id)
    assert [s["element_id"] for s in subscriptions] == ["AwaitPayment"]
    engine.correlate("payment-received", correlation_key="o-1")
    assert engine.instance(instance.id).state == "completed"


def test_an_instance_waiting_at_a_join_runs_the_new_version_s_path_after_it(engine: Engine) -> None:
    deploy_model(engine, "fork-join", FORK_JOIN)
    v1 = engine.definitions.resolve("fork-join", 1).id
    reviewed = FORK_JOIN.replace(
        chain(("join", "after")), '<bpmn:userTask id="review" />' + chain(("join", "review"), ("review", "after"))
    )
    deploy_model(engine, "fork-join", reviewed)
    v2 = engine.definitions.resolve("fork-join", 2).id
    instance = engine.start("fork-join", version=1)
    complete(engine, instance.id, "a")
    complete(engine, instance.id, "b")

    result = engine.migrate(engine.migration_plan(v1, v2), [instance.id])

    assert result.migrated == [instance.id], result.refused
    assert open_tasks(engine, instance.id) == ["c"]
    complete(engine, instance.id, "c")
    assert open_tasks(engine, instance.id) == ["review"]
    complete(engine, instance.id, "review")
    complete(engine, instance.id, "after")
    assert engine.instance(instance.id).state == "completed"
