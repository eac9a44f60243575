"""/v2 user tasks: search, get, assign, unassign, complete with the form checks the UI applies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import bpmn_file

Call = Callable[..., TestResponse]


def search(as_role: Call, **filters: Any) -> list[dict[str, Any]]:
    response = as_role("viewer", "post", "/v2/user-tasks/search", json={"filter": filters})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def open_task(as_role: Call, engine: Engine) -> tuple[str, dict[str, Any]]:
    instance = engine.start("approval", {}, business_key="REQ-5")
    found = [t for t in search(as_role) if t["businessId"] == "REQ-5"]
    assert len(found) == 1
    return instance.id, found[0]


def test_an_open_user_task_is_found_with_every_field_clients_require(as_role: Call, deployed: Engine) -> None:
    _, task = open_task(as_role, deployed)
    assert task["name"] == "Approve the request" and task["state"] == "CREATED" and task["assignee"] is None
    assert task["elementId"] == "Approve" and task["processDefinitionId"] == "approval"
    assert task["userTaskKey"].isdigit() and task["processInstanceKey"].isdigit()
    assert task["userTaskKey"] != task["elementInstanceKey"]
    for field in ("candidateGroups", "dueDate", "formKey", "tags", "rootProcessInstanceKey", "processName"):
        assert field in task
    again = as_role("viewer", "get", f"/v2/user-tasks/{task['userTaskKey']}").get_json()
    assert again == task
    by_instance = search(as_role, processInstanceKey=task["processInstanceKey"])
    assert [t["userTaskKey"] for t in by_instance] == [task["userTaskKey"]]
    assert search(as_role, state="COMPLETED") == [] and search(as_role, elementId="Other") == []


def test_assign_unassign_and_the_rules_for_tasks_others_hold(as_role: Call, deployed: Engine) -> None:
    _, task = open_task(as_role, deployed)
    path = f"/v2/user-tasks/{task['userTaskKey']}"
    assert as_role("operator", "post", f"{path}/assignment", json={"assignee": "operator"}).status_code == 204
    assert search(as_role, assignee="operator")[0]["userTaskKey"] == task["userTaskKey"]
    kept = as_role("admin", "post", f"{path}/assignment", json={"assignee": "admin", "allowOverride": False})
    assert kept.status_code == 409 and "allowOverride" in kept.get_json()["detail"]
    assert as_role("admin", "post", f"{path}/assignment", json={"assignee": "admin"}).status_code == 204
    stolen = as_role("operator", "post", f"{path}/assignment", json={"assignee": "operator"})
    assert stolen.status_code == 409
    assert as_role("operator", "delete", f"{path}/assignee").status_code == 409
    assert as_role("admin", "delete", f"{path}/assignee").status_code == 204
    assert as_role("viewer", "get", path).get_json()["assignee"] is None
    viewer = as_role("viewer", "post", f"{path}/assignment", json={"assignee": "viewer"})
    assert viewer.status_code == 403 and viewer.get_json()["title"] == "Forbidden"


def test_completion_checks_the_form_and_changes_nothing_when_it_is_refused(as_role: Call, deployed: Engine) -> None:
    instance_id, task = open_task(as_role, deployed)
    path = f"/v2/user-tasks/{task['userTaskKey']}/completion"
    bad = as_role("operator", "post", path, json={"variables": {"size_gb": 900, "tier": "bronze"}})
    assert bad.status_code == 400
    assert "size_gb: must be at most 500" in bad.get_json()["detail"]
    assert "tier: must be one of gold, silver" in bad.get_json()["detail"]
    assert deployed.instance(instance_id).state == "running"
    wrong_type = as_role("operator", "post", path, json={"variables": [1]})
    assert wrong_type.status_code == 400

    done = as_role("operator", "post", path, json={"variables": {"size_gb": 20, "tier": "gold", "note": "not a field"}})
    assert done.status_code == 204
    assert deployed.variables(instance_id)["size_gb"] == 20
    assert deployed.variables(instance_id)["note"] == "not a field", (
        "a variable beyond the form is set, as Camunda 8 does"
    )
    assert as_role("viewer", "get", f"/v2/user-tasks/{task['userTaskKey']}").status_code == 404
    assert as_role("operator", "post", path, json={}).status_code == 404


def test_unknown_user_task_keys_are_404(as_role: Call, deployed: Engine) -> None:
    for key in ("1", "2251799813685999", "not-a-key"):
        response = as_role("viewer", "get", f"/v2/user-tasks/{key}")
        assert response.status_code in (400, 404), response.get_json()


def test_a_mapped_user_task_shows_its_inputs_while_open_and_completion_applies_only_its_outputs(
    as_role: Call, engine: Engine
) -> None:
    engine.deploy([bpmn_file("io-mappings/c8-user-task-io.bpmn")])
    instance = engine.start("c8-user-task-io", {"customer": {"name": "Ada"}}, business_key="IO-1")
    (task,) = [t for t in search(as_role, elementId="Activity_Review") if t["businessId"] == "IO-1"]
    scope = {"processInstanceKey": task["processInstanceKey"]}
    waiting = as_role("viewer", "post", "/v2/variables/search", json={"filter": scope}).get_json()["items"]
    assert {v["name"]: v["value"] for v in waiting}["greeting"] == '"Dear Ada"'

    path = f"/v2/user-tasks/{task['userTaskKey']}/completion"
    done = as_role("operator", "post", path, json={"variables": {"approved": True, "comment": "fine"}})

    assert done.status_code == 204
    variables = engine.variables(instance.id)
    assert variables["orderApproved"] is True
    assert "approved" not in variables and "comment" not in variables and "greeting" not in variables
