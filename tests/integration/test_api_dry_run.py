"""POST /api/v1/dry-run: a model run before it is deployed; clear 4xx for bad input; nothing stored."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import bpmn_file

Call = Callable[..., TestResponse]


def dry_run(as_role: Call, name: str, role: str = "operator", **fields: str) -> TestResponse:
    content_name, content = bpmn_file(name)
    data: dict[str, Any] = {"file": (io.BytesIO(content), content_name), **fields}
    return as_role(role, "post", "/api/v1/dry-run", data=data)


def test_a_dry_run_answers_the_path_and_variables_and_deploys_nothing(as_role: Call, engine: Engine) -> None:
    response = dry_run(as_role, "database-creation-c8.bpmn", variables='{"regions": ["eu", "us", "ap"]}')
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "completed"
    assert body["process_id"] == "database-creation-c8"
    assert body["elements"][-1] == "EndEvent_DatabaseReady"
    assert body["flows"] == ["Flow_1", "Flow_2", "Flow_3"]
    assert body["variables"]["regions"] == ["eu", "us", "ap"]
    assert engine.instances() == []
    assert as_role("viewer", "get", "/api/v1/definitions").get_json() == {"items": []}


def test_stubs_steer_the_run(as_role: Call) -> None:
    response = dry_run(
        as_role,
        "database-creation-c8.bpmn",
        variables='{"regions": ["eu"]}',
        stubs='{"create-database": {"regionDatabase": "db-eu"}}',
    )
    assert response.get_json()["variables"]["regionDatabases"] == ["db-eu"]


def test_bad_fields_and_refused_models_are_4xx_with_the_reason(as_role: Call) -> None:
    not_json = dry_run(as_role, "database-creation-c8.bpmn", variables="{regions: eu}")
    assert not_json.status_code == 400
    assert "the variables field" in not_json.get_json()["error"]["message"]
    not_object = dry_run(as_role, "database-creation-c8.bpmn", variables='["eu"]')
    assert not_object.status_code == 400
    assert "must be a JSON object" in not_object.get_json()["error"]["message"]
    bad_stub = dry_run(as_role, "database-creation-c8.bpmn", stubs='{"create-database": 3}')
    assert bad_stub.status_code == 400
    assert "stub of job type 'create-database' must be a JSON object" in bad_stub.get_json()["error"]["message"]
    unknown = dry_run(as_role, "database-creation-c8.bpmn", process_id="nope")
    assert unknown.status_code == 400
    assert "process 'nope' is not in the uploaded files" in unknown.get_json()["error"]["message"]
    refused = dry_run(as_role, "reserved-id.bpmn")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["problems"][0]["element_id"] == "End"
    not_multipart = as_role("operator", "post", "/api/v1/dry-run", json={"file": "x"})
    assert not_multipart.status_code == 415


def test_a_dry_run_needs_an_operator(as_role: Call, client: FlaskClient) -> None:
    assert dry_run(as_role, "database-creation-c8.bpmn", role="viewer").status_code == 403
    assert client.post("/api/v1/dry-run").status_code == 401
