"""Refusals happen before anything is stored, and nothing a client may store breaks a later read.

Issue 10, findings 6 and 7, and the 405 / variable-size items of finding 8.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.accounts import Accounts
from engine.engine import Engine
from engine.limits import MAX_DURATION_MS, InputLimits
from tests.integration.conftest import NoServerErrorClient, basic, bpmn_file, session_login
from webui.app import create_app

Call = Callable[..., TestResponse]
TOPIC = {"topicName": "create-database", "lockDuration": 60_000}
START = "/engine-rest/process-definition/key/database-creation/start"


def _locked_task(as_role: Call, engine: Engine) -> tuple[str, str]:
    instance = engine.start("database-creation", {"region": "eu"})
    body = {"workerId": "w1", "maxTasks": 1, "topics": [TOPIC]}
    tasks = as_role("operator", "post", "/engine-rest/external-task/fetchAndLock", json=body).get_json()
    return instance.id, tasks[0]["id"]


def _every_read_answers(client: FlaskClient, as_role: Call, instance_id: str) -> None:
    for path in (
        "/engine-rest/external-task",
        f"/engine-rest/external-task?processInstanceId={instance_id}",
        "/engine-rest/process-instance",
        "/engine-rest/history/process-instance",
        f"/engine-rest/process-instance/{instance_id}/variables",
        "/api/v1/instances",
        f"/api/v1/instances/{instance_id}",
        f"/api/v1/instances/{instance_id}/jobs",
        f"/api/v1/instances/{instance_id}/variables",
    ):
        response = as_role("viewer", "get", path)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
    session_login(client, "viewer")
    for page in ("/instances", f"/instances/{instance_id}", "/"):
        response = client.get(page)
        assert response.status_code == 200, (page, response.get_data(as_text=True)[:500])


@pytest.mark.parametrize("duration", [1e308, 2**63, MAX_DURATION_MS + 1])
def test_extend_lock_beyond_ten_years_is_refused_and_listings_still_answer(
    client: FlaskClient, as_role: Call, deployed: Engine, duration: float
) -> None:
    instance_id, task_id = _locked_task(as_role, deployed)
    before = as_role("viewer", "get", f"/engine-rest/external-task/{task_id}").get_json()["lockExpirationTime"]
    body = {"workerId": "w1", "newDuration": duration}
    response = as_role("operator", "post", f"/engine-rest/external-task/{task_id}/extendLock", json=body)
    assert response.status_code == 400 and "newDuration" in response.get_json()["message"]
    after = as_role("viewer", "get", f"/engine-rest/external-task/{task_id}").get_json()["lockExpirationTime"]
    assert after == before
    _every_read_answers(client, as_role, instance_id)


def test_the_longest_allowed_lock_and_retry_timeout_leave_every_page_readable(
    client: FlaskClient, as_role: Call, deployed: Engine
) -> None:
    instance_id, task_id = _locked_task(as_role, deployed)
    extend = {"workerId": "w1", "newDuration": MAX_DURATION_MS}
    assert (
        as_role("operator", "post", f"/engine-rest/external-task/{task_id}/extendLock", json=extend).status_code == 204
    )
    _every_read_answers(client, as_role, instance_id)
    failure = {"workerId": "w1", "retries": 1, "retryTimeout": MAX_DURATION_MS, "errorMessage": "later"}
    assert as_role("operator", "post", f"/engine-rest/external-task/{task_id}/failure", json=failure).status_code == 204
    _every_read_answers(client, as_role, instance_id)


def test_failure_with_retry_timeout_1e308_is_refused_and_the_instance_page_answers(
    client: FlaskClient, as_role: Call, deployed: Engine
) -> None:
    instance_id, task_id = _locked_task(as_role, deployed)
    body = {"workerId": "w1", "retries": 1, "retryTimeout": 1e308, "errorMessage": "boom"}
    response = as_role("operator", "post", f"/engine-rest/external-task/{task_id}/failure", json=body)
    assert response.status_code == 400 and "retryTimeout" in response.get_json()["message"]
    task = as_role("viewer", "get", f"/engine-rest/external-task/{task_id}").get_json()
    assert task["workerId"] == "w1" and task["errorMessage"] is None
    _every_read_answers(client, as_role, instance_id)


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("post", "/engine-rest/process-instance/{id}/variables", '{"modifications": {"\\udc00x": {"value": 1}}}'),
        ("put", "/engine-rest/process-instance/{id}/variables/x", '{"value": "a\\ud800b"}'),
        ("patch", "/api/v1/instances/{id}/variables", '{"variables": {"\\ud800": 1}}'),
        ("patch", "/api/v1/instances/{id}/variables", '{"variables": {"x": ["\\udfff"]}}'),
    ],
)
def test_a_lone_surrogate_in_a_variable_is_refused_and_the_instance_page_answers(
    client: FlaskClient, as_role: Call, deployed: Engine, method: str, path: str, raw: str
) -> None:
    instance_id, _ = _locked_task(as_role, deployed)
    response = as_role("operator", method, path.format(id=instance_id), data=raw, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.get_data(as_text=True)
    assert deployed.variables(instance_id) == {"region": "eu"}
    _every_read_answers(client, as_role, instance_id)


def test_start_with_a_string_withVariablesInReturn_is_refused_before_starting(as_role: Call, deployed: Engine) -> None:
    before = as_role("viewer", "get", "/engine-rest/process-instance/count").get_json()["count"]
    response = as_role("operator", "post", START, json={"withVariablesInReturn": "true"})
    assert response.status_code == 400 and "withVariablesInReturn" in response.get_json()["message"]
    assert as_role("viewer", "get", "/engine-rest/process-instance/count").get_json()["count"] == before


@pytest.mark.parametrize("field", ["resultEnabled", "variablesInResultEnabled", "all"])
def test_message_with_a_non_boolean_flag_is_refused_before_correlating(
    as_role: Call, engine: Engine, field: str
) -> None:
    engine.deploy([bpmn_file("receive-task-c7.bpmn")])
    waiting = engine.start("receive-task-c7", {"orderId": 1}, business_key="order-1")
    body = {"messageName": "approval", "businessKey": "order-1", field: "yes"}
    response = as_role("operator", "post", "/engine-rest/message", json=body)
    assert response.status_code == 400 and field in response.get_json()["message"]
    assert engine.instance(waiting.id).state == "running"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/instances", {"GET"}),
        ("put", "/api/v1/definitions/database-creation/start", {"POST"}),
        ("patch", "/engine-rest/process-instance", {"GET", "POST"}),
        ("get", "/engine-rest/message", {"POST"}),
        ("post", "/api/v1/openapi.json", {"GET"}),
    ],
)
def test_405_answers_carry_an_allow_header(client: FlaskClient, method: str, path: str, allowed: set[str]) -> None:
    response = client.open(path, method=method.upper(), headers=basic("operator"))
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.fixture
def small_limits_client(engine: Engine, fast_accounts: Accounts) -> FlaskClient:
    limits = InputLimits(max_json_depth=64, max_variable_bytes=1000, max_variables_bytes=2500)
    app: Flask = create_app(engine, accounts=fast_accounts, config={"TESTING": True, "INPUT_LIMITS": limits})
    app.test_client_class = NoServerErrorClient
    return app.test_client()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/definitions/database-creation/start", {"variables": {"big": "x" * 1200}}),
        ("/api/v1/definitions/database-creation/start", {"variables": {f"v{i}": "x" * 900 for i in range(3)}}),
        (START, {"variables": {"big": {"value": "x" * 1200, "type": "String"}}}),
        (START, {"variables": {"big": {"value": "[" + "1," * 600 + "1]", "type": "Json"}}}),
    ],
)
def test_variables_over_the_configured_caps_are_refused_with_413(
    small_limits_client: FlaskClient, deployed: Engine, path: str, body: dict[str, Any]
) -> None:
    response = small_limits_client.post(path, json=body, headers=basic("operator"))
    assert response.status_code == 413, response.get_data(as_text=True)
    assert "STEADYFLOW_MAX_" in response.get_data(as_text=True)
    assert (
        deployed.db is not None
        and not small_limits_client.get("/api/v1/instances", headers=basic("viewer")).get_json()["items"]
    )


def test_a_two_megabyte_variable_is_refused_by_default(as_role: Call, deployed: Engine) -> None:
    body = {"variables": {"big": "x" * (2 * 1024 * 1024)}}
    response = as_role("operator", "post", "/api/v1/definitions/database-creation/start", json=body)
    assert response.status_code == 413
    assert "at most 1048576 bytes" in response.get_json()["error"]["message"]


def test_variable_caps_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADYFLOW_MAX_VARIABLE_BYTES", "2048")
    monkeypatch.setenv("STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES", "4096")
    limits = InputLimits()
    assert (limits.max_variable_bytes, limits.max_variables_bytes) == (2048, 4096)


@pytest.mark.parametrize("api", ["v1", "engine-rest"])
def test_the_per_instance_cap_counts_the_variables_already_stored(
    small_limits_client: FlaskClient, deployed: Engine, api: str
) -> None:
    instance = deployed.start("database-creation", {"region": "eu"})

    def put(name: str) -> TestResponse:
        if api == "v1":
            body: dict[str, Any] = {"variables": {name: "x" * 900}}
            return small_limits_client.patch(
                f"/api/v1/instances/{instance.id}/variables", json=body, headers=basic("operator")
            )
        path = f"/engine-rest/process-instance/{instance.id}/variables/{name}"
        return small_limits_client.put(path, json={"value": "x" * 900, "type": "String"}, headers=basic("operator"))

    assert put("a").status_code < 300 and put("b").status_code < 300
    refused = put("c")
    assert refused.status_code == 413 and "STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES" in refused.get_data(as_text=True)
    assert set(deployed.variables(instance.id)) == {"region", "a", "b"}
