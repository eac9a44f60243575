"""Jobs of a called child belong to the child's definition, over Camunda 7 and Camunda 8 REST.

``c7-order-nested`` packs the order itself (topic ``ship``) and calls ``c7-fulfilment``, which calls
``c7-shipping``, whose ``ShipParcel`` (topic ``ship`` too, inside an embedded subprocess) runs two
calls deep; the ``c8-`` models do the same. The child runs inside the caller's instance here (see
docs/DESIGN.md, *A called child in the views*), so its jobs keep the caller's instance, but, as in
Camunda, their definition is the child's: what they report, and what a subscription filters by.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from engine.store.records import InstanceRecord
from tests.integration.conftest import bpmn_file

Call = Callable[..., TestResponse]
C7_MODELS = ("calls/c7-order-nested.bpmn", "calls/c7-fulfilment.bpmn", "calls/c7-shipping.bpmn")
C8_MODELS = ("calls/c8-order-nested.bpmn", "calls/c8-fulfilment.bpmn", "calls/c8-shipping.bpmn")


@pytest.fixture
def c7_started(engine: Engine) -> InstanceRecord:
    engine.deploy([bpmn_file(name) for name in C7_MODELS])
    return engine.start("c7-order-nested", {})


def fetch(as_role: Call, **topic: Any) -> dict[str, dict[str, Any]]:
    """fetchAndLock of topic ``ship`` with ``topic``'s filters: activity id -> locked task."""
    body = {"workerId": "w", "maxTasks": 10, "topics": [{"topicName": "ship", "lockDuration": 60_000, **topic}]}
    response = as_role("operator", "post", "/engine-rest/external-task/fetchAndLock", json=body)
    assert response.status_code == 200, response.get_json()
    return {task["activityId"]: task for task in response.get_json()}


def test_fetch_and_lock_reports_a_called_childs_definition_and_the_callers_instance(
    as_role: Call, engine: Engine, c7_started: InstanceRecord
) -> None:
    shipping = engine.definitions.resolve("c7-shipping", None)
    tasks = fetch(as_role)

    assert set(tasks) == {"PackOrder", "ShipParcel"}
    ship = tasks["ShipParcel"]
    assert ship["processDefinitionId"] == shipping.id and ship["processDefinitionKey"] == "c7-shipping"
    assert ship["processDefinitionVersionTag"] == "1.0"
    assert ship["processInstanceId"] == c7_started.id
    pack = tasks["PackOrder"]
    assert pack["processDefinitionId"] == c7_started.definition_id
    assert pack["processDefinitionKey"] == "c7-order-nested" and pack["processDefinitionVersionTag"] == "3.0"


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ({"processDefinitionKey": "c7-shipping"}, {"ShipParcel"}),
        ({"processDefinitionKey": "c7-order-nested"}, {"PackOrder"}),
        ({"processDefinitionKey": "c7-fulfilment"}, set()),
        ({"processDefinitionKeyIn": ["c7-shipping", "c7-fulfilment"]}, {"ShipParcel"}),
        ({"processDefinitionVersionTag": "1.0"}, {"ShipParcel"}),
        ({"processDefinitionVersionTag": "3.0"}, {"PackOrder"}),
        ({"processDefinitionVersionTag": "2.0"}, set()),
    ],
)
def test_fetch_and_lock_filters_a_called_childs_task_by_the_childs_definition(
    as_role: Call, c7_started: InstanceRecord, topic: dict[str, Any], expected: set[str]
) -> None:
    assert set(fetch(as_role, **topic)) == expected


def test_fetch_and_lock_filters_by_definition_id_the_child_and_the_caller_apart(
    as_role: Call, engine: Engine, c7_started: InstanceRecord
) -> None:
    shipping = engine.definitions.resolve("c7-shipping", None)
    assert set(fetch(as_role, processDefinitionId=shipping.id)) == {"ShipParcel"}
    assert set(fetch(as_role, processDefinitionIdIn=[c7_started.definition_id])) == {"PackOrder"}


def test_external_task_listing_reports_and_filters_a_called_childs_definition(
    as_role: Call, engine: Engine, c7_started: InstanceRecord
) -> None:
    shipping = engine.definitions.resolve("c7-shipping", None)
    listed = as_role("viewer", "get", f"/engine-rest/external-task?processDefinitionId={shipping.id}").get_json()
    assert [(t["activityId"], t["processDefinitionKey"]) for t in listed] == [("ShipParcel", "c7-shipping")]
    own = as_role("viewer", "get", f"/engine-rest/external-task?processDefinitionId={c7_started.definition_id}")
    assert [t["activityId"] for t in own.get_json()] == ["PackOrder"]
    counted = as_role("viewer", "get", f"/engine-rest/external-task/count?processDefinitionId={shipping.id}")
    assert counted.get_json() == {"count": 1}


def c8_deploy(as_role: Call) -> dict[str, dict[str, Any]]:
    """Deploy the c8 models; process id -> its deployed processDefinition."""
    data: dict[str, Any] = {"resources": [(io.BytesIO(bpmn_file(n)[1]), bpmn_file(n)[0]) for n in C8_MODELS]}
    response = as_role("admin", "post", "/v2/deployments", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    deployed = [d["processDefinition"] for d in response.get_json()["deployments"]]
    return {d["processDefinitionId"]: d for d in deployed}


def test_job_activation_reports_a_called_childs_definition_and_the_callers_instance(as_role: Call) -> None:
    deployed = c8_deploy(as_role)
    started = as_role("operator", "post", "/v2/process-instances", json={"processDefinitionId": "c8-order-nested"})
    assert started.status_code == 200, started.get_json()
    instance_key = started.get_json()["processInstanceKey"]
    body = {"type": "ship", "worker": "w", "timeout": 30_000, "maxJobsToActivate": 5, "requestTimeout": -1}
    response = as_role("operator", "post", "/v2/jobs/activation", json=body)
    jobs = {job["elementId"]: job for job in response.get_json()["jobs"]}

    assert set(jobs) == {"PackOrder", "ShipParcel"}
    ship, pack = jobs["ShipParcel"], jobs["PackOrder"]
    shipping, order = deployed["c8-shipping"], deployed["c8-order-nested"]
    assert ship["processDefinitionId"] == "c8-shipping"
    assert ship["processDefinitionKey"] == shipping["processDefinitionKey"]
    assert ship["processDefinitionVersion"] == shipping["processDefinitionVersion"]
    assert ship["processInstanceKey"] == instance_key and ship["elementInstanceKey"] != pack["elementInstanceKey"]
    assert pack["processDefinitionId"] == "c8-order-nested"
    assert pack["processDefinitionKey"] == order["processDefinitionKey"]

    searched = as_role("viewer", "post", "/v2/jobs/search", json={"filter": {"processInstanceKey": instance_key}})
    found = {job["elementId"]: job for job in searched.get_json()["items"]}
    assert found["ShipParcel"]["processDefinitionId"] == "c8-shipping"
    assert found["ShipParcel"]["processDefinitionKey"] == shipping["processDefinitionKey"]
    assert found["ShipParcel"]["elementInstanceKey"] == ship["elementInstanceKey"]
    assert found["PackOrder"]["processDefinitionKey"] == order["processDefinitionKey"]
