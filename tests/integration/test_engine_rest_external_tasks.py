"""External tasks through the Camunda 7 REST subset: fetchAndLock, lock ownership, failures, long polling."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import basic, bpmn_file
from tests.integration.engine_rest_helpers import typed
from webui.engine_rest import release_long_polls
from webui.engine_rest.context import EXTENSION

Call = Callable[..., TestResponse]
R = "/engine-rest/external-task"


@pytest.fixture
def api(as_role: Call, deployed: Engine) -> Call:
    deployed.deploy([bpmn_file("error-boundary.bpmn")])

    def call(method: str, path: str, role: str = "operator", **kwargs: Any) -> TestResponse:
        return as_role(role, method, R + path, **kwargs)

    return call


def fetch(api: Call, worker: str = "w1", topic: str = "create-database", **options: Any) -> list[dict[str, Any]]:
    topic_options = {k: options.pop(k) for k in list(options) if k in ("variables", "processDefinitionKey")}
    body = {
        "workerId": worker,
        "maxTasks": options.pop("maxTasks", 10),
        "topics": [{"topicName": topic, "lockDuration": options.pop("lockDuration", 60_000), **topic_options}],
        **options,
    }
    response = api("post", "/fetchAndLock", json=body)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


def test_fetch_and_lock_returns_tasks_of_the_topic_with_typed_variables(api: Call, engine: Engine) -> None:
    instance = engine.start("database-creation", {"database": "orders"}, business_key="REQ-1")
    tasks = fetch(api)
    assert {t["activityId"] for t in tasks} == {"Activity_CreateDatabaseIstanbul", "Activity_CreateDatabaseAnkara"}
    task = tasks[0]
    assert task["topicName"] == "create-database" and task["workerId"] == "w1"
    assert task["processInstanceId"] == instance.id and task["businessKey"] == "REQ-1"
    assert task["processDefinitionKey"] == "database-creation" and task["lockExpirationTime"]
    assert task["retries"] is None  # as in Camunda 7: the worker decides until a failure was reported
    assert task["variables"]["database"] == {"type": "String", "value": "orders", "valueInfo": {}}
    assert fetch(api, worker="w2") == []  # locked


def test_variables_filter_and_definition_key_filter(api: Call, engine: Engine) -> None:
    engine.start("database-creation", {"database": "orders", "secret": "s"})
    assert fetch(api, processDefinitionKey="other-process") == []
    tasks = fetch(api, variables=["database"], processDefinitionKey="database-creation", maxTasks=1)
    assert len(tasks) == 1 and set(tasks[0]["variables"]) == {"database"}


def test_process_variables_filter_picks_matching_instances(api: Call, engine: Engine) -> None:
    engine.start("database-creation", {"database": "orders"})
    wanted = engine.start("database-creation", {"database": "billing"})
    body = {
        "workerId": "w",
        "maxTasks": 10,
        "topics": [{"topicName": "create-database", "lockDuration": 1000, "processVariables": {"database": "billing"}}],
    }
    tasks = api("post", "/fetchAndLock", json=body).get_json()
    assert {t["processInstanceId"] for t in tasks} == {wanted.id}


def test_complete_continues_the_instance_and_only_the_lock_owner_may(api: Call, engine: Engine) -> None:
    instance = engine.start("database-creation", {"database": "orders"})
    for task in fetch(api):
        other = api("post", f"/{task['id']}/complete", json={"workerId": "intruder"})
        assert other.status_code == 400 and "locked by worker 'w1'" in other.get_json()["message"]
        done = api("post", f"/{task['id']}/complete", json={"workerId": "w1", "variables": {"ok": typed(True)}})
        assert done.status_code == 204
    [replication] = fetch(api, topic="create-replication")
    assert replication["variables"]["ok"]["value"] is True
    assert api("post", f"/{replication['id']}/complete", json={"workerId": "w1"}).status_code == 204
    assert engine.instance(instance.id).state == "completed"
    assert api("post", f"/{replication['id']}/complete", json={"workerId": "w1"}).status_code == 404


def test_expired_lock_is_400_and_the_task_can_be_fetched_again(api: Call, engine: Engine) -> None:
    engine.start("database-creation", {})
    [task] = fetch(api, maxTasks=1, lockDuration=1)
    time.sleep(0.01)  # let the 1 ms lock expire (not a timing assertion)
    refused = api("post", f"/{task['id']}/complete", json={"workerId": "w1"})
    assert refused.status_code == 400 and "expired" in refused.get_json()["message"]
    assert api("post", f"/{task['id']}/extendLock", json={"workerId": "w1", "newDuration": 1000}).status_code == 400
    again = fetch(api, worker="w2", maxTasks=2)
    assert task["id"] in {t["id"] for t in again}


def test_extend_lock_and_unlock(api: Call, engine: Engine) -> None:
    engine.start("database-creation", {})
    [task] = fetch(api, maxTasks=1, lockDuration=1000)
    assert api("post", f"/{task['id']}/extendLock", json={"workerId": "w2", "newDuration": 5000}).status_code == 400
    assert api("post", f"/{task['id']}/extendLock", json={"workerId": "w1", "newDuration": 0}).status_code == 400
    assert api("post", f"/{task['id']}/extendLock", json={"workerId": "w1", "newDuration": 600_000}).status_code == 204
    listed = api("get", f"/{task['id']}", role="viewer").get_json()
    assert listed["workerId"] == "w1" and listed["lockExpirationTime"] > task["lockExpirationTime"]
    assert api("post", f"/{task['id']}/unlock").status_code == 204
    assert task["id"] in {t["id"] for t in fetch(api, worker="w2")}


def test_failure_with_retries_then_zero_raises_an_incident(api: Call, engine: Engine) -> None:
    instance = engine.start("database-creation", {})
    [task] = fetch(api, maxTasks=1)
    failed = {"workerId": "w1", "errorMessage": "boom", "errorDetails": "trace", "retries": 1, "retryTimeout": 0}
    assert api("post", f"/{task['id']}/failure", json=failed).status_code == 204
    again = next(t for t in fetch(api, worker="w2") if t["id"] == task["id"])
    assert again["retries"] == 1 and again["errorMessage"] == "boom" and again["errorDetails"] == "trace"
    assert api("post", f"/{task['id']}/failure", json=failed | {"workerId": "w2", "retries": 0}).status_code == 204
    assert [i.element_id for i in engine.incidents(instance.id)] == [task["activityId"]]
    assert api("get", f"/{task['id']}").get_json()["retries"] == 0
    assert api("get", f"/{task['id']}/errorDetails").get_data(as_text=True) == "trace"
    assert task["id"] not in {t["id"] for t in fetch(api, worker="w3")}
    assert api("put", f"/{task['id']}/retries", json={"retries": 1}).status_code == 204
    assert engine.incidents(instance.id) == []
    assert task["id"] in {t["id"] for t in fetch(api, worker="w3")}


def test_failure_retry_timeout_delays_the_next_fetch(api: Call, engine: Engine) -> None:
    engine.start("database-creation", {})
    [task] = fetch(api, maxTasks=1)
    later = {"workerId": "w1", "errorMessage": "busy", "retries": 3, "retryTimeout": 600_000}
    assert api("post", f"/{task['id']}/failure", json=later).status_code == 204
    assert task["id"] not in {t["id"] for t in fetch(api, worker="w2")}


def test_bpmn_error_reaches_the_boundary_event(api: Call, engine: Engine) -> None:
    instance = engine.start("error-boundary", {})
    [task] = fetch(api, topic="charge")
    error = {"workerId": "w1", "errorCode": "CARD_DECLINED", "errorMessage": "declined", "variables": {"r": typed(1)}}
    assert api("post", f"/{task['id']}/bpmnError", json=error).status_code == 204
    [notify] = fetch(api, topic="notify")
    assert notify["processInstanceId"] == instance.id and notify["variables"]["r"]["value"] == 1


def test_bulk_retries_and_listings(api: Call, engine: Engine) -> None:
    engine.start("database-creation", {})
    tasks = fetch(api)
    for task in tasks:
        body = {"workerId": "w1", "errorMessage": "x", "retries": 0}
        assert api("post", f"/{task['id']}/failure", json=body).status_code == 204
    assert api("get", "/count?noRetriesLeft=true").get_json() == {"count": 2}
    ids = [t["id"] for t in tasks]
    assert api("put", "/retries", json={"externalTaskIds": ids, "retries": 2}).status_code == 204
    listed = api("get", "?topicName=create-database&withRetriesLeft=true", role="viewer").get_json()
    assert {t["id"] for t in listed} == set(ids) and all(t["retries"] == 2 for t in listed)
    assert api("get", "/count?locked=true").get_json() == {"count": 0}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/fetchAndLock", {"maxTasks": 1, "topics": []}, 400),  # no workerId
        ("/fetchAndLock", {"workerId": "w", "topics": [{"topicName": "t"}]}, 400),  # no lockDuration
        ("/fetchAndLock", {"workerId": "w", "topics": "t"}, 400),
        ("/fetchAndLock", {"workerId": "w", "asyncResponseTimeout": 1_800_001, "topics": []}, 400),
        ("/fetchAndLock", {"workerId": "w", "maxTasks": -1, "topics": []}, 400),
        ("/no-such-task/complete", {"workerId": "w"}, 404),
        ("/no-such-task/failure", {"workerId": "w", "retries": 1}, 404),
        ("/no-such-task/bpmnError", {"workerId": "w", "errorCode": "E"}, 404),
        ("/no-such-task/extendLock", {"workerId": "w", "newDuration": 10}, 404),
        ("/no-such-task/unlock", {}, 404),
    ],
)
def test_bad_external_task_requests(api: Call, path: str, body: dict[str, Any], status: int) -> None:
    response = api("post", path, json=body)
    assert response.status_code == status
    assert set(response.get_json()) >= {"type", "message"}


def test_viewer_cannot_fetch_and_lock(api: Call) -> None:
    response = api("post", "/fetchAndLock", role="viewer", json={"workerId": "w", "topics": []})
    assert response.status_code == 403


def test_two_workers_racing_for_one_task_exactly_one_gets_it(app: Flask, api: Call, engine: Engine) -> None:
    engine.start("error-boundary", {})
    results: list[list[dict[str, Any]]] = []
    gate = threading.Barrier(8)

    def worker(index: int) -> None:
        client = app.test_client()
        body = {"workerId": f"w{index}", "maxTasks": 5, "topics": [{"topicName": "charge", "lockDuration": 60_000}]}
        gate.wait()
        response = client.post(f"{R}/fetchAndLock", json=body, headers=basic("operator"))
        results.append(response.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r) for r in results) == [0] * 7 + [1]


# -- long polling ------------------------------------------------------------------------------------
@pytest.fixture
def background(app: Flask) -> Iterator[Callable[[dict[str, Any]], list[Any]]]:
    """Start a fetchAndLock in a thread; the returned list gets its answer."""
    threads: list[threading.Thread] = []

    def run(body: dict[str, Any]) -> list[Any]:
        answer: list[Any] = []

        def call() -> None:
            response = app.test_client().post(f"{R}/fetchAndLock", json=body, headers=basic("operator"))
            answer.append((response.status_code, response.get_json()))

        thread = threading.Thread(target=call)
        thread.start()
        threads.append(thread)
        return answer

    yield run
    release_long_polls(app)
    for thread in threads:
        thread.join(timeout=30)


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "condition not reached within 30 s"
        time.sleep(0.01)


def long_poll(worker: str, topic: str = "create-database", timeout_ms: int = 60_000) -> dict[str, Any]:
    return {
        "workerId": worker,
        "maxTasks": 1,
        "asyncResponseTimeout": timeout_ms,
        "topics": [{"topicName": topic, "lockDuration": 60_000}],
    }


def test_long_poll_answers_as_soon_as_a_task_appears(app: Flask, api: Call, engine: Engine, background: Any) -> None:
    polls = app.extensions[EXTENSION].long_polls
    answer = background(long_poll("waiter"))
    wait_for(lambda: polls.waiting == 1)
    instance = engine.start("database-creation", {})
    wait_for(lambda: bool(answer))
    status, tasks = answer[0]
    assert status == 200 and tasks[0]["processInstanceId"] == instance.id


def test_long_poll_notices_tasks_created_by_another_process(
    app: Flask, api: Call, make_engine: Callable[..., Engine], background: Any
) -> None:
    polls = app.extensions[EXTENSION].long_polls
    answer = background(long_poll("waiter"))
    wait_for(lambda: polls.waiting == 1)
    other = make_engine()  # its job listener does not reach this app: only the periodic check can
    instance = other.start("database-creation", {})
    wait_for(lambda: bool(answer))
    assert answer[0][1][0]["processInstanceId"] == instance.id


def test_long_polls_beyond_the_cap_are_answered_at_once(engine: Engine, fast_accounts: Any, background: Any) -> None:
    from webui.app import create_app

    capped = create_app(engine, accounts=fast_accounts, config={"TESTING": True, "ENGINE_REST_LONG_POLLS": 1})
    polls = capped.extensions[EXTENSION].long_polls
    holder = threading.Thread(
        target=lambda: capped.test_client().post(f"{R}/fetchAndLock", json=long_poll("a"), headers=basic("operator"))
    )
    holder.start()
    wait_for(lambda: polls.waiting == 1)
    response = capped.test_client().post(f"{R}/fetchAndLock", json=long_poll("b"), headers=basic("operator"))
    assert response.status_code == 200 and response.get_json() == []
    assert polls.waiting == 1
    release_long_polls(capped)
    holder.join(timeout=30)
    assert not holder.is_alive()


def test_shutdown_releases_waiting_long_polls(app: Flask, api: Call, background: Any) -> None:
    polls = app.extensions[EXTENSION].long_polls
    answer = background(long_poll("waiter", timeout_ms=1_800_000))
    wait_for(lambda: polls.waiting == 1)
    release_long_polls(app)
    wait_for(lambda: bool(answer))
    assert answer[0] == (200, [])


def test_disabled_handlers_leave_their_topics_to_external_workers(
    api: Call, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.worker import WorkerPool
    from steadyflow.cli.commands import handler_set

    monkeypatch.setenv("STEADYFLOW_DISABLE_HANDLERS", "create-database, create-replication")
    handlers = handler_set(["log"])
    assert not {"create-database", "create-replication", "log"} & set(handlers.types())
    engine.start("database-creation", {"database": "orders"})
    pool = WorkerPool(engine, handlers, concurrency=1, poll_interval_s=0.01)
    try:
        stats = pool.run_until_idle(max_wait_s=0)
    finally:
        pool.stop(timeout_s=2)
    assert "create-database" in stats.unhandled_types
    assert len(fetch(api)) == 2
