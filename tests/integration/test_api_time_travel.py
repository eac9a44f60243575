"""Time travel, rewind and the heatmap over /api/v1: the state after a step, a rewind as a new step, bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine

Call = Callable[..., TestResponse]


def _complete(engine: Engine, element_id: str) -> None:
    (job,) = [j for j in engine.store_jobs(state="ready") if j.element_id == element_id]
    claimed = engine.claim_jobs("w", [job.type], max_jobs=10)
    engine.complete_job(job.id, {}, worker_id="w")
    engine.release_locks("w", [j.id for j in claimed if j.id != job.id])


def test_the_state_after_a_step_shows_the_tokens_of_then(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    _complete(deployed, "Activity_CreateDatabaseIstanbul")
    after_istanbul = deployed.instance(instance.id).version
    _complete(deployed, "Activity_CreateDatabaseAnkara")

    steps = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/steps").get_json()["items"]
    past = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/steps/{after_istanbul}").get_json()

    assert [s["step"] for s in steps] == list(range(1, deployed.instance(instance.id).version + 1))
    counts = past["element_counts"]
    assert counts["Activity_CreateDatabaseIstanbul"]["completed"] == 1
    assert counts["Activity_CreateDatabaseAnkara"]["active"] == 1
    assert "Activity_CreateReplication" not in counts
    assert past["step"] == after_istanbul and past["variables"]["database"] == "orders"
    names = {a["element_id"]: a["name"] for a in past["activities"]}
    assert names["Activity_CreateDatabaseAnkara"] == "Create database (Ankara)"


def test_rewind_restarts_from_the_step_as_a_new_step(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    _complete(deployed, "Activity_CreateDatabaseIstanbul")
    _complete(deployed, "Activity_CreateDatabaseAnkara")
    version = deployed.instance(instance.id).version

    answer = as_role("operator", "post", f"/api/v1/instances/{instance.id}/rewind", json={"step": 1, "reason": "again"})

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["instance"]["version"] == version + 1
    jobs = sorted(j.element_id for j in deployed.store_jobs(instance_id=instance.id))
    assert jobs == ["Activity_CreateDatabaseAnkara", "Activity_CreateDatabaseIstanbul"]
    steps = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/steps").get_json()["items"]
    assert any(e["type"] == "InstanceRewound" for e in steps[-1]["events"])


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({}, 400, 'send {"step": N}'),
        ({"step": "two"}, 400, "must be a step number"),
        ({"step": True}, 400, "must be a step number"),
        ({"step": 0}, 400, "between 1 and"),
        ({"step": 50}, 400, "step 50 is not one of them"),
    ],
)
def test_bad_rewinds_are_refused_and_change_nothing(
    as_role: Call, deployed: Engine, body: dict[str, object], status: int, text: str
) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    before = deployed.instance(instance.id).version

    answer = as_role("operator", "post", f"/api/v1/instances/{instance.id}/rewind", json=body)

    assert answer.status_code == status
    assert text in answer.get_json()["error"]["message"]
    assert deployed.instance(instance.id).version == before


def test_rewinding_needs_an_operator_and_an_existing_instance(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    assert as_role("viewer", "post", f"/api/v1/instances/{instance.id}/rewind", json={"step": 1}).status_code == 403
    assert as_role("operator", "post", "/api/v1/instances/nope/rewind", json={"step": 1}).status_code == 404
    assert as_role("viewer", "get", f"/api/v1/instances/{instance.id}/steps/x").status_code == 400


def test_heatmap_counts_what_completed(as_role: Call, deployed: Engine) -> None:
    for _ in range(2):
        deployed.start("database-creation", {"database": "orders"})
    (first, _) = [j for j in deployed.store_jobs(state="ready") if j.element_id == "Activity_CreateDatabaseIstanbul"]
    deployed.claim_jobs("w", ["create-database"], max_jobs=10)
    deployed.complete_job(first.id, {}, worker_id="w")

    heat = as_role("viewer", "get", "/api/v1/definitions/database-creation/heatmap?version=1").get_json()

    assert heat["elements"]["StartEvent_RequestReceived"]["count"] == 2
    assert heat["elements"]["Gateway_Fork"]["count"] == 2
    assert heat["elements"]["Activity_CreateDatabaseIstanbul"]["count"] == 1
    assert "Activity_CreateDatabaseAnkara" not in heat["elements"]
    bad = as_role("viewer", "get", "/api/v1/definitions/database-creation/heatmap?since=tomorrow")
    assert bad.status_code == 400
    assert as_role("viewer", "get", "/api/v1/definitions/nope/heatmap").status_code == 404
    swapped = as_role(
        "viewer", "get", "/api/v1/definitions/database-creation/heatmap?since=2026-02-01&until=2026-01-01"
    )
    assert swapped.status_code == 400 and "swap" in swapped.get_json()["error"]["message"]
