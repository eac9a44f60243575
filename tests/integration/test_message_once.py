"""A message id is correlated at most once, even by many concurrent calls (SQLite file, and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from engine.engine import Engine
from tests.conftest import deploy

CALLS = 100


def _concurrently(call: Callable[[], list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Run ``call`` from CALLS threads released together; every thread's answer."""
    barrier = threading.Barrier(CALLS)
    answers: list[list[dict[str, Any]]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            answer = call()
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            with lock:
                errors.append(exc)
            return
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return answers


def test_concurrent_correlations_of_one_message_id_start_one_instance(engine: Engine) -> None:
    deploy(engine, "message-start.bpmn")

    answers = _concurrently(lambda: engine.correlate("order-placed", None, {"n": 1}, message_id="order-42"))

    started = engine.instances(definition_key="message-start", limit=1000)
    assert len(started) == 1, f"{len(started)} instances started for one message id"
    assert all(answer == answers[0] for answer in answers)
    assert answers[0] == [{"instance_id": started[0].id, "element_id": None, "started": True}]


def test_concurrent_correlations_of_one_message_id_deliver_once_to_a_waiting_instance(engine: Engine) -> None:
    deploy(engine, "message-catch-c8.bpmn", "message-start.bpmn")
    waiting = [engine.start("message-catch-c8", {"orderId": "o-1"}) for _ in range(3)]

    answers = _concurrently(lambda: engine.correlate("payment-received", "o-1", {}, message_id="payment-1"))

    delivered = [i.id for i in waiting if any(e["type"] == "MessageCorrelated" for e in engine.view(i.id).history)]
    assert len(delivered) == 1
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0]["instance_id"] == delivered[0]


def test_a_message_id_seen_before_returns_the_first_result_without_a_second_delivery(engine: Engine) -> None:
    deploy(engine, "message-start.bpmn")

    first = engine.correlate("order-placed", None, {}, message_id="order-7")
    again = engine.correlate("order-placed", None, {}, message_id="order-7")

    assert again == first
    assert len(engine.instances(definition_key="message-start")) == 1
