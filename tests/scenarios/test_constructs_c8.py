"""Camunda 8 constructs, each drawn as Camunda Modeler 5 saves it (tests/data/constructs/c8-*.bpmn), run to the end.

As in the Camunda 7 module (whose helpers this one shares), every step reloads the
instance from its rows, and elements are found by the names drawn in the Modeler.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.engine import Engine
from engine.forms import FormValidationError
from engine.handlers import JobContext
from steadyflow.errors import NotFoundError
from tests.conftest import run_jobs
from tests.scenarios.constructs_support import Construct, Jobs, form_tasklist

# -- service tasks, mappings, retries ------------------------------------------------------------


def test_task_definitions_with_headers_and_a_feel_job_type_run_as_jobs_in_order(engine: Engine) -> None:
    Construct(engine, "c8-service-tasks.bpmn")
    instance = engine.start("c8-service-tasks", {"carrier": "dhl"})
    jobs = Jobs()

    run_jobs(
        engine,
        {
            "reserve-stock": jobs.answer({"reserved": True}),
            "charge-card": jobs.answer({"charged": 99.5}),
            "ship-dhl": jobs.answer({"trackingNumber": "TRK-1"}),
            "notify-customer": jobs.answer({"notified": True}),
        },
    )

    assert jobs.types() == ["reserve-stock", "charge-card", "ship-dhl", "notify-customer"]
    assert dict(jobs.runs[0].headers) == {"warehouse": "berlin", "priority": "high"}
    assert dict(jobs.runs[1].headers) == {}
    assert jobs.seen("notify-customer")[0]["trackingNumber"] == "TRK-1"
    assert engine.view(instance.id).variables == {
        "carrier": "dhl",
        "reserved": True,
        "charged": 99.5,
        "trackingNumber": "TRK-1",
        "notified": True,
    }


def test_io_mapping_with_feel_sources_and_dotted_targets(engine: Engine) -> None:
    Construct(engine, "c8-io-mappings.bpmn")
    customer = {"name": "Ada", "email": "ada@example.com"}
    instance = engine.start("c8-io-mappings", {"size": 3, "team": "dba", "replicas": 2, "customer": customer})
    jobs = Jobs()

    run_jobs(engine, {"provision": jobs.answer({"host": "db-7.internal", "status": "up"})})

    (seen,) = jobs.seen("provision")
    assert seen["region"] == "eu-west-1"
    assert seen["sizeGb"] == 30
    assert seen["owner"] == {"name": "Ada", "email": "ada@example.com"}
    assert seen["tags"] == ["prod", "dba"]
    assert seen["settings"] == {"engine": "postgres", "replicas": 2}
    variables = engine.view(instance.id).variables
    assert variables["endpoint"] == "db-7.internal:5432"
    assert variables["database"] == {"ready": True, "sizeGb": 30}
    assert not {"region", "sizeGb", "owner", "tags", "settings"} & set(variables)  # inputs are local
    assert not {"host", "status"} & set(variables)  # with output mappings, only mapped values leave


def test_task_definition_retries_then_an_incident_then_retry_after_the_fix(engine: Engine) -> None:
    construct = Construct(engine, "c8-retries.bpmn")
    instance = engine.start("c8-retries")
    attempts: list[int] = []
    fixed = False

    def flaky(job: JobContext) -> dict[str, Any]:
        attempts.append(job.attempt)
        if not fixed:
            raise ConnectionError("API unavailable")
        return {"called": True}

    run_jobs(engine, {"call-flaky-api": flaky})

    assert attempts == [1, 2]  # retries="2"
    (incident,) = engine.incidents(instance.id)
    assert incident.element_id == construct.id_of("Call flaky API")
    assert "API unavailable" in incident.message

    fixed = True
    engine.retry(instance.id)
    run_jobs(engine, {"call-flaky-api": flaky})

    assert engine.instance(instance.id).state == "completed"
    assert engine.view(instance.id).variables["called"] is True


# -- multi-instance ---------------------------------------------------------------------------------


def test_parallel_multi_instance_collects_outputs_in_input_order(engine: Engine) -> None:
    construct = Construct(engine, "c8-multi-instance-parallel.bpmn")
    instance = engine.start("c8-multi-instance-parallel", {"regions": ["eu", "us", "ap"]})
    counters: dict[str, int] = {}

    def create(job: JobContext) -> dict[str, Any]:
        region = job.variables["region"]
        counters[region] = job.variables["loopCounter"]
        time.sleep(0.05 if region == "eu" else 0)  # finish out of order
        return {"endpoint": f"db.{region}.example"}

    run_jobs(engine, {"create-database": create}, concurrency=3)

    variables = engine.view(instance.id).variables
    assert variables["endpoints"] == ["db.eu.example", "db.us.example", "db.ap.example"]
    assert counters == {"eu": 1, "us": 2, "ap": 3}
    assert "region" not in variables and "loopCounter" not in variables
    assert "Created everywhere" in construct.completed(instance.id)


def test_sequential_multi_instance_stops_when_the_completion_condition_holds(engine: Engine) -> None:
    construct = Construct(engine, "c8-multi-instance-sequential.bpmn")
    instance = engine.start("c8-multi-instance-sequential", {"reviewers": ["ann", "bob", "cid"]})
    asked: list[str] = []

    def review(job: JobContext) -> dict[str, Any]:
        asked.append(job.variables["reviewer"])
        return {"decision": "reject" if job.variables["reviewer"] == "bob" else "approve"}

    run_jobs(engine, {"ask-reviewer": review})

    assert asked == ["ann", "bob"]  # =decision = "reject" after bob
    variables = engine.view(instance.id).variables
    assert variables["decisions"] == ["approve", "reject", None]
    assert "reviewer" not in variables
    assert "Reviewed" in construct.completed(instance.id)


# -- gateways ---------------------------------------------------------------------------------------


def test_inclusive_gateway_runs_every_true_branch_and_joins_once(engine: Engine) -> None:
    construct = Construct(engine, "c8-inclusive-gateway.bpmn")
    both = engine.start("c8-inclusive-gateway", {"channels": ["email", "sms"]})
    neither = engine.start("c8-inclusive-gateway", {"channels": []})
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


def test_event_based_gateway_follows_the_message_with_its_correlation_key(engine: Engine) -> None:
    construct = Construct(engine, "c8-event-based-gateway.bpmn")
    other = engine.start("c8-event-based-gateway", {"ticketId": "T-0", "timeout": "PT10S"})
    instance = engine.start("c8-event-based-gateway", {"ticketId": "T-1", "timeout": "PT10S"})

    engine.correlate("answer-received", "T-1", {"answer": "yes"})

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert construct.completed(instance.id) >= {"Answer received", "Answered"}
    assert "Timed out" not in construct.states(instance.id)
    assert view.variables["answer"] == "yes"
    assert view.timers == []
    assert engine.instance(other.id).state == "running"


def test_event_based_gateway_follows_the_timer_when_no_message_comes(engine: Engine) -> None:
    construct = Construct(engine, "c8-event-based-gateway.bpmn")
    instance = engine.start("c8-event-based-gateway", {"ticketId": "T-2", "timeout": "PT0.2S"})

    run_jobs(engine, {}, max_wait_s=2)

    assert construct.completed(instance.id) >= {"Timeout", "Timed out"}
    with pytest.raises(NotFoundError):
        engine.correlate("answer-received", "T-2", start_instances=False)


# -- timers -------------------------------------------------------------------------------------------


def test_intermediate_timers_wait_for_a_feel_duration_then_until_a_feel_date(engine: Engine) -> None:
    construct = Construct(engine, "c8-timer-events.bpmn")
    started = time.time()
    wake_at = datetime.now(UTC) + timedelta(seconds=0.45)
    instance = engine.start("c8-timer-events", {"wakeAt": wake_at.isoformat()})
    (first,) = engine.view(instance.id).timers
    assert first["element_id"] == construct.id_of("Wait 0.3 s")
    assert first["due_at"] >= started + 0.3

    run_jobs(engine, {"resume": lambda job: {"resumedAt": time.time()}}, max_wait_s=2)

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    assert view.variables["resumedAt"] >= wake_at.timestamp()
    assert view.timers == []


# -- messages and signals -------------------------------------------------------------------------------


def test_message_catch_and_receive_task_correlate_by_their_subscription_keys(engine: Engine) -> None:
    construct = Construct(engine, "c8-message-catch.bpmn")
    other = engine.start("c8-message-catch", {"orderId": "ORD-1"})
    target = engine.start("c8-message-catch", {"orderId": "ORD-2"})

    engine.correlate("payment-received", "ORD-2", {"paid": 99.5, "trackingNumber": "TRK-9"})
    assert construct.states(target.id)["Wait for shipment"] == "WAITING"
    engine.correlate("shipment-dispatched", "TRK-9", {"carrier": "dhl"})  # key from the payment's variables

    view = engine.view(target.id)
    assert view.instance["state"] == "completed"
    assert (view.variables["paid"], view.variables["carrier"]) == (99.5, "dhl")
    assert construct.states(other.id)["Payment received"] == "WAITING"


def test_message_boundary_interrupts_the_task_it_is_attached_to(engine: Engine) -> None:
    construct = Construct(engine, "c8-message-boundary.bpmn")
    instance = engine.start("c8-message-boundary", {"orderId": "ORD-5"})
    jobs = Jobs()

    engine.correlate("order-cancelled", "ORD-5", {"reason": "changed mind"})
    run_jobs(engine, {"refund": jobs.answer({"refunded": True})})

    states = construct.states(instance.id)
    assert states["Pack order"] == "CANCELLED"
    assert {"Order cancelled", "Refund", "Cancelled"} <= construct.completed(instance.id)
    assert jobs.seen("refund")[0]["reason"] == "changed mind"
    assert engine.store_jobs(instance_id=instance.id, state="ready") == []
    assert engine.instance(instance.id).state == "completed"


def test_message_start_event_starts_an_instance_with_the_message_variables(engine: Engine) -> None:
    construct = Construct(engine, "c8-message-start.bpmn")

    (result,) = engine.correlate("order-placed", variables={"orderId": "A-1"})
    run_jobs(engine, {"confirm-order": lambda job: {"confirmed": job.variables["orderId"]}})

    assert result["started"] is True
    assert engine.instance(result["instance_id"]).state == "completed"
    assert engine.view(result["instance_id"]).variables == {"orderId": "A-1", "confirmed": "A-1"}
    assert "Confirmed" in construct.completed(result["instance_id"])


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
    construct = Construct(engine, "c8-escalation.bpmn")
    instance = engine.start("c8-escalation", {"delayDays": delay_days})
    jobs = Jobs()

    run_jobs(
        engine,
        {"hand-over": jobs.answer(), "apologise": jobs.answer(), "send-replacement": jobs.answer()},
    )

    ends = {"Delivered", "Apology sent", "Replacement sent"}
    assert construct.completed(instance.id) & ends == expected_ends
    assert ("hand-over" in jobs.types()) is handed_over
    assert engine.instance(instance.id).state == "completed"


# -- call activity ---------------------------------------------------------------------------------------


def test_call_activity_maps_inputs_and_outputs_without_propagating_child_variables(engine: Engine) -> None:
    construct = Construct(engine, "c8-call-activity-callee.bpmn", "c8-call-activity.bpmn")
    customer = {"name": "Ada"}
    instance = engine.start("c8-call-activity", {"customer": customer, "amount": 500})
    jobs = Jobs()

    run_jobs(engine, {"score-customer": jobs.answer({"score": 720, "internalNote": "fine"})})

    (seen,) = jobs.seen("score-customer")
    assert (seen["name"], seen["limit"]) == ("Ada", 1000)
    assert seen["customer"] == customer  # parent variables are propagated by default
    variables = engine.view(instance.id).variables
    assert (variables["creditScore"], variables["creditworthy"]) == (720, True)
    assert not {"score", "internalNote", "name", "limit"} & set(variables)
    assert "Checked" in construct.completed(instance.id)


# -- user task with an embedded Camunda Form -----------------------------------------------------------------


def test_embedded_form_fields_are_read_with_types_defaults_options_and_validation(engine: Engine) -> None:
    Construct(engine, "c8-user-task-form.bpmn")
    instance = engine.start("c8-user-task-form")
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
    assert (fields["approved"]["default"], fields["amount"]["default"], fields["tier"]["default"]) == (
        False,
        100,
        "silver",
    )


def test_form_submission_is_validated_then_typed_and_routes_the_process(engine: Engine) -> None:
    construct = Construct(engine, "c8-user-task-form.bpmn")
    instance = engine.start("c8-user-task-form")
    (task,) = engine.user_tasks(instance.id)
    tasklist = form_tasklist(engine)

    with pytest.raises(FormValidationError) as refused:
        tasklist.complete(task["task_id"], "demo", {"amount": 5000, "tier": "bronze", "comment": "no"})
    assert set(refused.value.field_errors) == {"amount", "tier", "comment"}
    assert engine.user_tasks(instance.id) != []

    tasklist.complete(
        task["task_id"], "demo", {"approved": False, "amount": 250, "tier": "gold", "comment": "too much"}
    )

    variables = engine.view(instance.id).variables
    assert variables == {"approved": False, "amount": 250, "tier": "gold", "comment": "too much"}
    assert "Order rejected" in construct.completed(instance.id)


# -- script, business rule and send tasks, message throw jobs ----------------------------------------------------


def test_message_throw_and_end_events_with_task_definitions_become_jobs(engine: Engine) -> None:
    Construct(engine, "c8-message-throw-job.bpmn")
    instance = engine.start("c8-message-throw-job", {"orderId": "ORD-8"})
    jobs = Jobs()

    run_jobs(engine, {"publish-event": jobs.answer({"published": 1}), "publish-final-event": jobs.answer()})

    assert jobs.types() == ["publish-event", "publish-final-event"]
    assert jobs.seen("publish-final-event")[0]["published"] == 1
    assert engine.instance(instance.id).state == "completed"


def test_link_events_continue_at_the_catching_link_of_the_same_name(engine: Engine) -> None:
    construct = Construct(engine, "c8-link-events.bpmn")
    instance = engine.start("c8-link-events")
    jobs = Jobs()

    run_jobs(engine, {"provision": jobs.answer({"host": "db-1"}), "announce": jobs.answer()})

    assert engine.instance(instance.id).state == "completed"
    assert {"To page 2", "Page 2", "Announce", "Done"} <= construct.completed(instance.id)
    (announced,) = jobs.seen("announce")
    assert announced["host"] == "db-1"
