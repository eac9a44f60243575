"""Timers, gateways with conditions and I/O mappings, sequential multi-instance, user tasks."""

from __future__ import annotations

import time
from datetime import UTC
from typing import Any

import pytest

from bpmn.specs.parallel_gateway import IndexedParallelGateway
from engine.engine import Engine
from engine.handlers import JobContext
from steadyflow.errors import NotFoundError
from tests.conftest import deploy, history_types, run_jobs
from tests.scenarios.parallel_join_models import FORK_JOIN, chain, complete, deploy_model, flow, open_tasks


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


def test_a_fork_in_a_fork_joins_inner_then_outer_and_a_join_right_after_a_join_fires_once(engine: Engine) -> None:
    body = (
        '<bpmn:startEvent id="start" /><bpmn:parallelGateway id="outer_fork" /><bpmn:parallelGateway id="inner_fork" />'
        '<bpmn:userTask id="a" /><bpmn:userTask id="b" /><bpmn:userTask id="c" />'
        '<bpmn:parallelGateway id="inner_join" /><bpmn:parallelGateway id="outer_join" />'
        '<bpmn:userTask id="after" /><bpmn:endEvent id="end" />'
        + chain(("start", "outer_fork"), ("outer_fork", "inner_fork"), ("outer_fork", "c"))
        + chain(("inner_fork", "a"), ("inner_fork", "b"), ("a", "inner_join"), ("b", "inner_join"))
        + chain(("inner_join", "outer_join"), ("c", "outer_join"), ("outer_join", "after"), ("after", "end"))
    )
    deploy_model(engine, "nested-joins", body)
    instance = engine.start("nested-joins")

    complete(engine, instance.id, "a", {"va": 1})
    complete(engine, instance.id, "c", {"vc": 3})
    assert open_tasks(engine, instance.id) == ["b"]
    complete(engine, instance.id, "b", {"vb": 2})

    assert open_tasks(engine, instance.id) == ["after"]
    assert engine.view(instance.id).variables == {"va": 1, "vb": 2, "vc": 3}
    complete(engine, instance.id, "after")
    assert engine.instance(instance.id).state == "completed"


def test_a_join_into_a_task_with_a_boundary_message_arms_it_when_the_join_fires(engine: Engine) -> None:
    body = (
        FORK_JOIN.replace('<bpmn:endEvent id="end" />', "")
        + '<bpmn:boundaryEvent id="stopped" attachedToRef="after"><bpmn:messageEventDefinition messageRef="stop" />'
        '</bpmn:boundaryEvent><bpmn:endEvent id="end" /><bpmn:endEvent id="aborted" />' + chain(("stopped", "aborted"))
    )
    deploy_model(engine, "join-boundary", body, ("stop",))
    instance = engine.start("join-boundary")
    for element in ("a", "b"):
        complete(engine, instance.id, element)
    with pytest.raises(NotFoundError):  # nobody waits for it while the join does
        engine.correlate("stop")

    complete(engine, instance.id, "c")

    assert open_tasks(engine, instance.id) == ["after"]
    engine.correlate("stop")
    assert engine.instance(instance.id).state == "completed"
    assert "aborted" in {a.element_id for a in engine.view(instance.id).activities}


def test_a_join_into_an_event_based_gateway_waits_for_the_events_only_once_it_fires(engine: Engine) -> None:
    body = (
        FORK_JOIN.replace(chain(("join", "after")), chain(("join", "choice")))
        + '<bpmn:eventBasedGateway id="choice" /><bpmn:intermediateCatchEvent id="went">'
        '<bpmn:messageEventDefinition messageRef="go" /></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>'
        '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:endEvent id="timed_out" />'
        + chain(("choice", "went"), ("choice", "late"), ("went", "after"), ("late", "timed_out"))
    )
    deploy_model(engine, "join-event-gateway", body, ("go",))
    instance = engine.start("join-event-gateway")
    for element in ("a", "b"):
        complete(engine, instance.id, element)
    assert engine.view(instance.id).timers == []
    with pytest.raises(NotFoundError):
        engine.correlate("go")

    complete(engine, instance.id, "c")

    assert len(engine.view(instance.id).timers) == 1
    engine.correlate("go")
    assert open_tasks(engine, instance.id) == ["after"]
    assert engine.view(instance.id).timers == []


def test_an_instance_stored_with_predictions_below_its_waiting_join_continues_after_an_upgrade(
    make_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before the join deferred its prediction, each of its tasks held a copy of the path after it.
    monkeypatch.setattr(IndexedParallelGateway, "_defers_prediction", property(lambda self: False))
    first = make_engine()
    deploy_model(first, "fork-join", FORK_JOIN)
    instance = first.start("fork-join")
    complete(first, instance.id, "a", {"va": 1})
    complete(first, instance.id, "b", {"vb": 2})
    with first.db.read() as conn:
        assert "after" in {row.element_id for row in first.store.task_rows(conn, instance.id)}
    first.close()
    monkeypatch.undo()

    fresh = make_engine(cache_capacity=0)
    complete(fresh, instance.id, "c", {"vc": 3})

    assert open_tasks(fresh, instance.id) == ["after"]
    assert fresh.view(instance.id).variables == {"va": 1, "vb": 2, "vc": 3}
    complete(fresh, instance.id, "after")
    assert fresh.instance(instance.id).state == "completed"


def test_a_fork_and_join_inside_a_loop_join_each_pass_once(engine: Engine) -> None:
    body = (
        '<bpmn:startEvent id="start" /><bpmn:parallelGateway id="fork" /><bpmn:userTask id="a" />'
        '<bpmn:userTask id="b" /><bpmn:parallelGateway id="join" /><bpmn:userTask id="after" />'
        '<bpmn:exclusiveGateway id="again" default="f_again_end" /><bpmn:endEvent id="end" />'
        + flow("f_again_fork", "again", "fork", "= more")
        + chain(("start", "fork"), ("fork", "a"), ("fork", "b"), ("a", "join"), ("b", "join"))
        + chain(("join", "after"), ("after", "again"), ("again", "end"))
    )
    deploy_model(engine, "join-in-loop", body)
    instance = engine.start("join-in-loop")

    for more in (True, False):
        complete(engine, instance.id, "b")
        assert open_tasks(engine, instance.id) == ["a"]
        complete(engine, instance.id, "a")
        assert open_tasks(engine, instance.id) == ["after"]
        complete(engine, instance.id, "after", {"more": more})

    assert engine.instance(instance.id).state == "completed"
