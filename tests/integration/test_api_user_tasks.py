"""User tasks over /api/v1: listing, the form, claim rules, validation, completion."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.test import TestResponse

from engine.engine import Engine

Call = Callable[..., TestResponse]


def open_task(as_role: Call, engine: Engine) -> tuple[str, str]:
    instance = engine.start("approval", {}, business_key="REQ-5")
    tasks = as_role("viewer", "get", f"/api/v1/user-tasks?instance_id={instance.id}").get_json()["items"]
    return instance.id, tasks[0]["task_id"]


def test_open_task_shows_its_form_fields(as_role: Call, deployed: Engine) -> None:
    _, task_id = open_task(as_role, deployed)
    task = as_role("viewer", "get", f"/api/v1/user-tasks/{task_id}").get_json()
    assert task["name"] == "Approve the request"
    fields = {f["id"]: f for f in task["fields"]}
    assert fields["size_gb"]["required"] is True
    assert fields["size_gb"]["maximum"] == 500
    assert [o["value"] for o in fields["tier"]["options"]] == ["gold", "silver"]


def test_claim_unclaim_and_claims_of_others(as_role: Call, deployed: Engine, fast_accounts: object) -> None:
    _, task_id = open_task(as_role, deployed)
    claimed = as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/claim")
    assert claimed.get_json()["assignee"] == "operator"
    mine = as_role("viewer", "get", "/api/v1/user-tasks?assignee=operator").get_json()["items"]
    assert [t["task_id"] for t in mine] == [task_id]
    taken = as_role("admin", "post", f"/api/v1/user-tasks/{task_id}/claim")
    assert taken.get_json()["assignee"] == "admin"  # admins may take tasks over
    refused = as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/complete", json={"variables": {"size_gb": 5}})
    assert refused.status_code == 409
    assert "claimed by 'admin'" in refused.get_json()["error"]["message"]
    not_yours = as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/unclaim")
    assert not_yours.status_code == 409
    released = as_role("admin", "post", f"/api/v1/user-tasks/{task_id}/unclaim")
    assert released.get_json()["assignee"] is None


def test_invalid_form_values_are_400_per_field(as_role: Call, deployed: Engine) -> None:
    _, task_id = open_task(as_role, deployed)
    response = as_role(
        "operator",
        "post",
        f"/api/v1/user-tasks/{task_id}/complete",
        json={"variables": {"size_gb": 900, "tier": "bronze", "comment": "x" * 41}},
    )
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert fields == {
        "size_gb": "must be at most 500",
        "tier": "must be one of gold, silver",
        "comment": "must have at most 40 characters",
    }
    typed = as_role(
        "operator", "post", f"/api/v1/user-tasks/{task_id}/complete", json={"variables": {"size_gb": "ten"}}
    )
    assert typed.get_json()["error"]["fields"] == {"size_gb": "must be a whole number"}
    # A required field left out takes its default, as Camunda 7 does on submit.
    defaulted = as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/complete", json={"variables": {}})
    assert defaulted.status_code < 300


def test_completing_with_valid_values_finishes_the_instance(as_role: Call, deployed: Engine) -> None:
    instance_id, task_id = open_task(as_role, deployed)
    done = as_role(
        "operator",
        "post",
        f"/api/v1/user-tasks/{task_id}/complete",
        json={"variables": {"approved": True, "size_gb": "20", "tier": "gold"}},
    )
    assert done.get_json()["variables"] == {"approved": True, "size_gb": 20, "tier": "gold"}
    assert deployed.instance(instance_id).state == "completed"
    assert as_role("viewer", "get", f"/api/v1/user-tasks/{task_id}").status_code == 404
    assert as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/claim").status_code == 404
    assert as_role("operator", "post", f"/api/v1/user-tasks/{task_id}/complete", json={}).status_code == 404
