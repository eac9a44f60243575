"""Instance modification: cancel, start before/after, move; each one step with history, bad input refused whole."""

from __future__ import annotations

import pytest

from engine.engine import Engine
from engine.modification import Instruction
from steadyflow.errors import ConflictError, InvalidInputError, NotFoundError
from tests.conftest import deploy
from tests.scenarios.parallel_join_models import FORK_JOIN, complete, deploy_model, open_tasks


def _finish(engine: Engine, instance_id: str, worker: str = "w") -> None:
    """Complete every job of the instance until none is left."""
    for _ in range(20):
        jobs = [j for j in engine.claim_jobs(worker, None, max_jobs=50) if j.instance_id == instance_id]
        if not jobs:
            return
        for job in jobs:
            engine.complete_job(job.id, {"regionDatabase": {"region": job.variables.get("region")}}, worker_id=worker)


def _elements(engine: Engine, instance_id: str) -> list[str]:
    return sorted(j.element_id for j in engine.store_jobs(instance_id=instance_id))


def test_moving_the_fan_out_to_replication_completes_the_instance_from_there(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["a", "b", "c"]})

    engine.modify(
        instance.id, [Instruction("move", element_id="Activity_CreateDatabase", target="Activity_CreateReplication")]
    )

    assert _elements(engine, instance.id) == ["Activity_CreateReplication"]
    types = [e["type"] for e in engine.view(instance.id).history]
    assert "InstanceModified" in types and types.count("ActivityCancelled") >= 3
    _finish(engine, instance.id)
    assert engine.instance(instance.id).state == "completed"


def test_start_before_adds_a_token_with_its_variables(engine: Engine) -> None:
    deploy(engine, "database-creation.bpmn")
    instance = engine.start("database-creation", {"database": "orders"})

    engine.modify(
        instance.id, [Instruction("startBefore", element_id="Activity_CreateReplication", variables={"extra": 1})]
    )

    (replication,) = [
        j for j in engine.store_jobs(instance_id=instance.id) if j.element_id == "Activity_CreateReplication"
    ]
    assert replication.variables["extra"] == 1 and replication.variables["database"] == "orders"
    assert len(engine.store_jobs(instance_id=instance.id)) == 3


def test_start_after_an_element_starts_at_its_one_outgoing_flow(engine: Engine) -> None:
    deploy(engine, "user-task.bpmn")
    instance = engine.start("user-task", {})

    engine.modify(
        instance.id, [Instruction("cancel", element_id="Review"), Instruction("startAfter", element_id="Review")]
    )

    assert engine.instance(instance.id).state == "completed"


def test_cancelling_the_last_token_cancels_the_instance(engine: Engine) -> None:
    deploy(engine, "user-task.bpmn")
    instance = engine.start("user-task", {})
    (task,) = engine.user_tasks(instance.id)

    engine.modify(instance.id, [Instruction("cancel", activity_instance_id=task["task_id"])], reason="not needed")

    assert engine.instance(instance.id).state == "cancelled"
    assert engine.user_tasks(instance.id) == []


def test_cancelling_an_activity_with_a_boundary_timer_stops_the_timer(engine: Engine) -> None:
    deploy(engine, "timer-boundary.bpmn")
    instance = engine.start("timer-boundary", {})
    assert engine.view(instance.id).timers

    engine.modify(instance.id, [Instruction("move", element_id="Slow", target="Escalate")])

    assert engine.view(instance.id).timers == []
    assert _elements(engine, instance.id) == ["Escalate"]


@pytest.mark.parametrize(
    ("instructions", "error", "text"),
    [
        ([Instruction("cancel", element_id="Nope")], InvalidInputError, "element 'Nope' is not in the model"),
        ([Instruction("cancel", element_id="Activity_CreateReplication")], ConflictError, "no token is at element"),
        (
            [Instruction("cancel", activity_instance_id="00000000-0000-0000-0000-000000000000")],
            NotFoundError,
            "no activity instance",
        ),
        ([Instruction("startAfter", element_id="Gateway_Fork")], InvalidInputError, "has 2 outgoing sequence flows"),
        (
            [
                Instruction("cancel", element_id="Activity_CreateDatabaseIstanbul"),
                Instruction("startBefore", element_id="Nope"),
            ],
            InvalidInputError,
            "instruction 2",
        ),
    ],
)
def test_a_bad_instruction_refuses_the_whole_modification(
    engine: Engine, instructions: list[Instruction], error: type[Exception], text: str
) -> None:
    deploy(engine, "database-creation.bpmn")
    instance = engine.start("database-creation", {"database": "orders"})
    before = engine.instance(instance.id)

    with pytest.raises(error, match=text):
        engine.modify(instance.id, instructions)

    assert engine.instance(instance.id).version == before.version
    assert _elements(engine, instance.id) == ["Activity_CreateDatabaseAnkara", "Activity_CreateDatabaseIstanbul"]


def test_an_ended_instance_is_not_modified(engine: Engine) -> None:
    deploy(engine, "user-task.bpmn")
    instance = engine.start("user-task", {})
    engine.cancel(instance.id)

    with pytest.raises(ConflictError, match="only running instances can be modified"):
        engine.modify(instance.id, [Instruction("startBefore", element_id="Review")])


def test_a_modification_survives_a_reload(make_engine: object) -> None:
    first: Engine = make_engine()  # type: ignore[operator]
    deploy(first, "database-creation.bpmn")
    instance = first.start("database-creation", {"database": "orders"})
    first.modify(
        instance.id,
        [Instruction("move", element_id="Activity_CreateDatabaseIstanbul", target="Activity_CreateReplication")],
    )

    fresh: Engine = make_engine(cache_capacity=0)  # type: ignore[operator]
    assert _elements(fresh, instance.id) == ["Activity_CreateDatabaseAnkara", "Activity_CreateReplication"]
    (replication,) = [j for j in fresh.claim_jobs("w", ["create-replication"])]
    fresh.complete_job(replication.id, {}, worker_id="w")
    assert _elements(fresh, instance.id) == ["Activity_CreateDatabaseAnkara"]


def test_a_branch_restarted_before_its_task_completes_the_waiting_join(engine: Engine) -> None:
    deploy_model(engine, "fork-join", FORK_JOIN)
    instance = engine.start("fork-join")
    complete(engine, instance.id, "a")
    complete(engine, instance.id, "b")

    engine.modify(instance.id, [Instruction("cancel", element_id="c"), Instruction("startBefore", element_id="c")])

    assert open_tasks(engine, instance.id) == ["c"]
    complete(engine, instance.id, "c")
    assert open_tasks(engine, instance.id) == ["after"]
    complete(engine, instance.id, "after")
    assert engine.instance(instance.id).state == "completed"


def test_a_token_started_after_the_join_runs_the_path_after_it_once(engine: Engine) -> None:
    deploy_model(engine, "fork-join", FORK_JOIN)
    instance = engine.start("fork-join")

    engine.modify(
        instance.id,
        [*(Instruction("cancel", element_id=e) for e in ("a", "b", "c")), Instruction("startAfter", element_id="join")],
    )

    assert open_tasks(engine, instance.id) == ["after"]
    complete(engine, instance.id, "after")
    assert engine.instance(instance.id).state == "completed"
