"""Camunda 7 user task variables: visible and local ones, setting them where they live, form variables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.conftest import deploy
from tests.integration.engine_rest_helpers import typed

Call = Callable[..., TestResponse]


@pytest.fixture
def api(as_role: Call, engine: Engine) -> Call:
    deploy(engine, "local-scopes-c7.bpmn", "user-task-form.bpmn")

    def call(method: str, path: str, role: str = "operator", **kwargs: Any) -> TestResponse:
        return as_role(role, method, f"/engine-rest{path}", **kwargs)

    return call


def open_task(engine: Engine, process: str, variables: dict[str, Any]) -> tuple[str, str]:
    instance = engine.start(process, variables)
    (task,) = engine.user_tasks(instance.id)
    return instance.id, str(task["task_id"])


def test_a_task_sees_the_process_and_its_own_inputs_and_lists_only_those_as_local(api: Call, engine: Engine) -> None:
    _, task_id = open_task(engine, "local-scopes-c7", {"x": 1, "name": "Ada"})
    visible = api("get", f"/task/{task_id}/variables", role="viewer").get_json()
    assert visible == {
        "x": {"type": "Integer", "value": 1, "valueInfo": {}},
        "name": {"type": "String", "value": "Ada", "valueInfo": {}},
        "local": {"type": "Integer", "value": 2, "valueInfo": {}},
    }
    local = api("get", f"/task/{task_id}/localVariables", role="viewer").get_json()
    assert local == {"local": {"type": "Integer", "value": 2, "valueInfo": {}}}
    assert api("get", f"/task/{task_id}/variables/name", role="viewer").get_json()["value"] == "Ada"
    assert api("get", f"/task/{task_id}/localVariables/local", role="viewer").get_json()["value"] == 2
    missing = api("get", f"/task/{task_id}/localVariables/name", role="viewer")
    assert missing.status_code == 404 and "name" in missing.get_json()["message"]


def test_setting_from_a_task_changes_its_own_local_there_and_anything_else_in_the_process(
    api: Call, engine: Engine
) -> None:
    instance_id, task_id = open_task(engine, "local-scopes-c7", {"x": 1})
    assert api("put", f"/task/{task_id}/variables/x", json=typed(5)).status_code == 204
    assert api("put", f"/task/{task_id}/variables/local", json=typed(9)).status_code == 204
    body = {"modifications": {"note": typed("checked"), "local": typed(10)}}
    assert api("post", f"/task/{task_id}/variables", json=body).status_code == 204
    assert engine.variables(instance_id) == {"x": 5, "note": "checked"}
    assert engine.task_variables(instance_id, task_id).local == {"local": 10}
    assert api("put", f"/task/{task_id}/localVariables/local", json=typed(11)).status_code == 204
    assert api("get", f"/task/{task_id}/variables/local", role="viewer").get_json()["value"] == 11

    deletion = api("post", f"/task/{task_id}/variables", json={"deletions": ["x"]})
    assert deletion.status_code == 400 and deletion.get_json()["type"] == "BadUserRequestException"
    assert api("delete", f"/task/{task_id}/variables/x").status_code == 400
    assert api("put", f"/task/{task_id}/variables/x", json=typed(6), role="viewer").status_code == 403
    assert api("put", f"/task/{task_id}/variables/x", json={"value": "abc", "type": "Integer"}).status_code == 400
    assert engine.variables(instance_id)["x"] == 5


def test_unknown_and_completed_tasks_are_404_in_camundas_error_shape(api: Call, engine: Engine) -> None:
    instance_id, task_id = open_task(engine, "local-scopes-c7", {"x": 1})
    engine.complete_user_task(instance_id, task_id, {})
    for task in (task_id, "no-such-task"):
        for path in ("variables", "variables/x", "localVariables", "form-variables"):
            answer = api("get", f"/task/{task}/{path}", role="viewer")
            assert answer.status_code == 404, path
            assert set(answer.get_json()) >= {"type", "message"} and task in answer.get_json()["message"]
        assert api("put", f"/task/{task}/variables/x", json=typed(1)).status_code == 404
        assert api("post", f"/task/{task}/variables", json={"modifications": {}}).status_code == 404


def test_form_variables_type_each_field_and_hold_its_variable_or_its_default(api: Call, engine: Engine) -> None:
    _, task_id = open_task(engine, "approval", {"tier": "gold", "other": 1})
    form = api("get", f"/task/{task_id}/form-variables", role="viewer").get_json()
    assert form["size_gb"] == {"type": "Long", "value": 10, "valueInfo": {}}
    assert form["tier"] == {"type": "String", "value": "gold", "valueInfo": {}}
    assert form["approved"]["type"] == "Boolean" and "other" not in form
    only = api("get", f"/task/{task_id}/form-variables?variableNames=tier", role="viewer").get_json()
    assert list(only) == ["tier"]
    _, plain = open_task(engine, "local-scopes-c7", {"x": 1})
    assert set(api("get", f"/task/{plain}/form-variables", role="viewer").get_json()) == {"x", "local"}


def test_putting_an_enclosing_scopes_variable_from_a_task_changes_that_scope_only(api: Call, engine: Engine) -> None:
    deploy(engine, "local-scopes-sub-user.bpmn", "local-scopes-mi-user.bpmn")
    instance_id, task_id = open_task(engine, "local-scopes-sub-user", {"x": 1})
    assert api("put", f"/task/{task_id}/variables/zone", json=typed("us-9")).status_code == 204
    assert api("get", f"/task/{task_id}/variables/zone", role="viewer").get_json()["value"] == "us-9"
    process = api("get", f"/process-instance/{instance_id}/variables", role="viewer").get_json()
    assert set(process) == {"x"}
    engine.complete_user_task(instance_id, task_id, {})
    assert engine.variables(instance_id) == {"x": 1}

    instance = engine.start("local-scopes-mi-user", {"x": 1, "items": ["a", "b"]})
    first, second = (str(t["task_id"]) for t in engine.user_tasks(instance.id))
    assert api("put", f"/task/{first}/variables/item", json=typed("CHANGED")).status_code == 204
    items = [api("get", f"/task/{t}/variables/item", role="viewer").get_json()["value"] for t in (first, second)]
    assert items == ["CHANGED", "b"]
    assert engine.variables(instance.id) == {"x": 1, "items": ["a", "b"]}


def test_a_task_local_variable_put_through_local_variables_stays_with_the_task_and_ends_with_it(
    api: Call, engine: Engine
) -> None:
    instance_id, task_id = open_task(engine, "local-scopes-c7", {"x": 1})
    assert api("put", f"/task/{task_id}/localVariables/draft", json=typed("v1")).status_code == 204
    body = {"modifications": {"note": typed("n"), "local": typed(3)}}
    assert api("post", f"/task/{task_id}/localVariables", json=body).status_code == 204
    assert api("put", f"/task/{task_id}/variables/draft", json=typed("v2")).status_code == 204  # the task holds it

    local = api("get", f"/task/{task_id}/localVariables", role="viewer").get_json()
    assert {k: v["value"] for k, v in local.items()} == {"local": 3, "draft": "v2", "note": "n"}
    assert api("get", f"/task/{task_id}/variables/draft", role="viewer").get_json()["value"] == "v2"
    assert engine.variables(instance_id) == {"x": 1}
    rows = api("get", f"/variable-instance?processInstanceId={instance_id}", role="viewer").get_json()
    assert sorted((r["name"], r["activityInstanceId"]) for r in rows) == [
        ("draft", task_id),
        ("local", task_id),
        ("note", task_id),
        ("x", instance_id),
    ]
    engine.complete_user_task(instance_id, task_id, {"approved": True})
    assert engine.variables(instance_id) == {"x": 1, "approved": True}  # Camunda 7 does not propagate them
