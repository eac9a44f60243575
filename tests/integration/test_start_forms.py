"""Start forms: a process whose start event has form fields is started through them (UI page and JSON API)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import bpmn_file, session_login
from tests.integration.engine_rest_helpers import typed

Call = Callable[..., TestResponse]
KEY = "c7-start-form"


@pytest.fixture
def with_start_form(engine: Engine) -> Engine:
    engine.deploy([bpmn_file("constructs/c7-start-form.bpmn"), bpmn_file("database-creation.bpmn")])
    return engine


def _submit(client: FlaskClient, **fields: str) -> TestResponse:
    """Post the definition page's start form (version 1) as a logged-in operator."""
    csrf = session_login(client, "operator")
    return client.post(
        f"/definitions/{KEY}/start", data={"csrf_token": csrf, "start_form": "1", "version": "1", **fields}
    )


def test_the_definition_page_renders_the_start_form_fields(client: FlaskClient, with_start_form: Engine) -> None:
    session_login(client, "operator")

    page = client.get(f"/definitions/{KEY}").get_data(as_text=True)

    assert 'name="start_form" value="1"' in page
    for field in ("database", "replicas", "engine"):
        assert f'name="{field}"' in page
    assert "PostgreSQL" in page
    assert 'name="var_name"' not in page, "a process with a start form is started through it"
    plain = client.get("/definitions/database-creation").get_data(as_text=True)
    assert 'name="var_name"' in plain and 'name="start_form"' not in plain


def test_a_submitted_start_form_starts_an_instance_with_typed_variables(
    client: FlaskClient, with_start_form: Engine
) -> None:
    response = _submit(client, business_key="REQ-9", database="orders", replicas="4", engine="mysql")

    assert response.status_code == 302
    [instance] = with_start_form.instances()
    assert instance.business_key == "REQ-9"
    variables = with_start_form.view(instance.id).variables
    assert (variables["database"], variables["replicas"], variables["engine"]) == ("orders", 4, "mysql")


def test_a_start_form_with_bad_values_shows_each_fields_error_and_starts_nothing(
    client: FlaskClient, with_start_form: Engine
) -> None:
    response = _submit(client, database="", replicas="many")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Database name is required" in page
    assert 'value="many"' in page, "what was entered is kept"
    assert page.count('class="field-error"') == 2
    assert with_start_form.instances() == []


def test_the_api_lists_start_form_fields_and_checks_a_form_start(as_role: Call, with_start_form: Engine) -> None:
    forms = as_role("viewer", "get", f"/api/v1/definitions/{KEY}/forms").get_json()
    assert [f["id"] for f in forms["start_form"]] == ["database", "replicas", "engine"]

    refused = as_role("operator", "post", f"/api/v1/definitions/{KEY}/start", json={"form": {"replicas": 0}})
    assert refused.status_code == 400
    assert set(refused.get_json()["error"]["fields"]) == {"database", "replicas"}

    started = as_role("operator", "post", f"/api/v1/definitions/{KEY}/start", json={"form": {"database": "bills"}})
    assert started.status_code == 201
    variables = with_start_form.view(started.get_json()["id"]).variables
    assert (variables["database"], variables["replicas"]) == ("bills", 2)

    both = as_role("operator", "post", f"/api/v1/definitions/{KEY}/start", json={"form": {}, "variables": {}})
    assert both.status_code == 400
    assert "not both" in both.get_json()["error"]["message"]


def test_camunda7_rest_lists_form_variables_and_submits_the_start_form(as_role: Call, with_start_form: Engine) -> None:
    base = f"/engine-rest/process-definition/key/{KEY}"

    variables = as_role("viewer", "get", f"{base}/form-variables").get_json()
    assert variables == {
        "database": {"type": "String", "value": None, "valueInfo": {}},
        "replicas": {"type": "Long", "value": 2, "valueInfo": {}},
        "engine": {"type": "String", "value": "postgres", "valueInfo": {}},
    }
    only = as_role("viewer", "get", f"{base}/form-variables?variableNames=engine").get_json()
    assert list(only) == ["engine"]

    body = {"variables": {"database": typed("orders", "String"), "replicas": typed(3, "Long")}, "businessKey": "T-1"}
    submitted = as_role("operator", "post", f"{base}/submit-form", json=body)
    assert submitted.status_code == 200, submitted.get_json()
    instance = with_start_form.instance(submitted.get_json()["id"])
    assert instance.business_key == "T-1"
    assert with_start_form.view(instance.id).variables["replicas"] == 3

    refused = as_role("operator", "post", f"{base}/submit-form", json={"variables": {"replicas": typed(9, "Long")}})
    assert refused.status_code == 400
    assert refused.get_json()["type"] == "InvalidRequestException"
    assert "database" in refused.get_json()["message"]
    assert as_role("viewer", "post", f"{base}/submit-form", json=body).status_code == 403


DEFAULTS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="defaults" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="region" label="Region" type="string" defaultValue="eu">
          <camunda:validation><camunda:constraint name="readonly" /></camunda:validation>
        </camunda:formField>
        <camunda:formField id="due" label="Due" type="date" defaultValue="${now()}" />
        <camunda:formField id="size" label="Size" type="long" defaultValue="900">
          <camunda:validation><camunda:constraint name="max" config="100" /></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def test_form_variables_show_every_default_even_read_only_or_unfitting_ones(as_role: Call, engine: Engine) -> None:
    engine.deploy([("defaults.bpmn", DEFAULTS)])

    response = as_role("viewer", "get", "/engine-rest/process-definition/key/defaults/form-variables")

    assert response.status_code == 200
    assert {name: v["value"] for name, v in response.get_json().items()} == {
        "region": "eu",
        "due": "${now()}",
        "size": 900,
    }
