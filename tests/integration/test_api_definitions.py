"""Definitions, deployments and starts over /api/v1, with clear 4xx for bad uploads and bodies."""

from __future__ import annotations

import io
from collections.abc import Callable

from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import bpmn_file
from webui.app import MAX_UPLOAD_BYTES

Call = Callable[..., TestResponse]


def upload(as_role: Call, *files: tuple[str, bytes]) -> TestResponse:
    data = {f"file{i}": (io.BytesIO(content), name) for i, (name, content) in enumerate(files)}
    return as_role("admin", "post", "/api/v1/deployments", data=data)


def test_deploy_creates_a_version_and_identical_files_are_unchanged(as_role: Call) -> None:
    first = upload(as_role, bpmn_file("database-creation.bpmn"))
    assert first.status_code == 201
    assert first.get_json()["definitions"][0]["key"] == "database-creation"
    again = upload(as_role, bpmn_file("database-creation.bpmn"))
    assert again.status_code == 200
    assert again.get_json()["definitions"][0]["new_version"] is False


def test_refused_model_lists_problems_with_element_and_line(as_role: Call) -> None:
    response = upload(as_role, bpmn_file("refused-gateway.bpmn"))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "model_invalid"
    assert [(p["element_id"], p["line"]) for p in error["problems"]] == [("f2", 8)]


def test_bad_uploads_are_refused_with_a_clear_reason(as_role: Call) -> None:
    not_multipart = as_role("admin", "post", "/api/v1/deployments", json={"file": "x"})
    assert not_multipart.status_code == 415
    assert "multipart/form-data" in not_multipart.get_json()["error"]["message"]
    not_bpmn = upload(as_role, ("notes.txt", b"hello"))
    assert not_bpmn.status_code == 415
    assert "notes.txt is not a BPMN or DMN file" in not_bpmn.get_json()["error"]["message"]
    binary = upload(as_role, ("image.bpmn", b"\x89PNG\r\n"))
    assert binary.status_code == 415
    empty = as_role(
        "admin", "post", "/api/v1/deployments", data={"note": "no file"}, content_type="multipart/form-data"
    )
    assert empty.status_code == 400
    assert "no files" in empty.get_json()["error"]["message"]
    malformed = upload(as_role, ("broken.bpmn", b"<bpmn:definitions"))
    assert malformed.status_code == 400
    assert "malformed XML" in malformed.get_json()["error"]["message"]


def test_upload_larger_than_the_limit_is_413(as_role: Call) -> None:
    big = b"<" + b" " * MAX_UPLOAD_BYTES
    response = upload(as_role, ("huge.bpmn", big))
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]["message"]


def test_definitions_list_versions_with_instance_counts(as_role: Call, deployed: Engine) -> None:
    deployed.start("database-creation", {"database": "a"})
    listing = as_role("viewer", "get", "/api/v1/definitions").get_json()["items"]
    by_key = {d["key"]: d for d in listing}
    assert by_key["database-creation"]["counts"]["running"] == 1
    one = as_role("viewer", "get", "/api/v1/definitions/database-creation").get_json()
    assert one["versions"][0]["version"] == 1
    assert one["name"] == "Database creation"


def test_unknown_definition_is_404_with_a_hint(as_role: Call, deployed: Engine) -> None:
    response = as_role("viewer", "get", "/api/v1/definitions/database-creatoin")
    assert response.status_code == 404
    assert "did you mean 'database-creation'" in response.get_json()["error"]["message"]
    assert as_role("viewer", "get", "/api/v1/definitions/database-creation/xml?version=9").status_code == 404
    assert as_role("viewer", "get", "/api/v1/definitions/database-creation/xml?version=x").status_code == 400


def test_xml_element_counts_and_forms_of_a_definition(as_role: Call, deployed: Engine) -> None:
    deployed.start("database-creation", {"database": "a"})
    xml = as_role("viewer", "get", "/api/v1/definitions/database-creation/xml").get_json()
    assert xml["xml"].startswith("<?xml")
    counts = as_role("viewer", "get", "/api/v1/definitions/database-creation/element-counts").get_json()["elements"]
    assert counts["Activity_CreateDatabaseIstanbul"]["active"] == 1
    assert counts["StartEvent_RequestReceived"]["completed"] == 1
    forms = as_role("viewer", "get", "/api/v1/definitions/approval/forms").get_json()
    assert [f["id"] for f in forms["user_task_forms"]["Approve"]] == ["approved", "size_gb", "tier", "comment"]


def test_start_returns_the_new_instance(as_role: Call, deployed: Engine) -> None:
    response = as_role(
        "operator",
        "post",
        "/api/v1/definitions/database-creation/start",
        json={"business_key": "REQ-1", "variables": {"database": "orders"}, "version": 1},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["business_key"] == "REQ-1"
    assert deployed.instance(body["id"]).state == "running"


def test_bad_start_bodies_are_400_or_415_with_messages(as_role: Call, deployed: Engine) -> None:
    path = "/api/v1/definitions/database-creation/start"
    cases = [
        ({"data": "{bad", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"json": [1, 2]}, 400, "must be a JSON object"),
        ({"json": {"variables": [1]}}, 400, "variables must be a JSON object"),
        ({"json": {"version": "2"}}, 400, "'version' must be a whole number"),
        ({"json": {"business_key": 7}}, 400, "'business_key' must be a string"),
        ({"data": "a=b", "content_type": "text/plain"}, 415, "application/json"),
    ]
    for kwargs, status, text in cases:
        response = as_role("operator", "post", path, **kwargs)
        assert response.status_code == status, kwargs
        assert text in response.get_json()["error"]["message"]
    unknown = as_role("operator", "post", "/api/v1/definitions/nope/start", json={})
    assert unknown.status_code == 404
