"""Definitions, instances (runtime and history), typed variables, the activity tree, incidents, messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import bpmn_file
from tests.integration.engine_rest_helpers import typed

Call = Callable[..., TestResponse]
R = "/engine-rest"


@pytest.fixture
def api(as_role: Call, deployed: Engine) -> Call:
    """Calls as an operator by default: ``api("get", path)`` or ``api("post", path, json=..., role=...)``."""

    def call(method: str, path: str, role: str = "operator", **kwargs: Any) -> TestResponse:
        return as_role(role, method, R + path, **kwargs)

    return call


def start(api: Call, key: str = "database-creation", **body: Any) -> str:
    response = api("post", f"/process-definition/key/{key}/start", json=body)
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["id"])


# -- definitions -----------------------------------------------------------------------------------
def test_definitions_list_filters_by_key_and_latest_version(api: Call, engine: Engine) -> None:
    name, xml = bpmn_file("database-creation.bpmn")
    engine.deploy([(name, xml.replace(b'name="Database creation"', b'name="Database creation v2"'))])
    everything = api("get", "/process-definition?key=database-creation").get_json()
    assert sorted(d["version"] for d in everything) == [1, 2]
    latest = api("get", "/process-definition?key=database-creation&latestVersion=true").get_json()
    assert [d["version"] for d in latest] == [2]
    assert api("get", "/process-definition/count?latestVersion=true").get_json()["count"] == 2
    paged = api("get", "/process-definition?sortBy=version&sortOrder=desc&firstResult=0&maxResults=1").get_json()
    assert len(paged) == 1 and paged[0]["version"] == 2


def test_definition_by_key_is_the_latest_and_by_id_has_xml(api: Call) -> None:
    by_key = api("get", "/process-definition/key/database-creation").get_json()
    assert by_key["key"] == "database-creation" and by_key["resource"] == "database-creation.bpmn"
    by_id = api("get", f"/process-definition/{by_key['id']}").get_json()
    assert by_id == by_key
    xml = api("get", f"/process-definition/{by_key['id']}/xml").get_json()
    assert xml["id"] == by_key["id"] and "<bpmn:process" in xml["bpmn20Xml"]
    assert "bpmn20Xml" in api("get", "/process-definition/key/database-creation/xml").get_json()


@pytest.mark.parametrize(
    "path", ["/process-definition/nope:1:x", "/process-definition/key/nope", "/process-definition/key/nope/xml"]
)
def test_unknown_definitions_are_404_in_camunda_shape(api: Call, path: str) -> None:
    response = api("get", path)
    assert response.status_code == 404
    assert set(response.get_json()) >= {"type", "message"}


def test_start_by_key_with_typed_variables_and_variables_in_return(api: Call) -> None:
    response = api(
        "post",
        "/process-definition/key/database-creation/start",
        json={
            "businessKey": "B-1",
            "withVariablesInReturn": True,
            "variables": {
                "database": typed("orders", "String"),
                "replicas": typed("3", "Integer"),
                "big": typed(2**40, "Long"),
                "ratio": typed(0.5, "Double"),
                "urgent": typed("true", "Boolean"),
                "due": typed("2026-01-23T13:59:43.000+0200", "Date"),
                "config": typed('{"regions": ["eu", "us"]}', "Json"),
                "nothing": typed(None, "Null"),
                "untyped": {"value": ["a"]},
            },
        },
    )
    assert response.status_code == 200
    variables = response.get_json()["variables"]
    assert variables["replicas"] == {"type": "Integer", "value": 3, "valueInfo": {}}
    assert variables["big"]["type"] == "Long"
    assert variables["ratio"]["type"] == "Double"
    assert variables["urgent"]["value"] is True
    assert variables["due"] == {"type": "Date", "value": "2026-01-23T13:59:43.000+0200", "valueInfo": {}}
    assert variables["config"]["type"] == "Json" and '"regions"' in variables["config"]["value"]
    assert variables["nothing"]["type"] == "Null"
    assert variables["untyped"] == {"type": "Json", "value": '["a"]', "valueInfo": {}}


@pytest.mark.parametrize(
    "variable",
    [
        typed("x", "Integer"),
        typed(2**40, "Integer"),
        typed("yes", "Boolean"),
        typed("{not json", "Json"),
        typed("2026-13-45", "Date"),
        typed("x", "Bytes"),
        typed("x", "Whatever"),
        "not an object",
    ],
)
def test_malformed_typed_variables_are_400(api: Call, variable: Any) -> None:
    response = api("post", "/process-definition/key/database-creation/start", json={"variables": {"v": variable}})
    assert response.status_code == 400
    assert response.get_json()["type"] == "InvalidRequestException"


@pytest.mark.parametrize("body", [b"{broken", b"[1, 2]", b'"text"'])
def test_malformed_json_bodies_are_400(api: Call, body: bytes) -> None:
    response = api(
        "post", "/process-definition/key/database-creation/start", data=body, content_type="application/json"
    )
    assert response.status_code == 400 and "message" in response.get_json()


# -- instances -----------------------------------------------------------------------------------
def test_instance_list_filters_like_camunda(api: Call, engine: Engine) -> None:
    first = start(api, businessKey="A")
    second = start(api, businessKey="B")
    third = start(api, "approval", businessKey="A")
    ids = {i["id"] for i in api("get", "/process-instance").get_json()}
    assert {first, second, third} <= ids
    assert [i["id"] for i in api("get", "/process-instance?businessKey=B").get_json()] == [second]
    by_key = api("get", "/process-instance?processDefinitionKey=database-creation&businessKey=A").get_json()
    assert [i["id"] for i in by_key] == [first]
    chosen = api("get", f"/process-instance?processInstanceIds={first},{third}").get_json()
    assert {i["id"] for i in chosen} == {first, third}
    assert len(api("get", "/process-instance?active=true").get_json()) == 3
    assert api("get", "/process-instance?suspended=true").get_json() == []
    assert api("get", "/process-instance/count?businessKey=A").get_json() == {"count": 2}
    posted = api("post", "/process-instance", json={"processInstanceIds": [second], "businessKey": "B"}).get_json()
    assert [i["id"] for i in posted] == [second]


def test_ended_instances_leave_the_runtime_and_stay_in_history(api: Call, engine: Engine) -> None:
    instance_id = start(api, businessKey="done")
    engine.cancel(instance_id)
    assert api("get", f"/process-instance/{instance_id}").status_code == 404
    assert api("get", "/process-instance?businessKey=done").get_json() == []
    history = api("get", f"/history/process-instance?processInstanceId={instance_id}").get_json()
    assert history[0]["state"] == "EXTERNALLY_TERMINATED" and history[0]["endTime"]
    assert api("get", "/history/process-instance?finished=true").get_json()[0]["id"] == instance_id
    assert api("get", "/history/process-instance?unfinished=true&businessKey=done").get_json() == []
    one = api("get", f"/history/process-instance/{instance_id}").get_json()
    assert one["processDefinitionKey"] == "database-creation"
    assert api("get", "/history/process-instance?state=EXTERNALLY_TERMINATED").get_json()[0]["id"] == instance_id


def test_delete_cancels_a_running_instance(api: Call, engine: Engine) -> None:
    instance_id = start(api)
    assert api("delete", f"/process-instance/{instance_id}", role="viewer").status_code == 403
    assert api("delete", f"/process-instance/{instance_id}").status_code == 204
    assert engine.instance(instance_id).state == "cancelled"
    assert api("delete", f"/process-instance/{instance_id}").status_code == 404


def test_variables_get_put_and_modify_in_typed_format(api: Call) -> None:
    instance_id = start(api, variables={"database": typed("orders", "String")})
    path = f"/process-instance/{instance_id}/variables"
    assert api("get", f"{path}/database").get_json() == {"type": "String", "value": "orders", "valueInfo": {}}
    assert api("put", f"{path}/size", json=typed(12, "Integer")).status_code == 204
    modified = api("post", path, json={"modifications": {"tags": typed('["a"]', "Json"), "database": typed("x")}})
    assert modified.status_code == 204
    everything = api("get", path).get_json()
    assert everything["size"]["value"] == 12 and everything["tags"]["value"] == '["a"]'
    assert everything["database"]["value"] == "x"
    assert api("get", f"{path}/missing").status_code == 404
    assert api("put", f"{path}/size", json=typed("x", "Integer")).status_code == 400
    assert api("post", path, json={"deletions": ["size"]}).status_code == 400
    assert api("put", f"{path}/size", json=typed(1), role="viewer").status_code == 403


def test_activity_instance_tree_shows_where_the_instance_is(api: Call) -> None:
    instance_id = start(api)
    tree = api("get", f"/process-instance/{instance_id}/activity-instances").get_json()
    assert tree["id"] == instance_id and tree["activityType"] == "processDefinition"
    children = {c["activityId"]: c for c in tree["childActivityInstances"]}
    assert set(children) == {"Activity_CreateDatabaseIstanbul", "Activity_CreateDatabaseAnkara"}
    child = children["Activity_CreateDatabaseAnkara"]
    assert child["activityType"] == "serviceTask" and child["activityName"] == "Create database (Ankara)"
    assert child["parentActivityInstanceId"] == instance_id


def test_incidents_list_and_retries_resolve_them(api: Call, engine: Engine) -> None:
    instance_id = start(api)
    job = engine.claim_jobs("w", ["create-database"], max_jobs=1)[0]
    engine.fail_job(job.id, "disk full", worker_id="w", retries=0)
    incidents = api("get", f"/incident?processInstanceId={instance_id}").get_json()
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident["incidentType"] == "failedExternalTask" and incident["configuration"] == job.id
    assert incident["incidentMessage"] == "disk full" and incident["activityId"] == job.element_id
    assert api("get", "/incident/count?incidentType=failedExternalTask").get_json() == {"count": 1}
    assert api("get", f"/incident/{incident['id']}").get_json()["id"] == incident["id"]
    flagged = api("get", "/process-instance?withIncident=true").get_json()
    assert [i["id"] for i in flagged] == [instance_id]
    tree = api("get", f"/process-instance/{instance_id}/activity-instances").get_json()
    assert any(c["incidentIds"] == [incident["id"]] for c in tree["childActivityInstances"])
    assert api("put", f"/job/{job.id}/retries", json={"retries": 2}).status_code == 204
    assert api("get", f"/incident?processInstanceId={instance_id}").get_json() == []
    assert api("get", f"/external-task/{job.id}").get_json()["retries"] == 2


# -- messages --------------------------------------------------------------------------------------
@pytest.fixture
def receivers(api: Call, engine: Engine) -> tuple[str, str]:
    engine.deploy([bpmn_file("receive-task-c7.bpmn"), bpmn_file("message-start.bpmn")])
    one = start(api, "receive-task-c7", businessKey="order-1", variables={"orderId": typed(1)})
    two = start(api, "receive-task-c7", businessKey="order-2", variables={"orderId": typed(2)})
    return one, two


def test_message_needs_exactly_one_target_unless_all(api: Call, receivers: tuple[str, str]) -> None:
    response = api("post", "/message", json={"messageName": "approval"})
    assert response.status_code == 400
    assert response.get_json()["type"] == "MismatchingMessageCorrelationException"
    assert api("get", f"/process-instance/{receivers[0]}").status_code == 200


def test_message_by_business_key_with_result(api: Call, engine: Engine, receivers: tuple[str, str]) -> None:
    response = api(
        "post",
        "/message",
        json={
            "messageName": "approval",
            "businessKey": "order-1",
            "processVariables": {"approved": typed(True, "Boolean")},
            "resultEnabled": True,
            "variablesInResultEnabled": True,
        },
    )
    assert response.status_code == 200
    result = response.get_json()[0]
    assert result["resultType"] == "Execution" and result["execution"]["processInstanceId"] == receivers[0]
    assert result["variables"]["approved"]["value"] is True
    assert engine.instance(receivers[0]).state == "completed"
    assert engine.instance(receivers[1]).state == "running"


def test_message_by_correlation_keys_without_result_is_204(api: Call, engine: Engine, receivers: tuple) -> None:
    body = {"messageName": "approval", "correlationKeys": {"orderId": typed(2, "Integer")}}
    assert api("post", "/message", json=body).status_code == 204
    assert engine.instance(receivers[1]).state == "completed"
    assert api("post", "/message", json=body).status_code == 400  # nobody waits any more


def test_message_to_all_and_message_start(api: Call, engine: Engine, receivers: tuple[str, str]) -> None:
    every = api("post", "/message", json={"messageName": "approval", "all": True, "resultEnabled": True})
    assert len(every.get_json()) == 2
    assert all(engine.instance(i).state == "completed" for i in receivers)
    started = api("post", "/message", json={"messageName": "order-placed", "resultEnabled": True}).get_json()
    assert started[0]["resultType"] == "ProcessDefinition" and started[0]["processInstance"]["id"]


@pytest.mark.parametrize("body", [{}, {"messageName": 5}, {"messageName": "x", "processVariables": []}])
def test_malformed_messages_are_400(api: Call, body: dict[str, Any]) -> None:
    assert api("post", "/message", json=body).status_code == 400


def test_unknown_paths_and_ids_are_404_never_500(api: Call) -> None:
    for path in ("/nothing-here", "/process-instance/nope", "/process-instance/nope/variables", "/incident/nope"):
        response = api("get", path)
        assert response.status_code == 404, path
        assert "message" in response.get_json()


def test_activity_tree_leaves_out_waiting_boundary_events(api: Call, engine: Engine) -> None:
    engine.deploy([bpmn_file("error-boundary.bpmn"), bpmn_file("timer-boundary.bpmn")])
    for key, activity in (("error-boundary", "Charge"), ("timer-boundary", "Slow")):
        instance_id = start(api, key)
        tree = api("get", f"/process-instance/{instance_id}/activity-instances").get_json()
        assert [c["activityId"] for c in tree["childActivityInstances"]] == [activity]
