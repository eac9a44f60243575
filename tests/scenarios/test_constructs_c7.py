"""Camunda 7 constructs, each drawn as Camunda Modeler 5 saves it (tests/data/constructs/c7-*.bpmn), run to the end.

The engine keeps no cache here, so every step reloads the instance from its rows:
each test is a save/reload round trip at every wait state. Elements are found by
the names drawn in the Modeler; their ids are the Modeler's generated ones.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.engine import Engine
from engine.forms import FormValidationError
from engine.handlers import BpmnError, JobContext
from steadyflow.errors import NotFoundError
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Construct, Jobs, form_tasklist, stock

# -- service tasks, mappings, retries ------------------------------------------------------------


def test_external_class_expression_and_delegate_expression_tasks_run_as_jobs_in_order(engine: Engine) -> None:
    Construct(engine, "c7-service-tasks.bpmn")
    instance = engine.start("c7-service-tasks", {"order": {"id": 7}})
    jobs = Jobs()

    run_jobs(
        engine,
        {
            "reserve-stock": jobs.answer({"reserved": True}),
            "com.example.shop.ChargeCard": jobs.answer({"charged": 99.5}),
            "shippingService.ship(order)": jobs.answer({"trackingNumber": "TRK-1"}),
            "notificationDelegate": jobs.answer({"notified": True}),
        },
    )

    assert jobs.types() == [
        "reserve-stock",
        "com.example.shop.ChargeCard",
        "shippingService.ship(order)",
        "notificationDelegate",
    ]
    assert dict(jobs.runs[0].headers) == {"warehouse": "berlin", "priority": "high"}  # extension properties
    assert jobs.seen("notificationDelegate")[0]["trackingNumber"] == "TRK-1"
    assert engine.instance(instance.id).state == "completed"
    assert engine.view(instance.id).variables == {
        "order": {"id": 7},
        "reserved": True,
        "charged": 99.5,
        "trackingNumber": "TRK-1",
        "notified": True,
    }


def test_input_output_parameters_with_text_expressions_lists_and_maps(engine: Engine) -> None:
    Construct(engine, "c7-io-mappings.bpmn")
    instance = engine.start("c7-io-mappings", {"size": 3, "team": "dba", "replicas": 2})
    jobs = Jobs()

    run_jobs(engine, {"provision": jobs.answer({"host": "db-7.internal", "status": "up"})})

    (seen,) = jobs.seen("provision")
    assert seen["region"] == "eu-west-1"
    assert seen["sizeGb"] == 30
    assert seen["tags"] == ["prod", "dba"]
    assert seen["settings"] == {"engine": "postgres", "replicas": 2}
    variables = engine.view(instance.id).variables
    assert variables["endpoint"] == "db-7.internal:5432"
    assert variables["ready"] is True
    assert variables["provisionedGb"] == 30  # output parameters see the input parameters
    assert not {"region", "sizeGb", "tags", "settings"} & set(variables)  # input parameters are local


def test_failed_job_retry_time_cycle_sets_the_attempts_and_a_fixed_interval(engine: Engine) -> None:
    construct = Construct(engine, "c7-retries.bpmn")
    instance = engine.start("c7-retries")
    attempts: list[int] = []

    def flaky(job: JobContext) -> dict[str, Any]:
        attempts.append(job.attempt)
        raise ConnectionError("API unavailable")

    run_jobs(engine, {"com.example.CallFlakyApi": flaky})

    assert attempts == [1, 2, 3]  # R3/PT0.1S
    failed = [e for e in engine.view(instance.id).history if e["type"] == "JobFailed"]
    delays = [e["data"]["next_attempt_at"] - e["at"] for e in failed if e["data"].get("next_attempt_at")]
    assert len(delays) == 2 and all(0.09 <= d <= 0.2 for d in delays)
    (incident,) = engine.incidents(instance.id)
    assert incident.element_id == construct.id_of("Call flaky API")

    engine.retry(instance.id)
    run_jobs(engine, {"com.example.CallFlakyApi": lambda job: {"called": True}})

    assert engine.instance(instance.id).state == "completed"
    assert engine.view(instance.id).variables["called"] is True


def test_async_before_and_after_are_accepted_and_the_process_runs_through(engine: Engine) -> None:
    construct = Construct(engine, "c7-async-continuations.bpmn")
    ready = engine.start("c7-async-continuations", {"ready": True})
    not_ready = engine.start("c7-async-continuations", {"ready": False})
    jobs = Jobs()

    run_jobs(engine, {"prepare": jobs.answer(), "finish": jobs.answer()})

    assert construct.warnings == []
    assert sorted(jobs.types()) == ["finish", "prepare", "prepare"]
    assert "Finished" in construct.completed(ready.id)
    assert "Not ready" in construct.completed(not_ready.id)
    assert {engine.instance(i.id).state for i in (ready, not_ready)} == {"completed"}


# -- multi-instance ---------------------------------------------------------------------------------


def test_parallel_multi_instance_runs_once_per_collection_element(engine: Engine) -> None:
    construct = Construct(engine, "c7-multi-instance-parallel.bpmn")
    instance = engine.start("c7-multi-instance-parallel", {"regions": ["eu", "us", "ap"]})
    jobs = Jobs()

    run_jobs(engine, {"create-database": jobs.answer()}, concurrency=3)

    (warning,) = construct.warnings  # results of parallel instances would overwrite each other
    assert "without an output collection" in warning.message
    assert warning.element_id == construct.id_of("Create database in region")
    assert sorted(seen["region"] for seen in jobs.seen("create-database")) == ["ap", "eu", "us"]
    assert "Created everywhere" in construct.completed(instance.id)
    assert "region" not in engine.view(instance.id).variables  # the element variable is local


def test_parallel_multi_instance_numbers_instances_from_zero_as_camunda7_does(engine: Engine) -> None:
    Construct(engine, "c7-multi-instance-parallel.bpmn")
    engine.start("c7-multi-instance-parallel", {"regions": ["eu", "us", "ap"]})
    jobs = Jobs()

    run_jobs(engine, {"create-database": jobs.answer()}, concurrency=3)

    assert {seen["region"]: seen["loopCounter"] for seen in jobs.seen("create-database")} == {
        "eu": 0,
        "us": 1,
        "ap": 2,
    }


def test_sequential_multi_instance_stops_when_the_completion_condition_holds(engine: Engine) -> None:
    construct = Construct(engine, "c7-multi-instance-sequential.bpmn")
    instance = engine.start("c7-multi-instance-sequential", {"reviewers": ["ann", "bob", "cid"]})
    asked: list[str] = []

    def review(job: JobContext) -> dict[str, Any]:
        asked.append(job.variables["reviewer"])
        return {"approvals": job.variables.get("approvals", 0) + 1}

    run_jobs(engine, {"ask-reviewer": review})

    assert asked == ["ann", "bob"]  # ${approvals >= 2} after bob
    variables = engine.view(instance.id).variables
    assert variables["approvals"] == 2
    assert "reviewer" not in variables
    assert "Reviewed" in construct.completed(instance.id)


# -- gateways ---------------------------------------------------------------------------------------


def test_inclusive_gateway_runs_every_true_branch_and_joins_once(engine: Engine) -> None:
    construct = Construct(engine, "c7-inclusive-gateway.bpmn")
    both = engine.start("c7-inclusive-gateway", {"notifyEmail": True, "notifySms": True})
    neither = engine.start("c7-inclusive-gateway", {"notifyEmail": False, "notifySms": False})
    jobs = Jobs()

    run_jobs(
        engine,
        {
            "send-email": jobs.answer({"emailed": True}),
            "send-sms": jobs.answer({"texted": True}),
            "log-only": jobs.answer({"logged": True}),
        },
    )

    assert sorted(job.job_type for job in jobs.runs if job.instance_id == both.id) == ["send-email", "send-sms"]
    assert [job.job_type for job in jobs.runs if job.instance_id == neither.id] == ["log-only"]
    both_view = engine.view(both.id)
    assert both_view.variables["emailed"] is True and both_view.variables["texted"] is True
    notified = [a for a in both_view.activities if a.element_id == construct.id_of("Notified")]
    assert [a.state for a in notified] == ["COMPLETED"]
    assert {engine.instance(i.id).state for i in (both, neither)} == {"completed"}


def test_event_based_gateway_follows_the_message_when_it_comes_first(engine: Engine) -> None:
    construct = Construct(engine, "c7-event-based-gateway.bpmn")
    instance = engine.start("c7-event-based-gateway", {"timeout": "PT10S"}, business_key="T-1")

    engine.correlate("answer-received", business_key="T-1", variables={"answer": "yes"})

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert construct.completed(instance.id) >= {"Answer received", "Answered"}
    assert "Timed out" not in construct.states(instance.id)
    assert view.variables["answer"] == "yes"
    assert view.timers == []


def test_event_based_gateway_follows_the_timer_when_no_message_comes(engine: Engine) -> None:
    construct = Construct(engine, "c7-event-based-gateway.bpmn")
    instance = engine.start("c7-event-based-gateway", {"timeout": "PT0.2S"}, business_key="T-2")

    run_jobs(engine, {}, max_wait_s=2)

    assert construct.completed(instance.id) >= {"Timeout", "Timed out"}
    with pytest.raises(NotFoundError):
        engine.correlate("answer-received", business_key="T-2")


# -- timers -------------------------------------------------------------------------------------------


def test_intermediate_timers_wait_for_a_duration_then_until_a_date(engine: Engine) -> None:
    construct = Construct(engine, "c7-timer-events.bpmn")
    started = time.time()
    wake_at = datetime.now(UTC) + timedelta(seconds=0.45)
    instance = engine.start("c7-timer-events", {"wakeAt": wake_at.isoformat()})
    (first,) = engine.view(instance.id).timers
    assert first["element_id"] == construct.id_of("Wait 0.3 s")
    assert first["due_at"] >= started + 0.3

    run_jobs(engine, {"resume": lambda job: {"resumedAt": time.time()}}, max_wait_s=2)

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert view.variables["resumedAt"] >= wake_at.timestamp()
    assert view.timers == []


# -- messages and signals -------------------------------------------------------------------------------


def test_message_catch_and_receive_task_correlate_by_business_key_and_by_variables(engine: Engine) -> None:
    construct = Construct(engine, "c7-message-catch.bpmn")
    other = engine.start("c7-message-catch", {"orderId": "ORD-1"}, business_key="ORD-1")
    target = engine.start("c7-message-catch", {"orderId": "ORD-2"}, business_key="ORD-2")

    engine.correlate("payment-received", business_key="ORD-2", variables={"paid": 99.5})
    assert construct.states(target.id)["Wait for shipment"] == "WAITING"
    engine.correlate("shipment-dispatched", correlation_variables={"orderId": "ORD-2"}, variables={"carrier": "dhl"})

    view = engine.view(target.id)
    assert view.instance["state"] == "completed"
    assert (view.variables["paid"], view.variables["carrier"]) == (99.5, "dhl")
    assert construct.states(other.id)["Payment received"] == "WAITING"


def test_message_boundary_interrupts_the_task_it_is_attached_to(engine: Engine) -> None:
    construct = Construct(engine, "c7-message-boundary.bpmn")
    instance = engine.start("c7-message-boundary", business_key="ORD-5")
    jobs = Jobs()

    engine.correlate("order-cancelled", business_key="ORD-5", variables={"reason": "changed mind"})
    run_jobs(engine, {"refund": jobs.answer({"refunded": True})})

    states = construct.states(instance.id)
    assert states["Pack order"] == "CANCELLED"
    assert {"Order cancelled", "Refund", "Cancelled"} <= construct.completed(instance.id)
    assert jobs.seen("refund")[0]["reason"] == "changed mind"
    assert engine.store_jobs(instance_id=instance.id, state="ready") == []
    assert engine.instance(instance.id).state == "completed"


def test_message_start_event_starts_an_instance_with_variables_and_business_key(engine: Engine) -> None:
    construct = Construct(engine, "c7-message-start.bpmn")

    (result,) = engine.correlate("order-placed", variables={"orderId": "A-1"}, business_key="ORD-9")
    run_jobs(engine, {"confirm-order": lambda job: {"confirmed": job.variables["orderId"]}})

    assert result["started"] is True
    instance = engine.instance(result["instance_id"])
    assert (instance.state, instance.business_key) == ("completed", "ORD-9")
    assert engine.view(instance.id).variables == {"orderId": "A-1", "confirmed": "A-1"}
    assert "Confirmed" in construct.completed(instance.id)


# -- escalation, errors, subprocesses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay_days", "expected_ends", "handed_over"),
    [
        (0, {"Delivered"}, True),
        (3, {"Delivered", "Apology sent"}, True),
        (20, {"Replacement sent"}, False),
    ],
)
def test_escalations_notify_without_interrupting_or_interrupt_the_subprocess(
    engine: Engine, delay_days: int, expected_ends: set[str], handed_over: bool
) -> None:
    construct = Construct(engine, "c7-escalation.bpmn")
    instance = engine.start("c7-escalation", {"delayDays": delay_days})
    jobs = Jobs()

    run_jobs(
        engine,
        {"hand-over": jobs.answer(), "apologise": jobs.answer(), "send-replacement": jobs.answer()},
    )

    ends = {"Delivered", "Apology sent", "Replacement sent"}
    assert construct.completed(instance.id) & ends == expected_ends
    assert ("hand-over" in jobs.types()) is handed_over
    assert engine.instance(instance.id).state == "completed"


def test_elements_no_token_reached_are_not_listed_as_activities(engine: Engine) -> None:
    construct = Construct(engine, "c7-error-boundary.bpmn")
    instance = engine.start("c7-error-boundary", {"sku": "B"})

    run_jobs(engine, {"check-stock": stock(False), "backorder": lambda job: {}})

    assert "Reserved" not in construct.states(instance.id)


def test_error_boundary_stores_the_error_code_and_message_in_the_named_variables(engine: Engine) -> None:
    Construct(engine, "c7-error-boundary.bpmn")
    engine.start("c7-error-boundary", {"sku": "B"})
    jobs = Jobs()

    def supplier_down(job: JobContext) -> dict[str, Any]:
        raise BpmnError("OUT_OF_STOCK", "supplier has none left")

    run_jobs(engine, {"check-stock": supplier_down, "backorder": jobs.answer()})

    (seen,) = jobs.seen("backorder")
    assert (seen.get("stockErrorCode"), seen.get("stockErrorMessage")) == ("OUT_OF_STOCK", "supplier has none left")


# -- call activity ---------------------------------------------------------------------------------------


def test_call_activity_passes_only_what_camunda_in_and_out_name(engine: Engine) -> None:
    construct = Construct(engine, "c7-call-activity-callee.bpmn", "c7-call-activity.bpmn")
    instance = engine.start("c7-call-activity", {"customerName": "Ada", "amount": 500, "secret": "s3cr3t"})
    jobs = Jobs()

    run_jobs(engine, {"score-customer": jobs.answer({"score": 720, "internalNote": "fine"})})

    assert jobs.seen("score-customer") == [{"name": "Ada", "limit": 1000}]
    variables = engine.view(instance.id).variables
    assert (variables["creditScore"], variables["creditworthy"]) == (720, True)
    assert not {"score", "internalNote", "name", "limit"} & set(variables)
    assert "Checked" in construct.completed(instance.id)


def test_call_activity_hands_the_business_key_to_the_called_instance(engine: Engine) -> None:
    Construct(engine, "c7-call-activity-callee.bpmn", "c7-call-activity.bpmn")
    engine.start("c7-call-activity", {"customerName": "Ada", "amount": 500}, business_key="LOAN-1")
    jobs = Jobs()

    run_jobs(engine, {"score-customer": jobs.answer({"score": 500})})

    assert [job.business_key for job in jobs.runs] == ["LOAN-1"]


# -- user task with a generated form -----------------------------------------------------------------------


def test_form_fields_are_read_with_types_defaults_enum_values_and_constraints(engine: Engine) -> None:
    Construct(engine, "c7-user-task-form.bpmn")
    instance = engine.start("c7-user-task-form")
    (task,) = engine.user_tasks(instance.id)

    fields = {f["id"]: f for f in form_tasklist(engine).task(task["task_id"])["fields"]}

    assert [fields[name]["type"] for name in ("approved", "amount", "tier", "comment")] == [
        "boolean",
        "long",
        "enum",
        "string",
    ]
    assert (fields["amount"]["minimum"], fields["amount"]["maximum"]) == (1, 1000)
    assert [o["value"] for o in fields["tier"]["options"]] == ["gold", "silver"]
    assert fields["comment"]["required"] is True
    assert (fields["comment"]["min_length"], fields["comment"]["max_length"]) == (3, 40)
    assert str(fields["amount"]["default"]) == "100" and fields["tier"]["default"] == "silver"


def test_form_submission_is_validated_then_typed_and_routes_the_process(engine: Engine) -> None:
    construct = Construct(engine, "c7-user-task-form.bpmn")
    instance = engine.start("c7-user-task-form")
    (task,) = engine.user_tasks(instance.id)
    tasklist = form_tasklist(engine)

    with pytest.raises(FormValidationError) as refused:
        tasklist.complete(task["task_id"], "demo", {"amount": "5000", "tier": "bronze", "comment": "no"})
    assert set(refused.value.field_errors) == {"amount", "tier", "comment"}
    assert engine.user_tasks(instance.id) != []

    tasklist.complete(
        task["task_id"], "demo", {"approved": "on", "amount": "250", "tier": "gold", "comment": "looks good"}
    )

    variables = engine.view(instance.id).variables
    assert variables == {"approved": True, "amount": 250, "tier": "gold", "comment": "looks good"}
    assert "Order approved" in construct.completed(instance.id)


def test_form_field_defaults_apply_when_the_field_is_not_submitted(engine: Engine) -> None:
    Construct(engine, "c7-user-task-form.bpmn")
    instance = engine.start("c7-user-task-form")
    (task,) = engine.user_tasks(instance.id)

    form_tasklist(engine).complete(task["task_id"], "demo", {"comment": "defaults please"})

    variables = engine.view(instance.id).variables
    assert (variables.get("amount"), variables.get("tier")) == (100, "silver")


# -- script, business rule and send tasks ----------------------------------------------------------------------


def test_message_throw_and_end_events_with_external_topics_become_jobs(engine: Engine) -> None:
    Construct(engine, "c7-message-throw-job.bpmn")
    instance = engine.start("c7-message-throw-job", {"orderId": "ORD-8"})
    jobs = Jobs()

    run_jobs(engine, {"publish-event": jobs.answer(), "publish-final-event": jobs.answer()})

    assert jobs.types() == ["publish-event", "publish-final-event"]
    assert engine.instance(instance.id).state == "completed"
