"""Time travel: the instance as it was after any step, and rewinding to it as a new step."""

from __future__ import annotations

from typing import Any

import pytest

from engine.activity_tree import ActivityTimes
from engine.engine import Engine
from steadyflow.errors import ConflictError, InvalidInputError
from tests.conftest import deploy
from tests.scenarios.parallel_join_models import FORK_JOIN, complete, deploy_model, open_tasks

REGIONS = ["istanbul", "ankara", "izmir"]


def _complete_region(engine: Engine, region: str) -> None:
    (job,) = [j for j in engine.claim_jobs("w", ["create-database"], max_jobs=10) if j.variables["region"] == region]
    engine.complete_job(job.id, {"regionDatabase": {"region": region}}, worker_id="w")
    engine.release_locks("w", [j.id for j in engine.store_jobs(state="ready") if j.lock_owner == "w"])


def _started(engine: Engine) -> Any:
    deploy(engine, "database-creation-c8.bpmn")
    return engine.start("database-creation-c8", {"database": "orders", "regions": REGIONS})


def test_state_after_the_second_region_shows_one_region_still_running(engine: Engine) -> None:
    instance = _started(engine)
    _complete_region(engine, "istanbul")
    _complete_region(engine, "ankara")
    second = engine.instance(instance.id).version
    _complete_region(engine, "izmir")

    past = engine.at_step(instance.id, second)

    counts = past["element_counts"]["Activity_CreateDatabase"]
    assert counts["completed"] >= 2 and counts["active"] >= 1
    assert "Activity_CreateReplication" not in past["element_counts"]
    assert past["variables"]["regionDatabase"] == {"region": "ankara"}
    assert engine.view(instance.id).variables["regionDatabase"] == {"region": "izmir"}
    now = engine.view(instance.id)
    assert now.element_counts["Activity_CreateReplication"]["active"] == 1


def test_steps_list_every_step_with_its_history_events(engine: Engine) -> None:
    instance = _started(engine)
    _complete_region(engine, "istanbul")

    steps = engine.steps_of(instance.id)

    assert [s["step"] for s in steps] == list(range(1, engine.instance(instance.id).version + 1))
    assert steps[0]["events"][0]["type"] == "InstanceStarted"
    seqs = [e["seq"] for s in steps for e in s["events"]]
    assert seqs == list(range(1, engine.instance(instance.id).event_seq + 1))


def test_rewind_runs_the_completed_regions_again_and_keeps_history(engine: Engine) -> None:
    instance = _started(engine)
    for region in REGIONS:
        _complete_region(engine, region)
    (replication,) = engine.claim_jobs("w", ["create-replication"])
    engine.complete_job(replication.id, {}, worker_id="w")
    assert engine.instance(instance.id).state == "completed"
    events_before = engine.instance(instance.id).event_seq

    engine.rewind(instance.id, 1, reason="recreate every region")

    after = engine.instance(instance.id)
    assert after.state == "running" and after.ended_at is None
    jobs = engine.store_jobs(instance_id=instance.id)
    assert sorted(j.element_id for j in jobs) == ["Activity_CreateDatabase"] * 3
    history = engine.view(instance.id).history
    assert len(history) > events_before
    assert any(e["type"] == "InstanceRewound" and e["data"]["step"] == 1 for e in history)
    for region in REGIONS:
        _complete_region(engine, region)
    (replication,) = engine.claim_jobs("w", ["create-replication"])
    engine.complete_job(replication.id, {}, worker_id="w")
    assert engine.instance(instance.id).state == "completed"


def test_rewind_to_the_current_or_an_unknown_step_is_refused_and_changes_nothing(engine: Engine) -> None:
    instance = _started(engine)
    current = engine.instance(instance.id)

    with pytest.raises(ConflictError, match="pick an earlier step"):
        engine.rewind(instance.id, current.version)
    with pytest.raises(InvalidInputError, match="step 99 is not one of them"):
        engine.rewind(instance.id, 99)

    assert engine.instance(instance.id).version == current.version


def test_heatmap_counts_each_region_once_and_not_the_multi_instance_body(engine: Engine) -> None:
    instance = _started(engine)
    for region in REGIONS:
        _complete_region(engine, region)
    (replication,) = engine.claim_jobs("w", ["create-replication"])
    engine.complete_job(replication.id, {}, worker_id="w")
    assert engine.instance(instance.id).state == "completed"

    heat = engine.heatmap("database-creation-c8", version=1)["elements"]

    assert heat["Activity_CreateDatabase"]["count"] == 3
    assert heat["Activity_CreateReplication"]["count"] == 1
    assert heat["StartEvent_RequestReceived"]["count"] == 1
    assert heat["Activity_CreateDatabase"]["avgMs"] >= 0.0
    assert engine.heatmap("database-creation-c8", until=instance.started_at - 7200)["elements"] == {}


def test_a_rewound_task_shows_its_new_run_not_its_old_end() -> None:
    times = ActivityTimes()
    for kind, at in (("ActivityActivated", 1.0), ("ActivityCompleted", 2.0), ("ActivityActivated", 5.0)):
        times.add(kind, "task", at)

    assert times.started["task"] == 5.0 and "task" not in times.ended


def test_rewinding_to_a_join_waiting_with_two_branches_done_runs_only_the_last_branch_into_it(engine: Engine) -> None:
    deploy_model(engine, "fork-join", FORK_JOIN)
    instance = engine.start("fork-join")
    complete(engine, instance.id, "a", {"va": 1})
    complete(engine, instance.id, "b", {"vb": 2})
    waiting = engine.instance(instance.id).version
    complete(engine, instance.id, "c", {"vc": 3})
    complete(engine, instance.id, "after")
    assert engine.instance(instance.id).state == "completed"

    past = engine.at_step(instance.id, waiting)
    engine.rewind(instance.id, waiting)

    assert "after" not in past["element_counts"] and past["element_counts"]["join"]["active"] == 1
    assert open_tasks(engine, instance.id) == ["c"]
    complete(engine, instance.id, "c", {"vc": 4})
    assert open_tasks(engine, instance.id) == ["after"]
    complete(engine, instance.id, "after")
    assert engine.instance(instance.id).state == "completed"
    assert {k: v for k, v in engine.view(instance.id).variables.items() if k.startswith("v")} == {
        "va": 1,
        "vb": 2,
        "vc": 4,
    }
