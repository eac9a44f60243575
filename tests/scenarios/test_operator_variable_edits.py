"""An operator's variable edit survives the waiting event it was made at: a timer or a message catch.

SpiffWorkflow merges a waiting event's parent data into the event when it checks it again;
the edit must reach that parent too, or the old value comes back when the event fires.
"""

from __future__ import annotations

from collections.abc import Callable

from bpmn.clock import ManualClock
from engine.engine import Engine
from tests.conftest import deploy


def test_edit_made_while_a_timer_waits_holds_after_the_timer_fires(make_engine: Callable[..., Engine]) -> None:
    clock = ManualClock()
    engine = make_engine(cache_capacity=0, clock=clock)
    deploy(engine, "intermediate-timer.bpmn")
    instance = engine.start("intermediate-timer", {"wait": "PT10M", "limit": 1})

    engine.set_variables(instance.id, {"limit": 5, "note": "raised by ops"})
    clock.advance("PT10M1S")
    engine.fire_due_timers("test")

    view = engine.view(instance.id)
    assert {a.element_id: a.state for a in view.activities}["After"] == "STARTED", "the timer fired"
    assert view.variables == {"wait": "PT10M", "limit": 5, "note": "raised by ops"}
    (job,) = [j for j in view.jobs if j["element_id"] == "After"]
    assert job["variables"]["limit"] == 5, "the job after the timer sees the edited value"


def test_edit_made_while_a_message_is_awaited_holds_after_it_is_caught(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    instance = engine.start("message-catch-c8", {"orderId": "o-1", "amount": 10})

    engine.set_variables(instance.id, {"amount": 12})
    engine.correlate("payment-received", "o-1", {"paidAt": "today"})

    assert engine.instance(instance.id).state == "completed"
    assert engine.view(instance.id).variables == {"orderId": "o-1", "amount": 12, "paidAt": "today"}
