"""Camunda 8's rule for message start events: one active instance per process and correlation key."""

from __future__ import annotations

import threading
from typing import Any

from engine.engine import Engine
from engine.step_followups import Followups
from engine.store.records import InstanceRecord
from tests.conftest import deploy, run_jobs

NAME = "order-received"
PROCESS = "message-start-wait"


def running(engine: Engine) -> list[InstanceRecord]:
    return engine.instances(definition_key=PROCESS, state="running", limit=1000)


def finish(engine: Engine, instance: InstanceRecord) -> None:
    (task,) = engine.user_tasks(instance.id)
    engine.complete_user_task(instance.id, task["task_id"], {})


def test_a_key_whose_instance_is_active_starts_no_second_one_until_it_ends(engine: Engine) -> None:
    deploy(engine, "message-start-wait.bpmn")
    first = engine.publish(NAME, "c-1", {"n": 1}, ttl_s=60)
    second = engine.publish(NAME, "c-1", {"n": 2}, ttl_s=60)
    other_key = engine.publish(NAME, "c-2", {"n": 3}, ttl_s=60)

    assert [d["started"] for d in first.delivered] == [True]
    assert second.delivered == [] and second.buffered
    assert len(other_key.delivered) == 1
    (holder,) = [i for i in running(engine) if engine.variables(i.id)["n"] == 1]

    finish(engine, holder)

    assert sorted(engine.variables(i.id)["n"] for i in running(engine)) == [2, 3]


def test_without_a_time_to_live_a_message_for_a_locked_key_is_dropped(engine: Engine) -> None:
    deploy(engine, "message-start-wait.bpmn")
    engine.publish(NAME, "c-1", {"n": 1})
    assert engine.publish(NAME, "c-1", {"n": 2}).delivered == []
    (holder,) = running(engine)
    finish(engine, holder)
    assert running(engine) == []


def test_messages_without_a_correlation_key_always_start_an_instance(engine: Engine) -> None:
    deploy(engine, "message-start-wait.bpmn")
    for n in range(3):
        assert len(engine.publish(NAME, None, {"n": n}, ttl_s=60).delivered) == 1
    assert len(running(engine)) == 3


def test_cancelling_the_holder_frees_the_key_for_the_next_buffered_message(engine: Engine) -> None:
    deploy(engine, "message-start-wait.bpmn")
    engine.publish(NAME, "c-1", {"n": 1}, ttl_s=60)
    engine.publish(NAME, "c-1", {"n": 2}, ttl_s=60)
    (holder,) = running(engine)
    engine.cancel(holder.id)
    (next_one,) = running(engine)
    assert engine.variables(next_one.id)["n"] == 2


def test_the_sweep_starts_the_next_instance_when_the_release_was_missed(engine: Engine) -> None:
    deploy(engine, "message-start-wait.bpmn")
    engine.publish(NAME, "c-1", {"n": 1}, ttl_s=60)
    engine.publish(NAME, "c-1", {"n": 2}, ttl_s=60)
    (holder,) = running(engine)
    listener = engine.steps.followups.listener
    engine.steps.followups.listener = None  # as if the release after the end had failed
    finish(engine, holder)
    engine.steps.followups.listener = listener
    assert running(engine) == []

    assert engine.sweep_messages() == 1
    (next_one,) = running(engine)
    assert engine.variables(next_one.id)["n"] == 2
    assert engine.sweep_messages() == 0


def test_racing_publications_for_one_key_start_one_instance_at_a_time(engine: Engine) -> None:
    deploy(engine, "message-start-wait.bpmn")
    count = 8
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def publish(n: int) -> None:
        barrier.wait()
        try:
            engine.publish(NAME, "c-1", {"n": n}, ttl_s=60)
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]

    seen: list[Any] = []
    for _ in range(count):
        (holder,) = running(engine)
        seen.append(engine.variables(holder.id)["n"])
        finish(engine, holder)
    assert sorted(seen) == list(range(count)) and running(engine) == []


def test_holders_ending_in_one_call_each_free_their_key_for_the_next_buffered_message(engine: Engine) -> None:
    deploy(engine, "message-start-wait.bpmn")
    for key in ("c-1", "c-2"):
        engine.publish(NAME, key, {"n": 1, "key": key}, ttl_s=60)
        engine.publish(NAME, key, {"n": 2, "key": key}, ttl_s=60)
    engine.publish(NAME, None, {"n": 1, "key": None}, ttl_s=60)  # holds no lock
    holders = running(engine)
    assert len(holders) == 3

    with engine.steps.followups.outermost():  # their ends are handed over together, as a step batch's are
        for holder in holders:
            finish(engine, holder)

    now = sorted((engine.variables(i.id)["key"], engine.variables(i.id)["n"]) for i in running(engine))
    assert now == [("c-1", 2), ("c-2", 2)]


def test_only_ended_instances_of_a_process_with_a_message_start_are_looked_up_for_a_lock(engine: Engine) -> None:
    # Any other instance cannot hold a start lock: its end costs no read of the lock rows.
    deploy(engine, "message-start-wait.bpmn", "intermediate-timer.bpmn")
    heard: list[list[str]] = []
    settle = engine.steps.followups.listener
    assert settle is not None

    def listener(followups: Followups) -> None:
        heard.append([instance_id for instance_id, _ in followups.ended])
        settle(followups)

    engine.steps.followups.listener = listener
    plain = engine.start("intermediate-timer", {"wait": "PT0S"})
    run_jobs(engine, {"after": lambda job: {}}, max_wait_s=0)
    engine.publish(NAME, "c-1", {"n": 1}, ttl_s=60)
    (holder,) = running(engine)
    finish(engine, holder)

    assert engine.instance(plain.id).state == "completed"
    assert [ids for ids in heard if ids] == [[holder.id]]
