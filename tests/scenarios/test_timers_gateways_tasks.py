"""Timers, gateways with conditions and I/O mappings, sequential multi-instance, user tasks."""

from __future__ import annotations

import time
from datetime import UTC
from typing import Any

from engine.engine import Engine
from engine.handlers import JobContext
from tests.conftest import deploy, history_types, run_jobs
from tests.scenarios.parallel_join_models import chain, complete, deploy_model, flow, open_tasks


def test_interrupting_timer_boundary_cancels_the_slow_job(engine: Engine) -> None:
    deploy(engine, "timer-boundary.bpmn")
    instance = engine.start("timer-boundary")
    escalated: list[str] = []

    run_jobs(engine, {"escalate": lambda job: escalated.append(job.element_id) or {}}, max_wait_s=2)

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert escalated == ["Escalate"]
    states = {a.element_id: a.state for a in view.activities}
    assert states["Slow"] == "CANCELLED"
    assert states["Escalated"] == "COMPLETED"
    assert "JobCancelled" in history_types(engine, instance.id)
    assert "TimerFired" in history_types(engine, instance.id)


def test_intermediate_timer_waits_for_a_feel_duration(engine: Engine) -> None:
    deploy(engine, "intermediate-timer.bpmn")
    started = time.time()
    instance = engine.start("intermediate-timer", {"wait": "PT0.4S"})
    view = engine.view(instance.id)
    assert [t["element_id"] for t in view.timers] == ["Wait"]
    assert view.timers[0]["due_at"] >= started + 0.3

    run_jobs(engine, {"after": lambda job: {"after_at": time.time()}}, max_wait_s=2)

    final = engine.view(instance.id)
    assert final.instance["state"] == "completed"
    assert final.variables["after_at"] >= started + 0.4
    assert final.timers == []


def test_timer_survives_an_engine_restart(make_engine: Any) -> None:
    first = make_engine()
    deploy(first, "intermediate-timer.bpmn")
    instance = first.start("intermediate-timer", {"wait": "PT0.2S"})
    first.close()

    second = make_engine()
    time.sleep(0.25)
    assert second.fire_due_timers("test") == 1
    run_jobs(second, {"after": lambda job: {}})
    assert second.instance(instance.id).state == "completed"


def test_exclusive_gateway_condition_and_io_mappings(engine: Engine) -> None:
    deploy(engine, "exclusive-gateway-c8.bpmn")
    big = engine.start("exclusive-gateway-c8", {"amount": 250})
    small = engine.start("exclusive-gateway-c8", {"amount": 5})
    seen: list[dict[str, Any]] = []

    def approve(job: JobContext) -> dict[str, Any]:
        seen.append(dict(job.variables))
        return {"approved": True}

    run_jobs(engine, {"approve": approve})

    assert seen == [{"amount": 250, "doubled": 500}]
    big_view = engine.view(big.id)
    assert big_view.variables["outcome"] is True
    assert "doubled" not in big_view.variables  # input mappings are local to the task
    assert "approved" not in big_view.variables  # with output mappings, only mapped values leave the task
    small_states = {a.element_id: a.state for a in engine.view(small.id).activities}
    assert small_states.get("AutoApproved") == "COMPLETED"
    assert "Approve" not in small_states


def test_sequential_multi_instance_runs_items_in_order_with_juel_mappings(engine: Engine) -> None:
    deploy(engine, "sequential-mi-c7.bpmn")
    instance = engine.start("sequential-mi-c7", {"items": ["a", "b", "c"]})
    order: list[str] = []

    def process(job: JobContext) -> dict[str, Any]:
        order.append(job.variables["label"])
        assert sum(1 for j in engine.store_jobs() if j.type == "process-item") == 1
        return {}

    run_jobs(engine, {"process-item": process}, concurrency=3)

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert order == ["item-a", "item-b", "item-c"]
    assert view.variables["lastLabel"] == "item-c"
    assert "item" not in view.variables and "loopCounter" not in view.variables


def test_user_task_waits_for_completion_with_variables(engine: Engine) -> None:
    deploy(engine, "user-task.bpmn")
    instance = engine.start("user-task")
    view = engine.view(instance.id)
    (review,) = [a for a in view.activities if a.element_id == "Review"]
    assert review.state == "READY"

    engine.complete_user_task(instance.id, review.task_id, {"approved": True})

    final = engine.view(instance.id)
    assert final.instance["state"] == "completed"
    assert final.variables["approved"] is True


def test_open_user_tasks_are_listed_and_variables_can_be_edited(engine: Engine) -> None:
    deploy(engine, "user-task.bpmn")
    instance = engine.start("user-task", {"amount": 1}, business_key="B-1")

    (task,) = engine.user_tasks()
    assert task["instance_id"] == instance.id and task["element_id"] == "Review"
    assert task["business_key"] == "B-1"

    engine.set_variables(instance.id, {"amount": 2, "note": "checked"})
    engine.complete_user_task(instance.id, task["task_id"], {})
    assert engine.view(instance.id).variables == {"amount": 2, "note": "checked"}
    assert engine.user_tasks() == []


def test_date_timer_fires_at_the_given_instant(engine: Engine) -> None:
    from datetime import datetime, timedelta

    deploy(engine, "date-timer.bpmn")
    wake_at = datetime.now(UTC) + timedelta(seconds=0.3)
    instance = engine.start("date-timer", {"wake_at": wake_at.isoformat()})
    (timer,) = engine.view(instance.id).timers
    assert abs(timer["due_at"] - wake_at.timestamp()) < 0.01

    run_jobs(engine, {}, max_wait_s=2)

    assert engine.instance(instance.id).state == "completed"


def test_several_flows_out_of_an_activity_fork_in_parallel(engine: Engine) -> None:
    deploy(engine, "implicit-fork.bpmn")
    instance = engine.start("implicit-fork")
    sides: list[str] = []

    run_jobs(engine, {"side": lambda job: sides.append(job.element_id) or {}})

    assert sorted(sides) == ["Left", "Right"]
    assert engine.instance(instance.id).state == "completed"


def test_an_inclusive_join_after_a_parallel_join_waits_for_every_parallel_branch(engine: Engine) -> None:
    # The inclusive join sees the parallel branch still on its way through the parallel join's predicted path.
    body = (
        '<bpmn:startEvent id="start" /><bpmn:inclusiveGateway id="split" /><bpmn:parallelGateway id="fork" />'
        '<bpmn:userTask id="a" /><bpmn:userTask id="b" /><bpmn:userTask id="c" /><bpmn:parallelGateway id="join" />'
        '<bpmn:inclusiveGateway id="merge" /><bpmn:userTask id="after" /><bpmn:endEvent id="end" />'
        + flow("f_split_fork", "split", "fork", "= true")
        + flow("f_split_c", "split", "c", "= true")
        + chain(("start", "split"), ("fork", "a"), ("fork", "b"), ("a", "join"), ("b", "join"))
        + chain(("join", "merge"), ("c", "merge"), ("merge", "after"), ("after", "end"))
    )
    deploy_model(engine, "inclusive-after-join", body)
    instance = engine.start("inclusive-after-join")

    complete(engine, instance.id, "c")
    complete(engine, instance.id, "a")

    assert open_tasks(engine, instance.id) == ["b"]
    complete(engine, instance.id, "b")
    assert open_tasks(engine, instance.id) == ["after"]
    complete(engine, instance.id, "after")
    assert engine.instance(instance.id).state == "completed"


def test_a_parallel_gateway_entering_a_loop_lets_the_first_pass_through(engine: Engine) -> None:
    # Its loop-back input counts as arrived on the first pass, as SpiffWorkflow decides it.
    body = (
        '<bpmn:startEvent id="start" /><bpmn:parallelGateway id="entry" /><bpmn:userTask id="work" />'
        '<bpmn:exclusiveGateway id="again" default="f_again_end" /><bpmn:endEvent id="end" />'
        + flow("f_again_entry", "again", "entry", "= more")
        + chain(("start", "entry"), ("entry", "work"), ("work", "again"), ("again", "end"))
    )
    deploy_model(engine, "parallel-loop-entry", body)
    instance = engine.start("parallel-loop-entry")

    assert open_tasks(engine, instance.id) == ["work"]
    complete(engine, instance.id, "work", {"more": False})
    assert engine.instance(instance.id).state == "completed"
