"""Camunda 7 user tasks: query and count, get, claim, unclaim, assignee, complete and submit-form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.conftest import deploy
from tests.integration.engine_rest_helpers import typed

Call = Callable[..., TestResponse]
TASK_FIELDS = {
    "id", "name", "assignee", "owner", "created", "due", "followUp", "lastUpdated", "delegationState",
    "description", "executionId", "parentTaskId", "priority", "processDefinitionId", "processInstanceId",
    "caseExecutionId", "caseDefinitionId", "caseInstanceId", "taskDefinitionKey", "suspended", "formKey",
    "camundaFormRef", "tenantId", "taskState",
}  # fmt: skip


@pytest.fixture
def api(as_role: Call, engine: Engine) -> Call:
    deploy(engine, "local-scopes-c7.bpmn", "user-task-form.bpmn", "user-task.bpmn")

    def call(method: str, path: str, role: str = "operator", **kwargs: Any) -> TestResponse:
        return as_role(role, method, f"/engine-rest{path}", **kwargs)

    return call


def open_task(engine: Engine, process: str, variables: dict[str, Any], business_key: str | None = None) -> str:
    instance = engine.start(process, variables, business_key=business_key)
    (task,) = engine.user_tasks(instance.id)
    return str(task["task_id"])


def ids(answer: TestResponse) -> list[str]:
    assert answer.status_code == 200, answer.get_json()
    return [t["id"] for t in answer.get_json()]


def test_a_task_is_listed_and_read_as_camundas_task_dto(api: Call, engine: Engine) -> None:
    task_id = open_task(engine, "approval", {}, business_key="order-1")
    (listed,) = api("get", "/task", role="viewer").get_json()
    assert set(listed) == TASK_FIELDS
    assert listed["id"] == task_id and listed["name"] == "Approve the request"
    assert listed["taskDefinitionKey"] == "Approve" and listed["assignee"] is None
    assert listed["processDefinitionId"] == engine.definitions.resolve("approval").id
    assert listed["priority"] == 50 and listed["suspended"] is False
    assert listed["created"].endswith("+0000") and "T" in listed["created"]
    assert api("get", f"/task/{task_id}", role="viewer").get_json() == listed
    assert api("get", "/task/count", role="viewer").get_json() == {"count": 1}
    assert api("post", "/task/count", json={"processInstanceBusinessKey": "order-1"}).get_json() == {"count": 1}


def test_tasks_are_filtered_by_instance_definition_element_name_and_business_key(api: Call, engine: Engine) -> None:
    first = open_task(engine, "approval", {}, business_key="order-1")
    second = open_task(engine, "user-task", {}, business_key="order-2")
    third = open_task(engine, "local-scopes-c7", {"x": 1})
    (instance_of_second,) = [t["instance_id"] for t in engine.user_tasks() if t["task_id"] == second]
    definition = engine.definitions.resolve("approval").id
    cases: list[tuple[str, list[str]]] = [
        (f"processInstanceId={instance_of_second}", [second]),
        (f"processInstanceIdIn={instance_of_second},nope", [second]),
        (f"processDefinitionId={definition}", [first]),
        ("processDefinitionKey=user-task", [second]),
        ("processDefinitionKeyIn=user-task,local-scopes-c7", [second, third]),
        ("taskDefinitionKey=Review", [second, third]),
        ("taskDefinitionKeyIn=Approve,Review", [first, second, third]),
        ("name=review", [third]),
        ("nameLike=%25request%25", [first, second]),
        ("processInstanceBusinessKey=order-2", [second]),
        ("processInstanceBusinessKeyLike=order-%25", [first, second]),
        ("taskId=" + third, [third]),
        ("suspended=true", []),
        ("priority=50", [first, second, third]),
        ("priority=10", []),
    ]
    for query, expected in cases:
        assert sorted(ids(api("get", f"/task?{query}", role="viewer"))) == sorted(expected), query
    body = {"processDefinitionKeyIn": ["approval", "user-task"], "processInstanceBusinessKeyLike": "order-%"}
    assert sorted(ids(api("post", "/task", json=body, role="viewer"))) == sorted([first, second])


def test_assignment_filters_and_candidates_follow_who_holds_a_task(api: Call, engine: Engine) -> None:
    mine = open_task(engine, "approval", {})
    theirs = open_task(engine, "approval", {})
    free = open_task(engine, "approval", {})
    assert api("post", f"/task/{mine}/claim", json={"userId": "operator"}).status_code == 204
    assert api("post", f"/task/{theirs}/claim", json={"userId": "ada"}).status_code == 204
    cases: list[tuple[str, list[str]]] = [
        ("assignee=operator", [mine]),
        ("assigneeLike=a%25", [theirs]),
        ("assigned=true", [mine, theirs]),
        ("unassigned=true", [free]),
        ("candidateUser=bob", [free]),
        ("candidateGroup=accounting", [free]),
        ("candidateUser=bob&includeAssignedTasks=true", [mine, theirs, free]),
    ]
    for query, expected in cases:
        assert sorted(ids(api("get", f"/task?{query}", role="viewer"))) == sorted(expected), query
    assert api("get", f"/task/{theirs}", role="viewer").get_json()["lastUpdated"] is not None


def test_tasks_are_sorted_and_paged_as_asked(api: Call, engine: Engine) -> None:
    tasks = [open_task(engine, "user-task", {}) for _ in range(3)]
    assert ids(api("get", "/task?sortBy=created&sortOrder=asc", role="viewer")) == tasks
    assert ids(api("get", "/task?sortBy=created&sortOrder=desc", role="viewer")) == tasks[::-1]
    assert ids(api("get", "/task?firstResult=1&maxResults=1", role="viewer")) == tasks[1:2]
    assert ids(api("get", "/task?sortBy=id&sortOrder=asc", role="viewer")) == sorted(tasks)
    body = {"sorting": [{"sortBy": "created", "sortOrder": "desc"}]}
    assert ids(api("post", "/task?firstResult=0&maxResults=2", json=body | {"maxResults": 2}, role="viewer")) == [
        tasks[2],
        tasks[1],
    ]


def test_bad_filters_are_400_in_camundas_error_shape(api: Call, engine: Engine) -> None:
    open_task(engine, "user-task", {})
    for query in ("sortBy=created", "sortBy=bogus&sortOrder=asc", "maxResults=-1", "assigned=maybe", "priority=x"):
        answer = api("get", f"/task?{query}", role="viewer")
        assert answer.status_code == 400, query
        assert set(answer.get_json()) >= {"type", "message"}
    answer = api("post", "/task", json={"processInstanceIdIn": "not-a-list-but-ok"}, role="viewer")
    assert answer.status_code == 200
    assert api("post", "/task", json={"processInstanceIdIn": [1, 2]}, role="viewer").status_code == 400
    assert api("post", "/task", json=["not", "an", "object"], role="viewer").status_code == 400


def test_claiming_a_task_someone_else_holds_is_refused_as_already_claimed(api: Call, engine: Engine) -> None:
    task_id = open_task(engine, "user-task", {})
    assert api("post", f"/task/{task_id}/claim", json={"userId": "ada"}).status_code == 204
    assert api("post", f"/task/{task_id}/claim", json={"userId": "ada"}).status_code == 204  # again: fine
    refused = api("post", f"/task/{task_id}/claim", json={"userId": "bob"})
    assert refused.status_code == 400
    assert refused.get_json()["type"] == "TaskAlreadyClaimedException" and "ada" in refused.get_json()["message"]
    assert api("get", f"/task/{task_id}", role="viewer").get_json()["assignee"] == "ada"
    assert api("post", f"/task/{task_id}/claim", json={}).status_code == 400
    assert api("post", f"/task/{task_id}/claim", json={"userId": "bob"}, role="viewer").status_code == 403


def test_unclaim_and_assignee_follow_the_tasklists_rules(api: Call, engine: Engine) -> None:
    task_id = open_task(engine, "user-task", {})
    assert api("post", f"/task/{task_id}/assignee", json={"userId": "operator"}).status_code == 204
    assert api("get", f"/task/{task_id}", role="viewer").get_json()["assignee"] == "operator"
    assert api("post", f"/task/{task_id}/assignee", json={"userId": "ada"}).status_code == 204  # hands it on
    taken = api("post", f"/task/{task_id}/assignee", json={"userId": "operator"})
    assert taken.status_code == 400 and taken.get_json()["type"] == "BadUserRequestException"
    assert api("post", f"/task/{task_id}/unclaim").status_code == 400  # held by ada, not by the operator
    assert api("post", f"/task/{task_id}/unclaim", role="admin").status_code == 204
    assert api("get", f"/task/{task_id}", role="viewer").get_json()["assignee"] is None
    assert api("post", f"/task/{task_id}/assignee", json={"userId": "bob"}, role="admin").status_code == 204
    assert api("post", f"/task/{task_id}/assignee", json={"userId": None}, role="admin").status_code == 204
    assert api("get", "/task?unassigned=true", role="viewer").get_json()[0]["id"] == task_id


def test_completing_a_task_continues_the_instance_and_can_return_its_variables(api: Call, engine: Engine) -> None:
    task_id = open_task(engine, "user-task", {"x": 1})
    (instance_id,) = [t["instance_id"] for t in engine.user_tasks() if t["task_id"] == task_id]
    assert api("post", f"/task/{task_id}/complete", json={"variables": {"ok": typed(True)}}).status_code == 204
    assert engine.instance(instance_id).state == "completed"
    assert api("get", f"/task/{task_id}", role="viewer").status_code == 404

    second = open_task(engine, "user-task", {"x": 1})
    body = {"variables": {"ok": typed(True)}, "withVariablesInReturn": True}
    answer = api("post", f"/task/{second}/submit-form", json=body)
    assert answer.status_code == 200
    assert answer.get_json() == {
        "x": {"type": "Integer", "value": 1, "valueInfo": {}},
        "ok": {"type": "Boolean", "value": True, "valueInfo": {}},
    }


def test_submit_form_runs_the_forms_validators_and_complete_does_not(api: Call, engine: Engine) -> None:
    refused = open_task(engine, "approval", {})
    too_big = api("post", f"/task/{refused}/submit-form", json={"variables": {"size_gb": typed(999)}})
    assert too_big.status_code == 400 and "size_gb" in too_big.get_json()["message"]
    submitted = api(
        "post", f"/task/{refused}/submit-form", json={"variables": {"size_gb": typed(5), "note": typed("x")}}
    )
    assert submitted.status_code == 204

    completed = open_task(engine, "approval", {})
    as_given = {"size_gb": typed(999), "note": typed("beyond the form")}
    answer = api("post", f"/task/{completed}/complete", json={"variables": as_given, "withVariablesInReturn": True})

    assert answer.status_code == 200, "Camunda 7's complete sets the variables as given, validators or not"
    returned = answer.get_json()
    assert returned["size_gb"]["value"] == 999 and returned["note"]["value"] == "beyond the form"


def test_completion_checks_who_holds_the_task(api: Call, engine: Engine) -> None:
    task_id = open_task(engine, "approval", {})
    assert api("post", f"/task/{task_id}/claim", json={"userId": "ada"}).status_code == 204
    held = api("post", f"/task/{task_id}/complete", json={"variables": {"size_gb": typed(5)}})
    assert held.status_code == 400 and "ada" in held.get_json()["message"]
    bad = api("post", f"/task/{task_id}/complete", json={"variables": {"size_gb": {"value": "x", "type": "Long"}}})
    assert bad.status_code == 400
    assert api("post", f"/task/{task_id}/complete", json={}, role="viewer").status_code == 403
    assert (
        api("post", f"/task/{task_id}/complete", json={"variables": {"size_gb": typed(5)}}, role="admin").status_code
        == 204
    )


def test_unknown_and_completed_tasks_are_404(api: Call, engine: Engine) -> None:
    for path, method, body in (
        ("", "get", None),
        ("/claim", "post", {"userId": "ada"}),
        ("/unclaim", "post", None),
        ("/assignee", "post", {"userId": "ada"}),
        ("/complete", "post", {}),
        ("/submit-form", "post", {}),
    ):
        answer = api(method, f"/task/no-such-task{path}", json=body)
        assert answer.status_code == 404, path
        assert set(answer.get_json()) >= {"type", "message"}
