"""Constructs that Camunda 7 and Camunda 8 models express alike: one test, run on both flavours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bpmn.clock import ManualClock
from engine.engine import Engine
from engine.forms import FormValidationError
from engine.handlers import BpmnError, JobContext
from tests.conftest import history_types, run_jobs
from tests.scenarios.constructs_support import Construct, Jobs, form_tasklist, stock

pytestmark = pytest.mark.parametrize("flavour", ["c7", "c8"])


def test_exclusive_gateway_takes_the_first_true_condition_or_the_default_flow(engine: Engine, flavour: str) -> None:
    construct = Construct(engine, f"{flavour}-exclusive-gateway.bpmn")
    big = engine.start(f"{flavour}-exclusive-gateway", {"amount": 250, "customer": {"vip": True}})
    vip = engine.start(f"{flavour}-exclusive-gateway", {"amount": 80, "customer": {"vip": True}})
    small = engine.start(f"{flavour}-exclusive-gateway", {"amount": 80, "customer": {"vip": False}})
    jobs = Jobs()

    run_jobs(engine, {"approve-order": jobs.answer({"approvedBy": "ops"})})

    ends = {"Approved", "Fast-tracked", "Auto-approved"}
    assert construct.completed(big.id) & ends == {"Approved"}
    assert construct.completed(vip.id) & ends == {"Fast-tracked"}
    assert construct.completed(small.id) & ends == {"Auto-approved"}
    assert [seen["amount"] for seen in jobs.seen("approve-order")] == [250]
    assert engine.view(big.id).variables["approvedBy"] == "ops"


def test_parallel_gateway_joins_once_when_every_branch_is_done(engine: Engine, flavour: str) -> None:
    Construct(engine, f"{flavour}-parallel-gateway.bpmn")
    instance = engine.start(f"{flavour}-parallel-gateway", {"applicant": "ada"})
    jobs = Jobs()

    run_jobs(
        engine,
        {
            "check-credit": jobs.answer({"creditOk": True}),
            "check-identity": jobs.answer({"identityOk": True}),
            "check-address": jobs.answer({"addressOk": False}),
            "decide": jobs.answer({"decided": True}),
        },
        concurrency=3,
    )

    (decision,) = jobs.seen("decide")
    assert (decision["creditOk"], decision["identityOk"], decision["addressOk"]) == (True, True, False)
    assert engine.instance(instance.id).state == "completed"


def test_non_interrupting_timer_cycle_reminds_twice_then_the_interrupting_timer_gives_up(
    make_engine: Callable[..., Engine], flavour: str
) -> None:
    # R2/PT0.1S reminds at 0.1 s and 0.2 s, PT0.4S interrupts: the clock moves only when told, so a slow
    # machine cannot let the interrupting timer come due before the reminders have run.
    clock = ManualClock()
    engine = make_engine(cache_capacity=0, clock=clock)
    construct = Construct(engine, f"{flavour}-timer-boundary.bpmn")
    instance = engine.start(f"{flavour}-timer-boundary")
    jobs = Jobs()
    remind = {"send-reminder": jobs.answer({"reminded": True})}  # nobody processes payment

    for seconds in (0.1, 0.1, 0.2):
        clock.advance(seconds)
        run_jobs(engine, remind, max_wait_s=0)

    states = construct.states(instance.id)
    assert jobs.types() == ["send-reminder", "send-reminder"]  # R2/PT0.1S, then PT0.4S interrupts
    assert states["Process payment"] == "CANCELLED"
    assert {"Reminder sent", "Timed out"} <= construct.completed(instance.id)
    assert "Paid" not in states
    assert engine.instance(instance.id).state == "completed"
    assert engine.store_jobs(instance_id=instance.id, state="ready") == []


def test_timer_boundaries_are_dropped_when_the_task_finishes_first(
    make_engine: Callable[..., Engine], flavour: str
) -> None:
    # The clock stands still: the task finishes first however slow the machine (the timers are 0.1-0.4 s).
    clock = ManualClock()
    engine = make_engine(cache_capacity=0, clock=clock)
    construct = Construct(engine, f"{flavour}-timer-boundary.bpmn")
    instance = engine.start(f"{flavour}-timer-boundary")
    jobs = Jobs()

    run_jobs(engine, {"process-payment": jobs.answer({"paid": True}), "send-reminder": jobs.answer()})
    clock.advance(10)  # long past every timer: none of them is left to fire
    engine.fire_due_timers("test")
    run_jobs(engine, {"send-reminder": jobs.answer()})

    assert jobs.types() == ["process-payment"]
    assert construct.completed(instance.id) & {"Paid", "Reminder sent", "Timed out"} == {"Paid"}
    assert engine.view(instance.id).timers == []


def test_signal_thrown_in_one_pool_reaches_every_instance_waiting_in_the_other(engine: Engine, flavour: str) -> None:
    construct = Construct(engine, f"{flavour}-signal-events.bpmn")
    waiting = [engine.start(f"{flavour}-signal-catch", {"backorder": n}).id for n in range(2)]
    thrower = engine.start(f"{flavour}-signal-throw")
    jobs = Jobs()

    run_jobs(engine, {"book-goods-in": jobs.answer(), "ship-backorder": jobs.answer()})

    assert sorted(seen["backorder"] for seen in jobs.seen("ship-backorder")) == [0, 1]
    assert all("Backorder shipped" in construct.completed(i) for i in waiting)
    assert "Goods booked" in construct.completed(thrower.id)


def test_error_end_event_in_a_subprocess_is_caught_by_the_boundary_on_it(engine: Engine, flavour: str) -> None:
    construct = Construct(engine, f"{flavour}-error-boundary.bpmn")
    available = engine.start(f"{flavour}-error-boundary", {"sku": "A"})
    missing = engine.start(f"{flavour}-error-boundary", {"sku": "B"})
    jobs = Jobs()

    run_jobs(
        engine,
        {"check-stock": lambda job: {"inStock": job.variables["sku"] == "A"}, "backorder": jobs.answer()},
    )

    assert "Reserved" in construct.completed(available.id)
    missing_path = construct.completed(missing.id)
    assert {"Report out of stock", "Out of stock", "Backordered"} <= missing_path
    assert "Reserved" not in missing_path
    assert [seen["sku"] for seen in jobs.seen("backorder")] == ["B"]
    assert engine.instance(missing.id).state == "completed"


def test_subprocess_left_through_an_error_boundary_is_shown_cancelled(engine: Engine, flavour: str) -> None:
    construct = Construct(engine, f"{flavour}-error-boundary.bpmn")
    instance = engine.start(f"{flavour}-error-boundary", {"sku": "B"})

    run_jobs(engine, {"check-stock": stock(False), "backorder": lambda job: {}})

    assert construct.states(instance.id)["Reserve items"] == "CANCELLED"
    subprocess = next(element for element, name in construct.names.items() if name == "Reserve items")
    assert history_types(engine, instance.id, subprocess)[-1] == "ActivityCancelled"


def test_bpmn_error_from_a_job_inside_the_subprocess_reaches_the_boundary(engine: Engine, flavour: str) -> None:
    construct = Construct(engine, f"{flavour}-error-boundary.bpmn")
    instance = engine.start(f"{flavour}-error-boundary", {"sku": "C"})

    def supplier_down(job: JobContext) -> dict[str, Any]:
        raise BpmnError("OUT_OF_STOCK", "supplier has none left")

    run_jobs(engine, {"check-stock": supplier_down, "backorder": lambda job: {}})

    completed = construct.completed(instance.id)
    assert "Backordered" in completed and "Reserved" not in completed
    assert engine.instance(instance.id).state == "completed"


def test_error_event_subprocess_handles_the_error_a_job_throws(engine: Engine, flavour: str) -> None:
    construct = Construct(engine, f"{flavour}-error-event-subprocess.bpmn")
    instance = engine.start(f"{flavour}-error-event-subprocess", {"orderId": "ORD-3"})
    jobs = Jobs()

    def decline(job: JobContext) -> dict[str, Any]:
        raise BpmnError("PAYMENT_FAILED", "card expired", {"declineReason": "expired"})

    run_jobs(engine, {"charge-card": decline, "notify-customer": jobs.answer({"customerNotified": True})})

    (seen,) = jobs.seen("notify-customer")
    assert seen["orderId"] == "ORD-3"
    assert seen["declineReason"] == "expired"
    completed = construct.completed(instance.id)
    assert {"Handle payment failure", "Payment failed", "Customer notified"} <= completed
    assert "Charged" not in completed
    assert construct.states(instance.id)["Charge card"] == "CANCELLED"
    assert engine.instance(instance.id).state == "completed"


def test_embedded_subprocess_runs_its_tasks_and_its_variables_reach_the_process(engine: Engine, flavour: str) -> None:
    construct = Construct(engine, f"{flavour}-embedded-subprocess.bpmn")
    instance = engine.start(f"{flavour}-embedded-subprocess", {"orderId": "ORD-4"})
    jobs = Jobs()

    run_jobs(
        engine,
        {
            "pick-items": jobs.answer({"items": 3}),
            "pack-parcel": jobs.answer({"parcelId": "P-1"}),
            "ship-parcel": jobs.answer({"shipped": True}),
        },
    )

    assert jobs.types() == ["pick-items", "pack-parcel", "ship-parcel"]
    assert jobs.seen("pack-parcel")[0]["items"] == 3
    assert jobs.seen("ship-parcel")[0]["parcelId"] == "P-1"
    assert {"Prepare shipment", "Shipped"} <= construct.completed(instance.id)


@pytest.mark.parametrize(("quantity", "total", "shipping"), [(2, 102.0, 0), (1, 62.0, 4.95)])
def test_script_tasks_store_their_result_variables(
    engine: Engine, flavour: str, quantity: int, total: float, shipping: float
) -> None:
    Construct(engine, f"{flavour}-script-task.bpmn")
    items = [{"price": 40, "quantity": quantity}, {"price": 5.5, "quantity": 4}]

    instance = engine.start(f"{flavour}-script-task", {"items": items})

    variables = engine.view(instance.id).variables
    assert engine.instance(instance.id).state == "completed"
    assert (variables["total"], variables["shipping"]) == (total, shipping)


def test_business_rule_and_send_tasks_with_a_job_definition_become_jobs(engine: Engine, flavour: str) -> None:
    Construct(engine, f"{flavour}-rule-and-send-tasks.bpmn")
    instance = engine.start(f"{flavour}-rule-and-send-tasks", {"amount": 40})
    jobs = Jobs()

    run_jobs(engine, {"score-risk": jobs.answer({"risk": "low"}), "send-confirmation": jobs.answer({"sent": True})})

    assert jobs.types() == ["score-risk", "send-confirmation"]
    assert jobs.seen("send-confirmation")[0]["risk"] == "low"
    assert engine.view(instance.id).variables == {"amount": 40, "risk": "low", "sent": True}


def test_start_form_fields_are_checked_typed_and_become_the_only_start_variables(engine: Engine, flavour: str) -> None:
    Construct(engine, f"{flavour}-start-form.bpmn")
    tasklist = form_tasklist(engine)
    _, fields = tasklist.start_form(f"{flavour}-start-form")
    assert [(f.id, f.type, f.required) for f in fields] == [
        ("database", "string", True),
        ("replicas", "long", False),
        ("engine", "enum", False),
    ]

    instance = tasklist.start(
        f"{flavour}-start-form", {"database": "orders", "replicas": "3", "debug": "x"}, business_key="REQ-7"
    )

    variables = engine.view(instance.id).variables
    assert {k: variables[k] for k in ("database", "replicas", "engine")} == {
        "database": "orders",
        "replicas": 3,
        "engine": "postgres",
    }
    assert "debug" not in variables, "only the form's fields become variables"
    assert engine.instance(instance.id).business_key == "REQ-7"


def test_a_start_form_refuses_bad_values_field_by_field_and_starts_nothing(engine: Engine, flavour: str) -> None:
    Construct(engine, f"{flavour}-start-form.bpmn")
    tasklist = form_tasklist(engine)

    with pytest.raises(FormValidationError) as refused:
        tasklist.start(f"{flavour}-start-form", {"database": "db", "replicas": "9", "engine": "oracle"})

    assert set(refused.value.field_errors) == {"database", "replicas", "engine"}
    assert engine.instances() == []
