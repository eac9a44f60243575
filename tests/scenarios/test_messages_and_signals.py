"""Messages by correlation key and business key, message start events, signals between instances."""

from __future__ import annotations

import time

import pytest

from engine.engine import Engine
from steadyflow.errors import NotFoundError
from tests.conftest import deploy, run_jobs


def test_message_reaches_the_instance_with_its_correlation_key(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    first = engine.start("message-catch-c8", {"orderId": "A-1"})
    second = engine.start("message-catch-c8", {"orderId": "A-2"})

    result = engine.correlate("payment-received", "A-2", {"amount": 10})

    assert result == [{"instance_id": second.id, "element_id": "WaitForPayment", "started": False}]
    assert engine.instance(second.id).state == "completed"
    assert engine.view(second.id).variables["amount"] == 10
    assert engine.instance(first.id).state == "running"


def test_a_message_id_is_correlated_at_most_once(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    engine.start("message-catch-c8", {"orderId": "B"})
    again = engine.start("message-catch-c8", {"orderId": "B"})

    first = engine.correlate("payment-received", "B", message_id="msg-1")
    second = engine.correlate("payment-received", "B", message_id="msg-1")

    assert first == second
    assert engine.instance(again.id).state == "running"


def test_unmatched_message_is_an_error_that_names_it(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    with pytest.raises(NotFoundError, match=r"payment-received.*'nope'"):
        engine.correlate("payment-received", "nope")


def test_camunda7_receive_task_correlates_by_business_key(engine: Engine) -> None:
    deploy(engine, "receive-task-c7.bpmn")
    other = engine.start("receive-task-c7", business_key="ORDER-1")
    target = engine.start("receive-task-c7", business_key="ORDER-2")

    engine.correlate("approval", business_key="ORDER-2", variables={"approved": True})

    assert engine.instance(target.id).state == "completed"
    assert engine.instance(other.id).state == "running"


def test_camunda7_correlation_by_process_variables(engine: Engine) -> None:
    deploy(engine, "receive-task-c7.bpmn")
    engine.start("receive-task-c7", {"customer": "ada"})
    target = engine.start("receive-task-c7", {"customer": "bob"})

    engine.correlate("approval", correlation_variables={"customer": "bob"})

    assert engine.instance(target.id).state == "completed"


def test_message_start_event_starts_an_instance(engine: Engine) -> None:
    deploy(engine, "message-start.bpmn")

    (result,) = engine.correlate("order-placed", variables={"order": 7})

    assert result["started"] is True
    view = engine.view(result["instance_id"])
    assert view.instance["state"] == "completed"
    assert view.variables["order"] == 7


def test_thrown_signal_reaches_every_waiting_instance(engine: Engine) -> None:
    deploy(engine, "signal-throw-catch.bpmn")
    waiting = [engine.start("signal-wait").id for _ in range(3)]
    engine.start("signal-send")

    run_jobs(engine, {})

    assert {engine.instance(i).state for i in waiting} == {"completed"}


def test_event_based_gateway_takes_the_message_path(engine: Engine) -> None:
    deploy(engine, "event-gateway.bpmn")
    instance = engine.start("event-gateway", {"ticket": "T1", "timeout": "PT1H"})
    assert len(engine.view(instance.id).timers) == 1

    engine.correlate("answer", "T1")

    view = engine.view(instance.id)
    states = {a.element_id: a.state for a in view.activities}
    assert view.instance["state"] == "completed"
    assert states["AnswerEnd"] == "COMPLETED" and "TimeoutEnd" not in states
    assert view.timers == []


def test_event_based_gateways_timer_is_listed_under_the_timer_catch_event(engine: Engine) -> None:
    # As Camunda's timer job: its activity is the intermediate timer event, not the gateway before it.
    deploy(engine, "event-gateway.bpmn")
    instance = engine.start("event-gateway", {"ticket": "T3", "timeout": "PT1H"})

    view = engine.view(instance.id)
    [timer] = view.timers
    assert timer["element_id"] == "TimedOut"
    [scheduled] = [e for e in view.history if e["type"] == "TimerScheduled"]
    assert scheduled["element_id"] == "TimedOut" and scheduled["task_id"] == timer["id"]


def test_event_based_gateways_message_wait_is_listed_and_correlated_under_the_message_catch_event(
    engine: Engine,
) -> None:
    # As Camunda's message subscription: its element is the intermediate message event, not the gateway.
    deploy(engine, "event-gateway.bpmn")
    instance = engine.start("event-gateway", {"ticket": "T5", "timeout": "PT1H"})

    [subscription] = engine.message_subscriptions(instance.id)
    assert (subscription["element_id"], subscription["name"]) == ("Answered", "answer")

    [delivered] = engine.correlate("answer", "T5")
    assert delivered["element_id"] == "Answered"
    assert engine.instance(instance.id).state == "completed"
    assert "AnswerEnd" in [e["element_id"] for e in engine.view(instance.id).history]


@pytest.mark.parametrize(("give_up", "remind"), [("PT2H", "PT1H"), ("PT1H", "PT2H")])
def test_event_based_gateway_with_two_timers_schedules_and_lists_the_earlier_one(
    engine: Engine, give_up: str, remind: str
) -> None:
    deploy(engine, "event-gateway-two-timers.bpmn")
    before = time.time()
    instance = engine.start("event-gateway-two-timers", {"ticket": "T4", "giveUp": give_up, "remind": remind})

    view = engine.view(instance.id)
    [timer] = view.timers
    earlier = "Reminded" if remind == "PT1H" else "GaveUp"
    assert timer["element_id"] == earlier
    assert 3500 < timer["due_at"] - before < 3700
    [scheduled] = [e for e in view.history if e["type"] == "TimerScheduled"]
    assert scheduled["element_id"] == earlier


def test_event_based_gateway_with_two_timers_takes_the_earlier_timers_path(engine: Engine) -> None:
    # The later timer's branch is modelled first: SpiffWorkflow alone would wait for it.
    deploy(engine, "event-gateway-two-timers.bpmn")
    instance = engine.start("event-gateway-two-timers", {"ticket": "T5", "giveUp": "PT1H", "remind": "PT0.2S"})

    run_jobs(engine, {}, max_wait_s=2)

    states = {a.element_id: a.state for a in engine.view(instance.id).activities}
    assert states.get("RemindedEnd") == "COMPLETED"
    assert "GaveUpEnd" not in states
    assert engine.view(instance.id).timers == []


def test_event_based_gateway_takes_the_timer_path(engine: Engine) -> None:
    deploy(engine, "event-gateway.bpmn")
    instance = engine.start("event-gateway", {"ticket": "T2", "timeout": "PT0.2S"})

    run_jobs(engine, {}, max_wait_s=2)

    states = {a.element_id: a.state for a in engine.view(instance.id).activities}
    assert states.get("TimeoutEnd") == "COMPLETED"
    with pytest.raises(NotFoundError):
        engine.correlate("answer", "T2", start_instances=False)
