"""Input-mapped and loop variables are local to their element instance, in the engine and both REST APIs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.conftest import deploy, run_jobs

Call = Callable[..., TestResponse]


@pytest.fixture
def scoped(engine: Engine) -> Engine:
    deploy(engine, "local-scopes-c8.bpmn", "local-scopes-c7.bpmn")
    return engine


def c8_variables(as_role: Call, instance_key: str, **filters: Any) -> list[tuple[str, Any, str]]:
    body = {"filter": {"processInstanceKey": instance_key, **filters}}
    response = as_role("viewer", "post", "/v2/variables/search", json=body)
    assert response.status_code == 200, response.get_json()
    return [(v["name"], v["value"], v["scopeKey"]) for v in response.get_json()["items"]]


def element_keys(as_role: Call, instance_key: str, element_id: str) -> list[str]:
    body = {"filter": {"processInstanceKey": instance_key, "elementId": element_id, "state": "ACTIVE"}}
    items = as_role("viewer", "post", "/v2/element-instances/search", json=body).get_json()["items"]
    return [e["elementInstanceKey"] for e in items]


def test_a_waiting_service_tasks_input_mapping_is_local_to_the_task_not_a_process_variable(
    as_role: Call, scoped: Engine
) -> None:
    instance = scoped.start("local-scopes-c8", {"x": 1, "items": ["a", "b"]})
    assert scoped.variables(instance.id) == {"x": 1, "items": ["a", "b"]}  # x keeps its value: the input shadows it
    assert scoped.view(instance.id).variables == {"x": 1, "items": ["a", "b"]}
    (scope,) = scoped.variable_scopes(instance.id).local
    assert (scope.element_id, scope.variables) == ("Work", {"local": 2, "x": 10})

    found_instance = as_role("viewer", "post", "/v2/process-instances/search", json={}).get_json()["items"][0]
    instance_key = found_instance["processInstanceKey"]
    (work,) = element_keys(as_role, instance_key, "Work")
    found = c8_variables(as_role, instance_key)
    assert sorted(found) == sorted(
        [("items", '["a", "b"]', instance_key), ("x", "1", instance_key), ("local", "2", work), ("x", "10", work)]
    )
    assert c8_variables(as_role, instance_key, name="local") == [("local", "2", work)]
    assert c8_variables(as_role, instance_key, scopeKey=instance_key, name="local") == []

    c7 = as_role("viewer", "get", f"/engine-rest/process-instance/{instance.id}/variables").get_json()
    assert set(c7) == {"x", "items"} and c7["x"]["value"] == 1
    rows = as_role("viewer", "get", f"/engine-rest/variable-instance?processInstanceId={instance.id}").get_json()
    by_name = {(r["name"], r["activityInstanceId"]): r["value"] for r in rows}
    assert by_name[("local", scope.task_id)] == 2 and by_name[("x", scope.task_id)] == 10
    assert by_name[("x", instance.id)] == 1 and ("local", instance.id) not in by_name
    history = as_role("viewer", "get", f"/engine-rest/history/variable-instance?processInstanceId={instance.id}")
    assert {(r["name"], r["activityInstanceId"]) for r in history.get_json()} == set(by_name)


def test_a_subprocess_inputs_and_each_inner_instances_item_and_counter_stay_in_that_instance(scoped: Engine) -> None:
    instance = scoped.start("local-scopes-c8", {"x": 1, "items": ["a", "b"]})
    run_jobs(scoped, {"work": lambda job: {"seen": job.variables["x"]}})
    scopes = scoped.variable_scopes(instance.id)
    assert scopes.process == {"x": 1, "items": ["a", "b"], "seen": 10}
    assert scoped.variables(instance.id) == scopes.process
    inner = sorted(
        (s.element_id, s.variables["item"], s.variables["loopCounter"], s.variables["zone"]) for s in scopes.local
    )
    assert inner == [("Region", "a", 1, "eu-1"), ("Region", "b", 2, "eu-1")]


def test_a_camunda7_user_tasks_input_parameter_is_local_while_it_waits_and_gone_when_it_completes(
    as_role: Call, scoped: Engine
) -> None:
    instance = scoped.start("local-scopes-c7", {"x": 1})
    assert scoped.variables(instance.id) == {"x": 1}
    (scope,) = scoped.variable_scopes(instance.id).local
    assert (scope.element_id, scope.variables) == ("Review", {"local": 2})
    rows = as_role("viewer", "get", f"/engine-rest/variable-instance?processInstanceId={instance.id}").get_json()
    assert sorted((r["name"], r["activityInstanceId"]) for r in rows) == [("local", scope.task_id), ("x", instance.id)]
    scoped.complete_user_task(instance.id, scope.task_id, {"approved": True})
    assert scoped.variables(instance.id) == {"x": 1, "approved": True}
    assert scoped.variable_scopes(instance.id).local == []


def test_a_c8_user_tasks_variables_are_the_process_ones_then_its_own_each_with_its_scope(
    as_role: Call, engine: Engine
) -> None:
    deploy(engine, "local-scopes-c8-user-task.bpmn")
    engine.start("local-scopes-c8-user-task", {"x": 1, "name": "Ada"})
    (task,) = as_role("viewer", "post", "/v2/user-tasks/search", json={}).get_json()["items"]
    path = f"/v2/user-tasks/{task['userTaskKey']}/variables/search"
    found = as_role("viewer", "post", path, json={}).get_json()
    instance_key, element_key = task["processInstanceKey"], task["elementInstanceKey"]
    assert [(v["name"], v["value"], v["scopeKey"]) for v in found["items"]] == [
        ("name", '"Ada"', instance_key),
        ("x", "1", instance_key),
        ("local", "11", element_key),  # the second input read the first
        ("x", "10", element_key),
    ]
    assert found["page"]["totalItems"] == 4 and all(v["processInstanceKey"] == instance_key for v in found["items"])
    named = as_role("viewer", "post", path, json={"filter": {"name": "local"}, "page": {"limit": 1}}).get_json()
    assert [v["value"] for v in named["items"]] == ["11"]
    unknown = as_role("viewer", "post", "/v2/user-tasks/2251799813685999/variables/search", json={})
    assert unknown.status_code == 404 and unknown.get_json()["title"] == "NOT_FOUND"
    assert as_role("viewer", "post", path, json={"filter": []}).status_code == 400


def stored_scopes(as_role: Call, instance_id: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The process scope and each other live scope's variables, as the instance page and ``/scopes`` read them."""
    answer = as_role("viewer", "get", f"/api/v1/instances/{instance_id}/scopes")
    assert answer.status_code == 200, answer.get_json()
    page = as_role("viewer", "get", f"/api/v1/instances/{instance_id}").get_json()
    scopes = answer.get_json()["items"]
    assert [s for s in page["scopes"] if s["active"]] == [s for s in scopes if s["active"]]
    process, *others = scopes
    assert process["kind"] == "process" and page["variables"] == process["variables"]
    return process["variables"], {s["id"]: s["variables"] for s in others if s["active"] and s["variables"]}


@pytest.mark.parametrize(
    ("process", "variables", "element_id"),
    [("local-scopes-c7", {"x": 1}, "Review"), ("local-scopes-c8", {"x": 1, "items": ["a", "b"]}, "Work")],
    ids=["c7-user-task-input-parameter", "c8-service-task-input-mapping"],
)
def test_the_instance_page_lists_a_waiting_tasks_inputs_under_the_task_as_the_engine_does(
    as_role: Call, scoped: Engine, process: str, variables: dict[str, Any], element_id: str
) -> None:
    instance = scoped.start(process, variables)
    live = scoped.variable_scopes(instance.id)
    (scope,) = live.local
    assert scope.element_id == element_id and scope.variables

    process_scope, others = stored_scopes(as_role, instance.id)
    assert process_scope == live.process == scoped.variables(instance.id)
    assert "local" not in process_scope
    assert others == {scope.task_id: scope.variables}


def test_a_past_step_lists_a_waiting_user_tasks_inputs_under_the_task_too(as_role: Call, scoped: Engine) -> None:
    instance = scoped.start("local-scopes-c7", {"x": 1})
    (scope,) = scoped.variable_scopes(instance.id).local
    steps = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/steps").get_json()["items"]
    past = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/steps/{len(steps)}").get_json()
    process, *others = past["scopes"]
    assert process["variables"] == {"x": 1}
    assert [(s["id"], s["kind"], s["variables"]) for s in others] == [(scope.task_id, "task", {"local": 2})]


def variables_changed(engine: Engine, instance_id: str) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    with engine.db.read() as conn:
        events = engine.store.events(conn, instance_id)
    return [(e.element_id, e.task_id, e.data) for e in events if e.type == "VariablesChanged"]


def test_setting_a_subprocess_input_from_a_task_inside_changes_the_subprocess_scope_not_the_process(
    engine: Engine,
) -> None:
    deploy(engine, "local-scopes-sub-user.bpmn")
    instance = engine.start("local-scopes-sub-user", {"x": 1})
    (task,) = engine.user_tasks(instance.id)
    (region,) = engine.variable_scopes(instance.id).local
    engine.set_task_variables(instance.id, task["task_id"], {"zone": "us-9", "y": 5})

    scopes = engine.variable_scopes(instance.id)
    assert scopes.process == {"x": 1, "y": 5}
    assert [(s.element_id, s.variables) for s in scopes.local] == [("Region", {"zone": "us-9"})]
    assert engine.task_variables(instance.id, task["task_id"]).visible == {"x": 1, "y": 5, "zone": "us-9"}
    assert variables_changed(engine, instance.id) == [
        (None, None, {"variables": ["y"], "values": {"y": 5}}),
        ("Region", region.task_id, {"variables": ["zone"], "values": {"zone": "us-9"}, "scope": "local"}),
    ]
    engine.complete_user_task(instance.id, task["task_id"], {})
    assert engine.variables(instance.id) == {"x": 1, "y": 5}  # the input's variable ended with its subprocess


def test_an_operators_process_edit_leaves_a_subprocess_input_of_the_same_name_alone(engine: Engine) -> None:
    deploy(engine, "local-scopes-sub-user.bpmn")
    instance = engine.start("local-scopes-sub-user", {"x": 1})
    engine.set_variables(instance.id, {"zone": "process"})
    scopes = engine.variable_scopes(instance.id)
    assert scopes.process == {"x": 1, "zone": "process"}
    assert [s.variables for s in scopes.local] == [{"zone": "eu-1"}]
    (task,) = engine.user_tasks(instance.id)
    engine.complete_user_task(instance.id, task["task_id"], {})
    assert engine.variables(instance.id) == {"x": 1, "zone": "process"}


def test_setting_an_items_variables_from_one_inner_instances_task_changes_that_instance_only(engine: Engine) -> None:
    deploy(engine, "local-scopes-mi-user.bpmn")
    instance = engine.start("local-scopes-mi-user", {"x": 1, "items": ["a", "b"]})
    first, second = (t["task_id"] for t in engine.user_tasks(instance.id))
    engine.set_task_variables(instance.id, first, {"item": "CHANGED", "loopCounter": 7, "zone": "us-1"})

    def seen(task_id: str) -> tuple[Any, ...]:
        visible = engine.task_variables(instance.id, task_id).visible
        return visible["item"], visible["loopCounter"], visible["zone"]

    assert (seen(first), seen(second)) == (("CHANGED", 7, "us-1"), ("b", 2, "eu-1"))
    scopes = engine.variable_scopes(instance.id)
    assert scopes.process == {"x": 1, "items": ["a", "b"]}
    assert sorted((s.variables["item"], s.variables["loopCounter"]) for s in scopes.local) == [("CHANGED", 7), ("b", 2)]
    engine.complete_user_task(instance.id, first, {})
    engine.complete_user_task(instance.id, second, {})
    assert engine.variables(instance.id) == {"x": 1, "items": ["a", "b"]}


def test_a_waiting_job_tasks_locals_are_what_its_job_holds_not_its_inputs_evaluated_again(scoped: Engine) -> None:
    instance = scoped.start("local-scopes-c8", {"x": 1, "items": ["a"]})
    scoped.set_variables(instance.id, {"x": 5})
    (scope,) = scoped.variable_scopes(instance.id).local
    assert scope.variables == {"local": 2, "x": 10}  # the inputs over x=1, as the job was created
    received: list[dict[str, Any]] = []

    def work(job: Any) -> dict[str, Any]:
        received.append(dict(job.variables))
        return {}

    run_jobs(scoped, {"work": work})
    assert {k: received[0][k] for k in ("local", "x")} == scope.variables


def test_a_task_local_variable_of_a_plain_user_task_is_its_own_and_not_propagated_on_completion(
    engine: Engine,
) -> None:
    deploy(engine, "local-scopes-sub-user.bpmn")
    instance = engine.start("local-scopes-sub-user", {"x": 1})
    (task,) = engine.user_tasks(instance.id)
    task_id = task["task_id"]
    engine.set_task_variables(instance.id, task_id, {"draft": 1, "zone": "own"}, local=True)
    seen = engine.task_variables(instance.id, task_id)
    assert seen.local == {"draft": 1, "zone": "own"}  # the task's own zone shadows the subprocess's
    assert seen.visible == {"x": 1, "zone": "own", "draft": 1}
    scopes = engine.variable_scopes(instance.id)
    assert scopes.process == {"x": 1}
    assert sorted((s.element_id, s.variables) for s in scopes.local) == [
        ("Region", {"zone": "eu-1"}),
        ("Review", {"draft": 1, "zone": "own"}),
    ]
    assert variables_changed(engine, instance.id)[-1][:2] == ("Review", task_id)
    engine.complete_user_task(instance.id, task_id, {"done": True})
    assert engine.variables(instance.id) == {"x": 1, "done": True}


def test_the_instance_page_lists_the_inputs_of_every_waiting_job_of_a_fan_out_wider_than_a_page_of_jobs(
    as_role: Call, engine: Engine
) -> None:
    deploy(engine, "local-scopes-wide-c8.bpmn")
    items = [f"r{i}" for i in range(520)]  # more jobs than one page of the store's job listing (500)
    instance = engine.start("local-scopes-wide-c8", {"items": items})

    _, others = stored_scopes(as_role, instance.id)

    targets = sorted(v["target"] for v in others.values() if "target" in v)
    assert targets == sorted(f"db-{item}" for item in items)
