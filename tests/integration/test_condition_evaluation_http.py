"""Condition evaluation over HTTP: Camunda 7's ``/condition``, Camunda 8's ``/v2/conditionals/evaluation``, /api/v1.

Each starts one instance per process conditional start event whose condition holds;
refusals are the APIs' own error shapes and leave nothing started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.engine_rest_helpers import typed
from tests.scenarios.conditional_process_models import C7, C8, hot_and_cold, none_start_process, process
from webui.camunda8.context import EXTENSION

Call = Callable[..., TestResponse]


def definition_id(engine: Engine, key: str) -> str:
    return engine.definitions.resolve(key).id


# -- Camunda 7 ---------------------------------------------------------------------------------
def condition(as_role: Call, body: dict[str, Any], role: str = "operator") -> TestResponse:
    return as_role(role, "post", "/engine-rest/condition", json=body)


def test_c7_starts_the_process_whose_condition_holds_with_typed_variables(engine: Engine, as_role: Call) -> None:
    engine.deploy(hot_and_cold(C7))
    response = condition(
        as_role,
        {"variables": {"temperature": typed(35, "Integer"), "city": typed("Parma", "String")}, "businessKey": "B-9"},
    )
    assert response.status_code == 200, response.get_json()
    (started,) = response.get_json()
    assert started["definitionId"] == definition_id(engine, "cooling")
    assert started["businessKey"] == "B-9" and started["ended"] is False and started["tenantId"] is None
    variables = as_role("viewer", "get", f"/engine-rest/process-instance/{started['id']}/variables").get_json()
    assert variables["temperature"]["value"] == 35 and variables["city"]["value"] == "Parma"
    assert condition(as_role, {"variables": {"temperature": typed(20, "Integer")}}).get_json() == []


def test_c7_process_definition_id_judges_only_that_definition(engine: Engine, as_role: Call) -> None:
    both = "${level &gt; 1}"
    engine.deploy([("a.bpmn", process(C7, "alpha", [("A", both, None)]))])
    engine.deploy([("b.bpmn", process(C7, "beta", [("B", both, None)]))])
    beta = definition_id(engine, "beta")
    response = condition(as_role, {"variables": {"level": typed(5, "Integer")}, "processDefinitionId": beta})
    assert [i["definitionId"] for i in response.get_json()] == [beta]


def test_c7_no_conditional_start_event_is_camundas_engine_13043(engine: Engine, as_role: Call) -> None:
    engine.deploy([("plain.bpmn", none_start_process("plain"))])
    response = condition(as_role, {"variables": {"x": typed(1, "Integer")}})
    assert response.status_code == 400
    body = response.get_json()
    assert body["type"] == "ProcessEngineException"
    assert body["message"].startswith("ENGINE-13043 No subscriptions were found during evaluation")


def test_c7_a_definition_without_one_is_engine_13042_and_an_unknown_id_404(engine: Engine, as_role: Call) -> None:
    engine.deploy(hot_and_cold(C7))
    engine.deploy([("plain.bpmn", none_start_process("plain"))])
    plain = definition_id(engine, "plain")
    response = condition(as_role, {"variables": {"temperature": typed(99, "Integer")}, "processDefinitionId": plain})
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        f"ENGINE-13042 Process definition with id '{plain}' does not declare conditional start event."
    )
    missing = condition(as_role, {"variables": {}, "processDefinitionId": "nope:1:x"})
    assert missing.status_code == 404 and "nope:1:x" in missing.get_json()["message"]
    assert engine.instances(limit=10) == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"tenantId": "t1", "withoutTenantId": True}, "cannot be used together with parameter 'withoutTenantId'"),
        ({"variables": [1]}, "'variables' must be an object"),
        ({"variables": {"temperature": typed("hot", "Integer")}}, "temperature"),
        ({"variables": {"temperature": typed("hot", "String")}}, "conditional start event 'TooHot' of process"),
        ({"businessKey": 7}, "'businessKey' must be a string"),
    ],
)
def test_c7_bad_requests_are_400_and_start_nothing(
    engine: Engine, as_role: Call, body: dict[str, Any], fragment: str
) -> None:
    engine.deploy(hot_and_cold(C7))
    response = condition(as_role, body)
    assert response.status_code == 400, response.get_json()
    assert fragment in response.get_json()["message"]
    assert engine.instances(limit=10) == []


def test_c7_condition_evaluation_needs_an_operator(engine: Engine, as_role: Call, client: FlaskClient) -> None:
    engine.deploy(hot_and_cold(C7))
    body = {"variables": {"temperature": typed(35, "Integer")}}
    assert client.post("/engine-rest/condition", json=body).status_code == 401
    assert condition(as_role, body, role="viewer").status_code == 403
    assert engine.instances(limit=10) == []


# -- Camunda 8 ---------------------------------------------------------------------------------
def evaluation(as_role: Call, body: dict[str, Any], role: str = "operator") -> TestResponse:
    return as_role(role, "post", "/v2/conditionals/evaluation", json=body)


@pytest.fixture
def definition_key(app: Flask, engine: Engine) -> Callable[[str], str]:
    """The /v2 key of the latest version of a process, as the app gives it."""
    keys = app.extensions[EXTENSION].keys

    def key_of(process_id: str) -> str:
        return str(keys.key("definition", engine.definitions.resolve(process_id).id))

    return key_of


def test_c8_starts_the_process_whose_condition_holds_and_answers_keys_as_strings(
    engine: Engine, as_role: Call, definition_key: Callable[[str], str]
) -> None:
    engine.deploy(hot_and_cold(C8))
    response = evaluation(as_role, {"variables": {"temperature": -4}, "tenantId": "<default>"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"conditionalEvaluationKey", "tenantId", "processInstances"}
    assert body["tenantId"] == "<default>" and body["conditionalEvaluationKey"].isdigit()
    (started,) = body["processInstances"]
    assert started["processDefinitionKey"] == definition_key("heating")
    instance = as_role("viewer", "get", f"/v2/process-instances/{started['processInstanceKey']}").get_json()
    assert instance["processDefinitionId"] == "heating" and instance["state"] == "ACTIVE"
    (only,) = engine.instances(limit=10)
    assert engine.variables(only.id) == {"temperature": -4}


def test_c8_a_definition_key_narrows_and_an_older_versions_key_starts_nothing(
    engine: Engine, as_role: Call, definition_key: Callable[[str], str]
) -> None:
    engine.deploy(hot_and_cold(C8))
    cooling_v1 = definition_key("cooling")
    heating = definition_key("heating")
    narrowed = evaluation(as_role, {"variables": {"temperature": 50}, "processDefinitionKey": heating}).get_json()
    assert narrowed["processInstances"] == []
    engine.deploy([("cooling.bpmn", process(C8, "cooling", [("TooHot", "=temperature &gt; 40", None)]))])
    older = evaluation(as_role, {"variables": {"temperature": 50}, "processDefinitionKey": cooling_v1}).get_json()
    assert older["processInstances"] == [], "version 2 replaced version 1's subscription"
    latest = evaluation(as_role, {"variables": {"temperature": 50}}).get_json()["processInstances"]
    assert [p["processDefinitionKey"] for p in latest] == [definition_key("cooling")]


def test_c8_no_conditional_start_event_is_an_empty_list(engine: Engine, as_role: Call) -> None:
    engine.deploy([("plain.bpmn", none_start_process("plain"))])
    response = evaluation(as_role, {"variables": {"x": 1}})
    assert response.status_code == 200 and response.get_json()["processInstances"] == []


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({}, 400, "No variables provided"),
        ({"variables": {}}, 400, "No variables provided"),
        ({"variables": [1]}, 400, "variables must be a JSON object"),
        ({"variables": {"t": 1}, "tenantId": "other"}, 400, "Tenant 'other' does not exist"),
        ({"variables": {"t": 1}, "processDefinitionKey": "x1"}, 400, "must be a key"),
        ({"variables": {"t": 1}, "processDefinitionKey": "2251799813999999"}, 404, "but no such process was found"),
        ({"variables": {"temperature": "hot"}}, 400, "conditional start event 'Boiling' of process 'kettle'"),
    ],
)
def test_c8_bad_requests_are_problems_and_start_nothing(
    engine: Engine, as_role: Call, body: dict[str, Any], status: int, fragment: str
) -> None:
    engine.deploy([("kettle.bpmn", process(C8, "kettle", [("Boiling", "=temperature", None)]))])
    response = evaluation(as_role, body)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert fragment in response.get_json()["detail"]
    assert engine.instances(limit=10) == []


def test_c8_evaluation_needs_an_operator(engine: Engine, as_role: Call, client: FlaskClient) -> None:
    engine.deploy(hot_and_cold(C8))
    assert client.post("/v2/conditionals/evaluation", json={"variables": {"temperature": 50}}).status_code == 401
    assert evaluation(as_role, {"variables": {"temperature": 50}}, role="viewer").status_code == 403
    assert engine.instances(limit=10) == []


# -- /api/v1 -----------------------------------------------------------------------------------
def test_api_v1_evaluates_conditions_and_says_which_event_started_each(engine: Engine, as_role: Call) -> None:
    engine.deploy(hot_and_cold(C8))
    response = as_role(
        "operator", "post", "/api/v1/conditions/evaluate", json={"variables": {"temperature": 31}, "business_key": "b"}
    )
    assert response.status_code == 200, response.get_json()
    (started,) = response.get_json()["started"]
    assert started["definition_key"] == "cooling" and started["element_id"] == "TooHot"
    assert started["business_key"] == "b" and started["state"] == "running"


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"variables": "hot"}, 400, "'variables' must be an object"),
        ({"variables": {"temperature": 1}, "definition_id": "nope"}, 404, "process definition nope does not exist"),
        ({"variables": {"temperature": 1}, "definition_id": 3}, 400, "'definition_id' must be a string"),
    ],
)
def test_api_v1_refusals_name_what_to_fix(
    engine: Engine, as_role: Call, body: dict[str, Any], status: int, fragment: str
) -> None:
    engine.deploy(hot_and_cold(C7))
    response = as_role("operator", "post", "/api/v1/conditions/evaluate", json=body)
    assert response.status_code == status, response.get_json()
    assert fragment in response.get_json()["error"]["message"]


def test_api_v1_without_any_conditional_start_event_is_404(engine: Engine, as_role: Call) -> None:
    response = as_role("operator", "post", "/api/v1/conditions/evaluate", json={"variables": {"a": 1}})
    assert response.status_code == 404
    assert "no deployed process has a conditional start event" in response.get_json()["error"]["message"]
