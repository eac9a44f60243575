"""Instances over /api/v1: filters, sorting, paging, detail, variables, incidents, retry, cancel, changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine

Call = Callable[..., TestResponse]


def fail_first_job(engine: Engine, instance_id: str) -> None:
    """Claim the instance's jobs and fail one without retries: an incident."""
    jobs = [j for j in engine.claim_jobs("test-worker", None, max_jobs=10) if j.instance_id == instance_id]
    engine.fail_job(jobs[0].id, "region unavailable", worker_id="test-worker", retryable=False)


def test_filters_sorting_and_paging(as_role: Call, deployed: Engine) -> None:
    for n in range(5):
        deployed.start("database-creation", {"database": f"db{n}", "size": n}, business_key=f"REQ-{n}")
    deployed.start("approval", {}, business_key="OTHER-1")
    page = as_role("viewer", "get", "/api/v1/instances?key=database-creation&per_page=2&sort=business_key&order=asc")
    body = page.get_json()
    assert body["total"] == 5
    assert [i["business_key"] for i in body["items"]] == ["REQ-0", "REQ-1"]
    second = as_role(
        "viewer", "get", "/api/v1/instances?key=database-creation&per_page=2&page=3&sort=business_key&order=asc"
    )
    assert [i["business_key"] for i in second.get_json()["items"]] == ["REQ-4"]
    prefix = as_role("viewer", "get", "/api/v1/instances?business_key=OTHER").get_json()
    assert [i["business_key"] for i in prefix["items"]] == ["OTHER-1"]
    by_variable = as_role("viewer", "get", "/api/v1/instances?var_name=size&var_value=3").get_json()
    assert [i["business_key"] for i in by_variable["items"]] == ["REQ-3"]
    text_variable = as_role("viewer", "get", "/api/v1/instances?var_name=database&var_value=db2").get_json()
    assert [i["business_key"] for i in text_variable["items"]] == ["REQ-2"]
    dated = as_role("viewer", "get", "/api/v1/instances?started_after=2000-01-01&started_before=2000-02-01").get_json()
    assert dated["total"] == 0
    assert "frame" not in body["items"][0]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("sort=frame", "cannot sort by 'frame'"),
        ("order=sideways", "order must be"),
        ("page=0", "page must be >= 1"),
        ("per_page=5000", "per_page between 1 and 200"),
        ("page=two", "must be a whole number"),
        ("state=sleeping", "state 'sleeping' is unknown"),
        ("started_after=yesterday", "must be a date"),
        ("var_value=3", "needs the variable's name"),
    ],
)
def test_bad_instance_queries_are_400_with_a_message(as_role: Call, query: str, text: str) -> None:
    response = as_role("viewer", "get", f"/api/v1/instances?{query}")
    assert response.status_code == 400
    assert text in response.get_json()["error"]["message"]


def test_instance_detail_has_named_activities_jobs_history_and_variables(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"}, business_key="REQ-7")
    detail = as_role("viewer", "get", f"/api/v1/instances/{instance.id}").get_json()
    names = {a["element_id"]: a["name"] for a in detail["activities"]}
    assert names["Activity_CreateDatabaseIstanbul"] == "Create database (Istanbul)"
    assert detail["variables"] == {"database": "orders"}
    assert detail["definition"]["key"] == "database-creation"
    assert len(as_role("viewer", "get", f"/api/v1/instances/{instance.id}/jobs").get_json()["items"]) == 2
    history = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/history").get_json()["items"]
    assert history[-1]["type"] == "InstanceStarted"  # newest first
    head = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/head").get_json()
    assert head["version"] == deployed.instance(instance.id).version
    assert as_role("viewer", "get", f"/api/v1/instances/{instance.id}/variables").get_json()["variables"] == {
        "database": "orders"
    }


@pytest.mark.parametrize("suffix", ["", "/head", "/history", "/variables", "/jobs", "/incidents"])
def test_unknown_instance_is_404(as_role: Call, suffix: str) -> None:
    response = as_role("viewer", "get", f"/api/v1/instances/00000000-dead{suffix}")
    assert response.status_code == 404
    assert "does not exist" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_actions_on_unknown_instances_are_404(as_role: Call, action: str) -> None:
    assert as_role("operator", "post", f"/api/v1/instances/nope/{action}", json={}).status_code == 404


def test_operator_edits_variables(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    path = f"/api/v1/instances/{instance.id}/variables"
    saved = as_role("operator", "patch", path, json={"variables": {"size": 3}})
    assert saved.get_json()["variables"] == {"database": "orders", "size": 3}
    empty = as_role("operator", "patch", path, json={"variables": {}})
    assert empty.status_code == 400
    assert as_role("operator", "put", path, json={"x": 1}).status_code == 400


def test_incident_is_listed_and_retry_resolves_it(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    fail_first_job(deployed, instance.id)
    incidents = as_role("viewer", "get", "/api/v1/incidents").get_json()["items"]
    assert incidents[0]["message"] == "region unavailable"
    assert incidents[0]["instance_id"] == instance.id
    listed = as_role("viewer", "get", "/api/v1/instances?state=incident").get_json()
    assert [i["id"] for i in listed["items"]] == [instance.id]
    retried = as_role("operator", "post", f"/api/v1/instances/{instance.id}/retry", json={"retries": 2})
    assert retried.get_json()["retried_incidents"] == 1
    again = as_role("operator", "post", f"/api/v1/instances/{instance.id}/retry")
    assert again.status_code == 409
    assert "no open incident" in again.get_json()["error"]["message"]
    bad = as_role("operator", "post", f"/api/v1/instances/{instance.id}/retry", json={"retries": "many"})
    assert bad.status_code == 400
    assert as_role("viewer", "get", "/api/v1/incidents?limit=0").status_code == 400


def test_cancel_then_cancel_again_is_409(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    done = as_role("operator", "post", f"/api/v1/instances/{instance.id}/cancel", json={"reason": "test"})
    assert done.get_json()["instance"]["state"] == "cancelled"
    again = as_role("operator", "post", f"/api/v1/instances/{instance.id}/cancel")
    assert again.status_code == 409
    edit = as_role("operator", "patch", f"/api/v1/instances/{instance.id}/variables", json={"variables": {"a": 1}})
    assert edit.status_code == 409


def test_change_feed_reports_instances_changed_since_a_token(as_role: Call, deployed: Engine) -> None:
    first = as_role("viewer", "get", "/api/v1/changes").get_json()
    assert first["instances"] == []
    instance = deployed.start("database-creation", {"database": "orders"})
    later = as_role("viewer", "get", f"/api/v1/changes?since={first['token']}").get_json()
    assert later["token"] >= first["token"]
    assert instance.id in [i["id"] for i in later["instances"]]
    assert as_role("viewer", "get", "/api/v1/changes?since=soon").status_code == 400


def test_batch_retry_and_cancel_act_on_each_instance_and_say_why_not(as_role: Call, deployed: Engine) -> None:
    failing = [deployed.start("database-creation", {"database": f"db{n}"}) for n in range(2)]
    healthy = deployed.start("database-creation", {"database": "fine"})
    claimed = deployed.claim_jobs("test-worker", None, max_jobs=100)
    for instance in failing:
        job = next(j for j in claimed if j.instance_id == instance.id)
        deployed.fail_job(job.id, "region unavailable", worker_id="test-worker", retryable=False)

    retried = as_role(
        "operator",
        "post",
        "/api/v1/instances/batch",
        json={"action": "retry", "instance_ids": [failing[0].id, failing[1].id, healthy.id, "no-such-instance"]},
    )

    assert retried.status_code == 200
    body = retried.get_json()
    assert body["done"] == [failing[0].id, failing[1].id]
    assert body["refused"][healthy.id].endswith("has no open incident to retry")
    assert "does not exist" in body["refused"]["no-such-instance"]
    assert all(deployed.instance(i.id).open_incidents == 0 for i in failing)

    cancelled = as_role(
        "operator", "post", "/api/v1/instances/batch", json={"action": "cancel", "instance_ids": [healthy.id] * 2}
    ).get_json()
    assert cancelled == {"action": "cancel", "done": [healthy.id], "refused": {}}
    assert deployed.instance(healthy.id).state == "cancelled"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"action": "delete", "instance_ids": ["x"]}, "must be one of retry, cancel"),
        ({"action": "retry", "instance_ids": "x"}, "list of instance ids"),
        ({"action": "retry", "instance_ids": []}, "at least one"),
        ({"action": "retry", "instance_ids": [f"i{n}" for n in range(1001)]}, "at most 1000"),
    ],
)
def test_bad_batches_are_400_with_what_to_change(as_role: Call, deployed: Engine, body: dict, text: str) -> None:
    response = as_role("operator", "post", "/api/v1/instances/batch", json=body)
    assert response.status_code == 400
    assert text in response.get_json()["error"]["message"]
