"""/v2 jobs and message-subscription searches of one instance (what Modeler's task testing asks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import bpmn_file

Call = Callable[..., TestResponse]


def search(as_role: Call, what: str, **filters: Any) -> TestResponse:
    return as_role("viewer", "post", f"/v2/{what}/search", json={"filter": filters})


def instance_key(as_role: Call, process_id: str, variables: dict[str, Any]) -> str:
    body = {"processDefinitionId": process_id, "variables": variables}
    return str(as_role("operator", "post", "/v2/process-instances", json=body).get_json()["processInstanceKey"])


def test_the_jobs_of_an_instance_are_found_with_every_field_clients_require(as_role: Call, engine: Engine) -> None:
    engine.deploy([bpmn_file("error-boundary.bpmn")])
    key = instance_key(as_role, "error-boundary", {"mode": "search"})
    (job,) = search(as_role, "jobs", processInstanceKey=key).get_json()["items"]
    assert job["type"] == "charge" and job["state"] == "CREATED" and job["processInstanceKey"] == key
    assert job["jobKey"].isdigit() and job["worker"] == "" and job["processDefinitionId"] == "error-boundary"
    activation = {"type": "charge", "worker": "w9", "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": -1}
    (activated,) = as_role("operator", "post", "/v2/jobs/activation", json=activation).get_json()["jobs"]
    assert activated["jobKey"] == job["jobKey"]
    (held,) = search(as_role, "jobs", processInstanceKey=key).get_json()["items"]
    assert held["worker"] == "w9" and held["deadline"] is not None
    assert search(as_role, "jobs", processInstanceKey=key, type="other").get_json()["items"] == []
    failed = {"retries": 0, "errorMessage": "card service down"}
    as_role("operator", "post", f"/v2/jobs/{job['jobKey']}/failure", json=failed)
    (incident_job,) = search(as_role, "jobs", processInstanceKey=key, state="FAILED").get_json()["items"]
    assert incident_job["errorMessage"] == "card service down" and incident_job["hasFailedWithRetriesLeft"] is False


def test_the_message_subscriptions_of_an_instance_are_found_until_it_takes_the_message(
    as_role: Call, engine: Engine
) -> None:
    engine.deploy([bpmn_file("message-catch-c8.bpmn")])
    key = instance_key(as_role, "message-catch-c8", {"orderId": "S-1"})
    (sub,) = search(as_role, "message-subscriptions", processInstanceKey=key).get_json()["items"]
    assert sub["messageName"] == "payment-received" and sub["correlationKey"] == "S-1"
    assert sub["elementId"] == "WaitForPayment" and sub["messageSubscriptionState"] == "CREATED"
    assert sub["messageSubscriptionKey"].isdigit() and sub["processDefinitionVersion"] == 1
    message = {"name": "payment-received", "correlationKey": "S-1"}
    as_role("operator", "post", "/v2/messages/publication", json=message)
    assert search(as_role, "message-subscriptions", processInstanceKey=key).get_json()["items"] == []


def test_both_searches_need_one_instance(as_role: Call, engine: Engine) -> None:
    for what in ("jobs", "message-subscriptions"):
        response = search(as_role, what)
        assert response.status_code == 400 and "processInstanceKey" in response.get_json()["detail"]
        assert search(as_role, what, processInstanceKey="2251799813685999").status_code == 404
