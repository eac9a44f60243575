"""Input/output mappings on elements that wait or end a path: user tasks, boundary, start, throw and end events.

Each model is saved as Camunda Modeler saves it; every step reloads the instance from its rows
(the ``engine`` fixture keeps nothing cached), so a scope entered while a task waits must survive that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bpmn.clock import ManualClock
from engine.engine import Engine
from engine.handlers import JobContext
from engine.modification import Instruction
from tests.conftest import deploy, run_jobs


def _open_task(engine: Engine, instance_id: str, element_id: str) -> str:
    (task,) = [t for t in engine.user_tasks(instance_id) if t["element_id"] == element_id]
    return str(task["task_id"])


def test_c8_user_task_inputs_are_the_tasks_local_variables_while_it_waits(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-user-task-io.bpmn")

    instance = engine.start("c8-user-task-io", {"customer": {"name": "Ada"}})

    task_id = _open_task(engine, instance.id, "Activity_Review")
    assert "customerName" not in engine.view(instance.id).variables  # the task's scope, not the process's
    seen = engine.task_variables(instance.id, task_id)
    assert seen.local == {"customerName": "Ada", "greeting": "Dear Ada"}  # the second input read the first
    assert seen.visible["customer"] == {"name": "Ada"} and seen.visible["greeting"] == "Dear Ada"


def test_c8_user_task_completion_variables_stay_local_and_only_outputs_reach_the_process(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-user-task-io.bpmn")
    instance = engine.start("c8-user-task-io", {"customer": {"name": "Ada"}, "review": {"by": "ops"}})

    engine.complete_user_task(
        instance.id, _open_task(engine, instance.id, "Activity_Review"), {"approved": True, "comment": "fine"}
    )

    _open_task(engine, instance.id, "Activity_Confirm")
    variables = engine.view(instance.id).variables
    assert variables["orderApproved"] is True
    assert variables["review"] == {"by": "ops", "greeting": "Dear Ada"}  # a nested target merges
    for local in ("approved", "comment", "customerName", "greeting"):
        assert local not in variables


def test_c7_user_task_inputs_are_local_and_completion_variables_reach_the_process(engine: Engine) -> None:
    deploy(engine, "io-mappings/c7-user-task-io.bpmn")
    instance = engine.start("c7-user-task-io", {"owner": "kim", "amount": 21, "limit": 5})
    task_id = _open_task(engine, instance.id, "Activity_Review")
    waiting = engine.task_variables(instance.id, task_id).visible
    assert waiting["reviewer"] == "kim"
    assert waiting["limit"] == 42  # the input shadows the process variable while the task waits
    process = engine.view(instance.id).variables
    assert process["limit"] == 5 and "reviewer" not in process

    engine.complete_user_task(instance.id, task_id, {"approved": True, "note": "ok", "limit": 99})

    _open_task(engine, instance.id, "Activity_Confirm")
    variables = engine.view(instance.id).variables
    assert variables["decision"] is True
    assert variables["reviewedBy"] == "kim"
    assert variables["approved"] is True  # Camunda 7 sets completion variables in the process, outputs or not
    assert variables["note"] == "ok"
    assert variables["limit"] == 5  # set on the task's local input variable: the process keeps its own
    assert "reviewer" not in variables


def test_c8_interrupting_message_boundary_event_outputs_replace_its_payload(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-boundary-io.bpmn")
    instance = engine.start("c8-boundary-io", {"orderId": "O-1"})

    engine.correlate("io-cancel", "O-1", {"reason": "changed mind", "by": "customer"})

    _open_task(engine, instance.id, "Activity_Refund")
    variables = engine.view(instance.id).variables
    assert variables["cancelReason"] == "changed mind"
    assert "reason" not in variables and "by" not in variables  # with outputs, the payload stays in the event
    assert "workNote" not in variables  # the interrupted task's input stayed in its scope
    assert not [t for t in engine.user_tasks(instance.id) if t["element_id"] == "Activity_Work"]


def test_c8_non_interrupting_timer_boundary_event_outputs_reach_the_process(make_engine: Callable[..., Engine]) -> None:
    clock = ManualClock()
    engine = make_engine(cache_capacity=0, clock=clock)
    deploy(engine, "io-mappings/c8-boundary-io.bpmn")
    instance = engine.start("c8-boundary-io", {"orderId": "O-2"})

    clock.advance("PT1H1S")
    engine.fire_due_timers("test")

    _open_task(engine, instance.id, "Activity_Work")  # not interrupted
    _open_task(engine, instance.id, "Activity_Chase")
    assert engine.view(instance.id).variables["reminder"] == "O-2-reminded"
    engine.complete_user_task(instance.id, _open_task(engine, instance.id, "Activity_Work"), {})
    engine.complete_user_task(instance.id, _open_task(engine, instance.id, "Activity_Chase"), {})
    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["reminder"] == "O-2-reminded"
    assert "workNote" not in variables


def test_c8_start_event_outputs_add_to_the_start_variables(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-start-end-io.bpmn")

    instance = engine.start("c8-start-end-io", {"amount": 5, "origin": {"country": "NL"}})

    _open_task(engine, instance.id, "Activity_Check")
    variables = engine.view(instance.id).variables
    assert variables["amount"] == 5  # the start variables stay
    assert variables["doubled"] == 10
    assert variables["origin"] == {"country": "NL", "channel": "web"}


def test_c8_throw_and_none_end_event_outputs_reach_the_process(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-start-end-io.bpmn")
    instance = engine.start("c8-start-end-io", {"amount": 5})
    assert engine.view(instance.id).variables["milestone"] == 11

    engine.complete_user_task(instance.id, _open_task(engine, instance.id, "Activity_Check"), {})

    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["final"] == 110
    assert variables["milestone"] == 11


def test_c8_message_end_event_job_sees_its_inputs_and_only_outputs_reach_the_process(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-message-end-job-io.bpmn")
    instance = engine.start("c8-message-end-job-io", {"email": "ada@example.com"})
    seen: list[dict[str, Any]] = []

    def notify(job: JobContext) -> dict[str, Any]:
        seen.append(dict(job.variables))
        return {"messageId": "M-1", "provider": "smtp"}

    run_jobs(engine, {"io-notify": notify})

    assert seen and seen[0]["recipient"] == "to:ada@example.com"
    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["notificationId"] == "M-1"
    assert "provider" not in variables and "messageId" not in variables
    assert "recipient" not in variables


def test_c8_operator_edit_while_a_mapped_user_task_waits_holds_after_it_completes(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-user-task-io.bpmn")
    instance = engine.start("c8-user-task-io", {"customer": {"name": "Ada"}, "priority": "low"})
    task_id = _open_task(engine, instance.id, "Activity_Review")

    engine.set_variables(instance.id, {"priority": "high"})
    engine.complete_user_task(instance.id, task_id, {"approved": False})

    variables = engine.view(instance.id).variables
    assert variables["priority"] == "high"  # outputs merge into the process scope as it is now, not as it was
    assert variables["orderApproved"] is False


def test_c7_operator_edit_of_a_variable_a_waiting_task_shadows_sets_the_process_variable(engine: Engine) -> None:
    deploy(engine, "io-mappings/c7-user-task-io.bpmn")
    instance = engine.start("c7-user-task-io", {"owner": "kim", "amount": 21, "limit": 5})
    task_id = _open_task(engine, instance.id, "Activity_Review")

    engine.set_variables(instance.id, {"limit": 7})
    engine.complete_user_task(instance.id, task_id, {"approved": True})

    assert engine.view(instance.id).variables["limit"] == 7


def test_moving_a_token_out_of_a_mapped_user_task_leaves_its_inputs_behind(engine: Engine) -> None:
    deploy(engine, "io-mappings/c8-user-task-io.bpmn")
    instance = engine.start("c8-user-task-io", {"customer": {"name": "Ada"}})

    engine.modify(instance.id, [Instruction("move", element_id="Activity_Review", target="Activity_Confirm")])

    _open_task(engine, instance.id, "Activity_Confirm")
    assert engine.view(instance.id).variables == {"customer": {"name": "Ada"}}
