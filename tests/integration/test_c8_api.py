"""The Camunda 8 REST subset at /v2 through the Flask app: shapes, keys, jobs, and refusals of bad input."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import basic, bpmn_file, session_login

Call = Callable[..., TestResponse]


def deploy(as_role: Call, *names: str) -> TestResponse:
    data: dict[str, Any] = {"resources": [(io.BytesIO(bpmn_file(n)[1]), bpmn_file(n)[0]) for n in names]}
    data["tenantId"] = "<default>"
    return as_role("admin", "post", "/v2/deployments", data=data, content_type="multipart/form-data")


def start(as_role: Call, process_id: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = as_role(
        "operator", "post", "/v2/process-instances", json={"processDefinitionId": process_id, "variables": variables}
    )
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def activate(as_role: Call, job_type: str, worker: str = "w1", **extra: Any) -> list[dict[str, Any]]:
    body = {"type": job_type, "worker": worker, "timeout": 30_000, "maxJobsToActivate": 5, "requestTimeout": -1}
    response = as_role("operator", "post", "/v2/jobs/activation", json=body | extra)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["jobs"])


def test_topology_reports_an_8_8_gateway_with_one_healthy_leader(client: FlaskClient) -> None:
    body = client.get("/v2/topology", headers=basic("viewer")).get_json()
    assert body["gatewayVersion"].startswith("8.8.")
    broker = body["brokers"][0]
    assert broker["brokerId"] == 0 and broker["host"] == "localhost"
    assert broker["partitions"] == [{"partitionId": 1, "role": "leader", "health": "healthy", "state": "active"}]


def test_problems_say_unauthorized_without_credentials(client: FlaskClient) -> None:
    response = client.get("/v2/topology")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["title"] == "Unauthorized" and body["status"] == 401 and body["instance"] == "/v2/topology"
    assert set(body) == {"type", "title", "status", "detail", "instance"}


def test_a_viewer_may_not_deploy_and_is_told_forbidden(client: FlaskClient) -> None:
    response = client.post("/v2/deployments", headers=basic("viewer"), data={}, content_type="multipart/form-data")
    assert response.status_code == 403 and response.get_json()["title"] == "Forbidden"


def test_deploy_echoes_file_names_and_identical_xml_keeps_its_version_and_key(as_role: Call) -> None:
    first = deploy(as_role, "database-creation-c8.bpmn", "error-boundary.bpmn").get_json()
    by_id = {d["processDefinition"]["processDefinitionId"]: d["processDefinition"] for d in first["deployments"]}
    assert by_id["database-creation-c8"]["resourceName"] == "database-creation-c8.bpmn"
    assert by_id["error-boundary"]["resourceName"] == "error-boundary.bpmn"
    assert by_id["database-creation-c8"]["tenantId"] == "<default>"
    again = deploy(as_role, "database-creation-c8.bpmn").get_json()["deployments"][0]["processDefinition"]
    assert again["processDefinitionVersion"] == by_id["database-creation-c8"]["processDefinitionVersion"]
    assert again["processDefinitionKey"] == by_id["database-creation-c8"]["processDefinitionKey"]
    assert again["processDefinitionKey"].isdigit() and int(again["processDefinitionKey"]) < 2**63


def test_a_refused_model_lists_every_problem_with_element_and_line(as_role: Call) -> None:
    response = deploy(as_role, "refused-gateway.bpmn")
    assert response.status_code == 400
    detail = response.get_json()["detail"]
    assert "refused-gateway.bpmn line " in detail and "element '" in detail


def test_start_by_id_or_key_then_get_search_and_cancel(as_role: Call) -> None:
    deploy(as_role, "database-creation-c8.bpmn")
    created = start(as_role, "database-creation-c8", {"regions": ["eu"]})
    assert created["variables"] == {} and created["tags"] == [] and created["businessId"] is None
    by_key = as_role(
        "operator",
        "post",
        "/v2/process-instances",
        json={"processDefinitionKey": created["processDefinitionKey"], "variables": {"regions": []}},
    ).get_json()
    assert by_key["processInstanceKey"] != created["processInstanceKey"]
    got = as_role("viewer", "get", f"/v2/process-instances/{created['processInstanceKey']}").get_json()
    assert got["state"] == "ACTIVE" and got["processDefinitionId"] == "database-creation-c8"
    found = as_role(
        "viewer", "post", "/v2/process-instances/search", json={"filter": {"state": "ACTIVE"}, "page": {"limit": 1}}
    ).get_json()
    assert found["page"]["totalItems"] == 2 and len(found["items"]) == 1
    assert found["items"][0]["processInstanceKey"] == created["processInstanceKey"]  # oldest first
    key = created["processInstanceKey"]
    assert as_role("operator", "post", f"/v2/process-instances/{key}/cancellation").status_code == 204
    assert as_role("viewer", "get", f"/v2/process-instances/{key}").get_json()["state"] == "TERMINATED"
    assert as_role("operator", "post", f"/v2/process-instances/{key}/cancellation").status_code == 409


def test_jobs_are_activated_with_every_required_field_and_completed_by_key(as_role: Call, engine: Engine) -> None:
    deploy(as_role, "database-creation-c8.bpmn")
    created = start(as_role, "database-creation-c8", {"regions": ["eu", "us"]})
    jobs = activate(as_role, "create-database", fetchVariable=["region"])
    assert len(jobs) == 2 and {j["variables"]["region"] for j in jobs} == {"eu", "us"}
    job = jobs[0]
    assert job["processInstanceKey"] == created["processInstanceKey"] and job["worker"] == "w1"
    assert job["kind"] == "BPMN_ELEMENT" and job["userTask"] is None and set(job["variables"]) == {"region"}
    assert activate(as_role, "create-database") == []  # held by w1
    for j in jobs:
        response = as_role("operator", "post", f"/v2/jobs/{j['jobKey']}/completion", json={"variables": {"ok": 1}})
        assert response.status_code == 204
    again = as_role("operator", "post", f"/v2/jobs/{jobs[0]['jobKey']}/completion", json={})
    assert again.status_code == 404 and "it completed" in again.get_json()["detail"]
    (replication,) = activate(as_role, "create-replication")
    as_role("operator", "post", f"/v2/jobs/{replication['jobKey']}/completion", json={})
    assert engine.instance(engine.instances()[0].id).state == "completed"


def test_failure_with_no_retries_left_raises_an_incident_that_resolution_retries(as_role: Call) -> None:
    deploy(as_role, "error-boundary.bpmn")
    created = start(as_role, "error-boundary")
    (job,) = activate(as_role, "charge")
    failed = as_role("operator", "post", f"/v2/jobs/{job['jobKey']}/failure", json={"retries": 0, "errorMessage": "x"})
    assert failed.status_code == 204
    incidents = as_role(
        "viewer", "post", "/v2/incidents/search", json={"filter": {"processInstanceKey": created["processInstanceKey"]}}
    ).get_json()["items"]
    assert [(i["errorType"], i["errorMessage"], i["jobKey"]) for i in incidents] == [
        ("JOB_NO_RETRIES", "x", job["jobKey"])
    ]
    key = incidents[0]["incidentKey"]
    assert as_role("operator", "post", f"/v2/incidents/{key}/resolution").status_code == 204
    (again,) = activate(as_role, "charge")
    assert again["jobKey"] == job["jobKey"] and again["retries"] == 1


def test_a_bpmn_error_reaches_the_boundary_event(as_role: Call) -> None:
    deploy(as_role, "error-boundary.bpmn")
    start(as_role, "error-boundary")
    (job,) = activate(as_role, "charge")
    body = {"errorCode": "CARD_DECLINED", "errorMessage": "no", "variables": {"reason": "limit"}}
    assert as_role("operator", "post", f"/v2/jobs/{job['jobKey']}/error", json=body).status_code == 204
    (notify,) = activate(as_role, "notify")
    assert notify["variables"]["reason"] == "limit" and notify["elementId"] == "Notify"


def test_a_job_nobody_activated_cannot_be_reported(as_role: Call) -> None:
    deploy(as_role, "error-boundary.bpmn")
    start(as_role, "error-boundary")
    (job,) = activate(as_role, "charge")
    as_role("operator", "patch", f"/v2/jobs/{job['jobKey']}", json={"changeset": {"retries": 5}})
    assert as_role("operator", "post", f"/v2/jobs/{job['jobKey']}/completion", json={}).status_code == 204
    assert as_role("operator", "post", "/v2/jobs/2251799813685249999/completion", json={}).status_code == 404


BAD_INPUT = [
    ("post", "/v2/process-instances", {"processDefinitionId": 5}, 400),
    ("post", "/v2/process-instances", {"processDefinitionId": "error-boundary", "variables": [1]}, 400),
    ("post", "/v2/process-instances", {"processDefinitionKey": "1" * 40}, 400),
    ("post", "/v2/process-instances", {"processDefinitionKey": 10**30}, 400),
    ("post", "/v2/process-instances", {"variables": {}}, 400),
    ("post", "/v2/process-instances", {"processDefinitionId": "nope"}, 404),
    (
        "post",
        "/v2/process-instances",
        {"processDefinitionId": "error-boundary", "processDefinitionVersion": 10**20},
        400,
    ),
    ("post", "/v2/process-instances", {"processDefinitionId": "error-boundary", "tenantId": "acme"}, 400),
    ("post", "/v2/process-instances", {"processDefinitionId": "error-boundary", "awaitCompletion": "yes"}, 400),
    ("post", "/v2/process-instances", {"processDefinitionId": "error-boundary", "startInstructions": [{}]}, 400),
    ("post", "/v2/process-instances", "[1, 2]", 400),
    ("post", "/v2/process-instances", '{"processDefinitionId": "error-boundary", "variables": {"x": NaN}}', 400),
    ("post", "/v2/process-instances", '{"processDefinitionId": "error-boundary", "variables": {"x": "\\ud800"}}', 400),
    (
        "post",
        "/v2/process-instances",
        '{"processDefinitionId": "error-boundary", "variables": {"x": "a\\u0000b"}}',
        400,
    ),
    ("post", "/v2/process-instances", '{"processDefinitionId": "error-boundary", "variables": {"a\\u0000": 1}}', 400),
    (
        "post",
        "/v2/process-instances",
        '{"processDefinitionId": "error-boundary", "variables": {"%s": 1}}' % ("n" * 1001),
        400,
    ),
    (
        "post",
        "/v2/process-instances",
        '{"processDefinitionId": "error-boundary", "variables": ' + "[" * 5000 + "]" * 5000 + "}",
        400,
    ),
    ("post", "/v2/process-instances", "{not json", 400),
    ("post", "/v2/process-instances", '{"processDefinitionId": "error-boundary", "variables": {"x": 1e400}}', 400),
    (
        "post",
        "/v2/process-instances",
        '{"processDefinitionId": "error-boundary", "variables": {"x": ' + "9" * 5000 + "}}",
        400,
    ),
    ("post", "/v2/process-instances", b'{"processDefinitionId": "error-\xff"}', 400),
    ("post", "/v2/jobs/activation", {"type": "charge", "timeout": 1e400, "maxJobsToActivate": 1}, 400),
    (
        "post",
        "/v2/jobs/activation",
        {"type": "charge", "timeout": 1000, "maxJobsToActivate": 1, "fetchVariable": "x"},
        400,
    ),
    ("post", "/v2/jobs/activation", {"type": ["charge"], "timeout": 1000, "maxJobsToActivate": 1}, 400),
    ("post", "/v2/jobs/activation", {"type": "charge", "timeout": "1", "maxJobsToActivate": 1}, 400),
    ("post", "/v2/jobs/activation", {"type": "charge", "timeout": 1000}, 400),
    ("post", "/v2/jobs/activation", {"timeout": 1000, "maxJobsToActivate": 1}, 400),
    ("post", "/v2/jobs/activation", {"type": "charge", "timeout": 1000, "maxJobsToActivate": 2**64}, 400),
    ("post", "/v2/jobs/activation", {"type": "charge", "timeout": True, "maxJobsToActivate": 1}, 400),
    ("post", "/v2/jobs/activation", {"type": "charge", "timeout": 1.5, "maxJobsToActivate": 1}, 400),
    ("post", "/v2/jobs/123/completion", {"variables": "x"}, 400),
    ("post", "/v2/jobs/abc/completion", {}, 404),
    ("post", "/v2/jobs/123/failure", {"retries": -1}, 400),
    ("post", "/v2/jobs/123/error", {"errorMessage": "no code"}, 400),
    ("patch", "/v2/jobs/123", {"changeset": {}}, 400),
    ("patch", "/v2/jobs/123", {"changeset": {"retries": "3"}}, 400),
    ("post", "/v2/process-instances/search", {"filter": {"state": "RUNNING"}}, 400),
    ("post", "/v2/process-instances/search", {"filter": {"processDefinitionId": {"$like": "x"}}}, 400),
    ("post", "/v2/process-instances/search", {"page": {"limit": 0}}, 400),
    ("post", "/v2/process-instances/search", {"filter": "x"}, 400),
    ("post", "/v2/incidents/search", {"page": {"from": -1}}, 400),
    ("get", "/v2/process-instances/99999999999999999999999", None, 404),
    ("post", "/v2/nothing-here", {}, 404),
    ("post", "/v2/messages/correlation", {"correlationKey": "x"}, 400),
    ("post", "/v2/messages/correlation", {"name": "payment-received", "correlationKey": 5}, 400),
    ("post", "/v2/messages/publication", {"name": "m", "timeToLive": -5}, 400),
    ("post", "/v2/messages/publication", {"name": "m", "timeToLive": 2**70}, 400),
    ("post", "/v2/signals/broadcast", {"signalName": "go", "variables": "x"}, 400),
    ("post", "/v2/signals/broadcast", {}, 400),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), BAD_INPUT)
def test_bad_input_is_a_4xx_problem_and_changes_nothing(
    as_role: Call, engine: Engine, method: str, path: str, body: Any, status: int
) -> None:
    deploy(as_role, "error-boundary.bpmn")
    before = (len(engine.instances()), [(j.id, j.state, j.lock_owner) for j in engine.store_jobs()])
    kwargs: dict[str, Any] = {}
    if isinstance(body, (str, bytes)):
        kwargs = {"data": body, "content_type": "application/json"}
    elif body is not None:
        kwargs = {"json": body}
    response = as_role("admin", method, path, **kwargs)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()) == {"type", "title", "status", "detail", "instance"}
    assert (len(engine.instances()), [(j.id, j.state, j.lock_owner) for j in engine.store_jobs()]) == before


@pytest.mark.parametrize(
    ("path", "content_type", "data"),
    [
        ("/v2/process-instances", "text/plain", '{"processDefinitionId": "error-boundary"}'),
        ("/v2/deployments", "application/json", "{}"),
    ],
)
def test_a_wrong_content_type_is_415(as_role: Call, engine: Engine, path: str, content_type: str, data: str) -> None:
    response = as_role("admin", "post", path, data=data, content_type=content_type)
    assert response.status_code == 415 and response.get_json()["title"] == "Unsupported Media Type"
    assert engine.instances() == []


def test_a_wrong_method_is_405_naming_the_allowed_ones(as_role: Call) -> None:
    response = as_role("admin", "get", "/v2/deployments")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert response.headers["Allow"] == "POST"


def test_deploy_refuses_other_tenants_dmn_and_missing_parts(as_role: Call, engine: Engine) -> None:
    for data in (
        {"resources": (io.BytesIO(b"<x/>"), "rules.dmn")},
        {"tenantId": "acme", "resources": (io.BytesIO(bpmn_file("error-boundary.bpmn")[1]), "e.bpmn")},
        {"other": (io.BytesIO(b"x"), "e.bpmn")},
    ):
        response = as_role("admin", "post", "/v2/deployments", data=data, content_type="multipart/form-data")
        assert response.status_code == 400, response.get_json()
    assert engine.definitions.resolve  # the registry exists, and nothing was deployed:
    assert as_role("viewer", "post", "/v2/process-instances/search", json={}).get_json()["page"]["totalItems"] == 0


def test_variables_and_element_instances_of_one_instance_are_searchable(as_role: Call) -> None:
    deploy(as_role, "error-boundary.bpmn")
    created = start(as_role, "error-boundary", {"amount": 12.5, "customer": {"id": 7}})
    key = created["processInstanceKey"]
    found = as_role(
        "viewer", "post", "/v2/variables/search", json={"filter": {"processInstanceKey": key, "name": "customer"}}
    ).get_json()
    assert [(v["name"], v["value"], v["scopeKey"]) for v in found["items"]] == [("customer", '{"id": 7}', key)]
    again = as_role("viewer", "post", "/v2/variables/search", json={"filter": {"processInstanceKey": key}}).get_json()
    assert {v["name"] for v in again["items"]} == {"amount", "customer"}
    assert {v["variableKey"] for v in again["items"]} >= {found["items"][0]["variableKey"]}  # stable keys
    elements = as_role(
        "viewer", "post", "/v2/element-instances/search", json={"filter": {"processInstanceKey": key}}
    ).get_json()["items"]
    by_id = {e["elementId"]: e for e in elements}
    assert by_id["StartEvent_1"]["type"] == "START_EVENT" and by_id["StartEvent_1"]["state"] == "COMPLETED"
    assert by_id["Charge"]["type"] == "SERVICE_TASK" and by_id["Charge"]["state"] == "ACTIVE"
    (job,) = activate(as_role, "charge")
    assert job["elementInstanceKey"] == by_id["Charge"]["elementInstanceKey"]
    active = as_role(
        "viewer",
        "post",
        "/v2/element-instances/search",
        json={"filter": {"processInstanceKey": key, "state": "ACTIVE", "type": "SERVICE_TASK"}},
    ).get_json()
    assert [e["elementId"] for e in active["items"]] == ["Charge"]
    missing = as_role("viewer", "post", "/v2/variables/search", json={"filter": {}})
    assert missing.status_code == 400


def test_a_message_correlates_to_the_waiting_instance_by_correlation_key(as_role: Call) -> None:
    deploy(as_role, "message-catch-c8.bpmn")
    first = start(as_role, "message-catch-c8", {"orderId": "A-1"})
    second = start(as_role, "message-catch-c8", {"orderId": "B-2"})
    body = {"name": "payment-received", "correlationKey": "B-2", "variables": {"paid": True}}
    answer = as_role("operator", "post", "/v2/messages/correlation", json=body).get_json()
    assert answer["processInstanceKey"] == second["processInstanceKey"] and answer["messageKey"].isdigit()
    assert as_role("viewer", "get", f"/v2/process-instances/{second['processInstanceKey']}").get_json()["state"] == (
        "COMPLETED"
    )
    assert as_role("viewer", "get", f"/v2/process-instances/{first['processInstanceKey']}").get_json()["state"] == (
        "ACTIVE"
    )
    again = as_role("operator", "post", "/v2/messages/correlation", json=body)
    assert again.status_code == 404 and again.get_json()["title"] == "NOT_FOUND"


def test_a_publication_with_a_message_id_is_delivered_once_and_one_nobody_awaits_is_buffered(as_role: Call) -> None:
    deploy(as_role, "message-catch-c8.bpmn")
    created = start(as_role, "message-catch-c8", {"orderId": "A-1"})
    other = start(as_role, "message-catch-c8", {"orderId": "A-1"})
    body = {"name": "payment-received", "correlationKey": "A-1", "messageId": "pay-1", "timeToLive": 60_000}
    first = as_role("operator", "post", "/v2/messages/publication", json=body).get_json()
    second = as_role("operator", "post", "/v2/messages/publication", json=body).get_json()
    assert first["messageKey"] == second["messageKey"]
    states = sorted(
        as_role("viewer", "get", f"/v2/process-instances/{i['processInstanceKey']}").get_json()["state"]
        for i in (created, other)
    )
    assert states == ["ACTIVE", "COMPLETED"]  # the duplicate publication delivered nothing
    early = {"name": "payment-received", "correlationKey": "C-3", "timeToLive": 60_000, "variables": {"paid": 1}}
    buffered = as_role("operator", "post", "/v2/messages/publication", json=early)
    assert buffered.status_code == 200 and buffered.get_json()["messageKey"].isdigit()
    later = start(as_role, "message-catch-c8", {"orderId": "C-3"})
    assert as_role("viewer", "get", f"/v2/process-instances/{later['processInstanceKey']}").get_json()["state"] == (
        "COMPLETED"
    )


def test_a_signal_broadcast_reaches_every_waiting_instance(as_role: Call) -> None:
    deploy(as_role, "signal-throw-catch.bpmn")
    waiting = [start(as_role, "signal-wait") for _ in range(2)]
    answer = as_role("operator", "post", "/v2/signals/broadcast", json={"signalName": "go"}).get_json()
    assert answer["signalKey"].isdigit() and answer["tenantId"] == "<default>"
    for instance in waiting:
        state = as_role("viewer", "get", f"/v2/process-instances/{instance['processInstanceKey']}").get_json()["state"]
        assert state == "COMPLETED"


def test_modeler_links_to_operate_land_on_our_pages(as_role: Call, client: FlaskClient) -> None:
    deploy(as_role, "error-boundary.bpmn")
    created = start(as_role, "error-boundary")
    session_login(client, "viewer")
    instance = client.get(f"/operate/processes/{created['processInstanceKey']}")
    assert instance.status_code == 302 and "/instances/" in instance.headers["Location"]
    assert client.get(instance.headers["Location"]).status_code == 200
    listing = client.get("/operate/processes?process=error-boundary&version=1&active=true&incidents=true")
    assert listing.status_code == 302 and listing.headers["Location"].endswith("/definitions/error-boundary?version=1")
    assert client.get("/operate/processes/12345").status_code == 404


MODELER_HEADERS = {
    # What Camunda Modeler 5.47+ sends through @camunda8/sdk 8.8 (see shared research on Modeler's requests).
    "user-agent": "camunda8-sdk-nodejs/8.8.11",
    "accept": "*/*",
    "accept-encoding": "gzip, deflate, br",
}


def test_camunda_modelers_own_requests_check_deploy_and_start(client: FlaskClient) -> None:
    auth = basic("admin")["Authorization"]
    probe = client.get(
        "/v2/topology", headers=MODELER_HEADERS | {"content-type": "application/json", "authorization": auth}
    )
    assert probe.status_code == 200 and probe.get_json()["gatewayVersion"] == "8.8.0"
    boundary = "--------------------------384021796254071384203918"
    name, xml = bpmn_file("database-creation-c8.bpmn")
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="tenantId"\r\n\r\n<default>\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="resources"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + xml
        + f"\r\n--{boundary}--\r\n".encode()
    )
    deployed = client.post(
        "/v2/deployments",
        data=body,
        headers=MODELER_HEADERS
        | {
            "accept": "application/json",
            "authorization": auth,
            "content-type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert deployed.status_code == 200, deployed.get_json()
    (entry,) = deployed.get_json()["deployments"]
    assert entry["processDefinition"]["resourceName"] == name  # Modeler finds its process by this name
    started = client.post(
        "/v2/process-instances",
        data='{"variables":{"regions":["eu"]},"processDefinitionId":"database-creation-c8","tenantId":"<default>"}',
        headers=MODELER_HEADERS | {"content-type": "application/json", "authorization": auth},
    )
    assert started.status_code == 200 and started.get_json()["processInstanceKey"].isdigit()
