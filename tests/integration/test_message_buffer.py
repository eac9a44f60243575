"""Buffered messages (Camunda 8 publication with a time to live), on a real SQLite file (and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.engine import Engine
from tests.conftest import DATA, deploy

PAID = "payment-received"


def correlated(engine: Engine, instance_id: str) -> int:
    return sum(e["type"] == "MessageCorrelated" for e in engine.view(instance_id).history)


def state(engine: Engine, instance_id: str) -> str:
    return engine.instance(instance_id).state


def deploy_copy(engine: Engine, process_id: str) -> None:
    """The message catch model under another process id: a second process waiting for the same message."""
    xml = (DATA / "message-catch-c8.bpmn").read_text().replace('id="message-catch-c8"', f'id="{process_id}"')
    engine.deploy([(f"{process_id}.bpmn", xml.encode())])


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_message_published_before_the_instance_waits_is_correlated_when_it_arrives(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    published = engine.publish(PAID, "A-1", {"paid": True}, ttl_s=60)
    assert published.buffered and published.delivered == []

    instance = engine.start("message-catch-c8", {"orderId": "A-1"})

    assert state(engine, instance.id) == "completed"
    assert engine.variables(instance.id)["paid"] is True


def test_a_buffered_message_waits_for_its_own_correlation_key(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    engine.publish(PAID, "A-1", {}, ttl_s=60)

    other = engine.start("message-catch-c8", {"orderId": "B-2"})
    assert state(engine, other.id) == "running"
    mine = engine.start("message-catch-c8", {"orderId": "A-1"})
    assert state(engine, mine.id) == "completed"


def test_a_message_past_its_time_to_live_is_not_correlated_and_is_forgotten(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    clock = Clock(1_000_000.0)
    engine.message_buffer.clock = clock
    engine.publish(PAID, "A-1", {}, ttl_s=30)
    clock.now += 31

    instance = engine.start("message-catch-c8", {"orderId": "A-1"})
    assert state(engine, instance.id) == "running"
    engine.sweep_messages()
    clock.now -= 31  # even back inside the time to live, the swept message is gone
    assert engine.sweep_messages() == 0
    assert state(engine, instance.id) == "running"


def test_a_message_without_time_to_live_reaches_only_instances_waiting_now(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    waiting = engine.start("message-catch-c8", {"orderId": "A-1"})

    published = engine.publish(PAID, "A-1", {})
    later = engine.start("message-catch-c8", {"orderId": "A-1"})

    assert [d["instance_id"] for d in published.delivered] == [waiting.id]
    assert state(engine, waiting.id) == "completed" and state(engine, later.id) == "running"


def test_a_buffered_message_reaches_one_instance_per_process(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    deploy_copy(engine, "billing")
    engine.publish(PAID, "A-1", {}, ttl_s=60)

    first = engine.start("message-catch-c8", {"orderId": "A-1"})
    second = engine.start("message-catch-c8", {"orderId": "A-1"})
    billing = engine.start("billing", {"orderId": "A-1"})

    assert [state(engine, i.id) for i in (first, second, billing)] == ["completed", "running", "completed"]


def test_a_repeated_message_id_is_published_once_while_buffered_and_again_after_it_expired(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    clock = Clock(2_000_000.0)
    engine.message_buffer.clock = clock
    first = engine.publish(PAID, "A-1", {"n": 1}, ttl_s=60, message_id="pay-1")
    again = engine.publish(PAID, "A-1", {"n": 2}, ttl_s=60, message_id="pay-1")
    assert again.duplicate and again.message_row == first.message_row

    takers = [engine.start("message-catch-c8", {"orderId": "A-1"}) for _ in range(2)]
    assert [state(engine, i.id) for i in takers] == ["completed", "running"]
    assert engine.variables(takers[0].id)["n"] == 1

    clock.now += 61
    renewed = engine.publish(PAID, "A-1", {"n": 3}, ttl_s=60, message_id="pay-1")
    assert not renewed.duplicate and renewed.message_row != first.message_row
    assert [d["instance_id"] for d in renewed.delivered] == [takers[1].id]


def test_a_publication_starts_a_process_with_a_message_start_event(engine: Engine) -> None:
    deploy(engine, "message-start.bpmn")
    published = engine.publish("order-placed", "o-1", {"n": 1}, ttl_s=60)
    assert [d["started"] for d in published.delivered] == [True]
    assert len(engine.instances(definition_key="message-start")) == 1


def test_the_sweep_delivers_what_a_failed_drain_left(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    engine.publish(PAID, "A-1", {}, ttl_s=60)
    listener = engine.steps.followups.listener
    engine.steps.followups.listener = None  # as if offering to the new subscription had failed
    instance = engine.start("message-catch-c8", {"orderId": "A-1"})
    engine.steps.followups.listener = listener
    assert state(engine, instance.id) == "running"

    assert engine.sweep_messages() == 1
    assert state(engine, instance.id) == "completed"
    assert engine.sweep_messages() == 0


def _together(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return answers


def test_two_publications_for_one_waiting_instance_deliver_exactly_once(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    waiting = engine.start("message-catch-c8", {"orderId": "A-1"})

    answers = _together([lambda n=n: engine.publish(PAID, "A-1", {"n": n}, ttl_s=60) for n in range(8)])

    assert correlated(engine, waiting.id) == 1
    assert sum(len(a.delivered) for a in answers) == 1
    # the others stay buffered for the next instances, one each
    later = [engine.start("message-catch-c8", {"orderId": "A-1"}) for _ in range(8)]
    assert [state(engine, i.id) for i in later] == ["completed"] * 7 + ["running"]


def test_publications_racing_new_subscriptions_are_each_correlated_exactly_once(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    keys = [f"k-{n}" for n in range(12)]
    starts = [lambda k=k: engine.start("message-catch-c8", {"orderId": k}).id for k in keys]
    publications = [lambda k=k: engine.publish(PAID, k, {"key": k}, ttl_s=60) for k in keys]

    answers = _together([*starts, *publications])

    for instance_id, key in zip(answers[: len(keys)], keys, strict=True):
        assert state(engine, instance_id) == "completed", f"the message for {key} was lost"
        assert correlated(engine, instance_id) == 1
        assert engine.variables(instance_id)["key"] == key


def test_the_schema_keeps_buffered_messages_across_engines(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    first = make_engine()
    deploy(first, "message-catch-c8.bpmn")
    first.publish(PAID, "A-1", {"paid": True}, ttl_s=60)
    first.close()

    second = make_engine()
    instance = second.start("message-catch-c8", {"orderId": "A-1"})
    assert state(second, instance.id) == "completed"


def test_a_message_without_a_correlation_key_does_not_reach_instances_waiting_with_one(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn")
    waiting = engine.start("message-catch-c8", {"orderId": "A-1"})
    assert engine.publish(PAID, None, {}, ttl_s=60).delivered == []
    later = engine.start("message-catch-c8", {"orderId": "A-2"})
    assert state(engine, waiting.id) == "running" and state(engine, later.id) == "running"
