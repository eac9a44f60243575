"""Instance modification over /api/v1 and /engine-rest: one step per request; bad input a clear 4xx, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine

Call = Callable[..., TestResponse]


def _jobs(engine: Engine, instance_id: str) -> list[str]:
    return sorted(j.element_id for j in engine.store_jobs(instance_id=instance_id))


def test_api_moves_a_token_and_the_instance_completes_from_there(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    body = {
        "instructions": [
            {"type": "cancel", "elementId": "Activity_CreateDatabaseAnkara"},
            {
                "type": "move",
                "elementId": "Activity_CreateDatabaseIstanbul",
                "targetElementId": "Activity_CreateReplication",
                "variables": {"note": "skip regions"},
            },
        ],
        "reason": "regions exist already",
    }

    answer = as_role("operator", "post", f"/api/v1/instances/{instance.id}/modification", json=body)

    assert answer.status_code == 200, answer.get_json()
    assert _jobs(deployed, instance.id) == ["Activity_CreateReplication"]
    (job,) = deployed.claim_jobs("w", ["create-replication"])
    assert job.variables["note"] == "skip regions"
    deployed.complete_job(job.id, {}, worker_id="w")
    assert deployed.instance(instance.id).state == "completed"
    history = as_role("viewer", "get", f"/api/v1/instances/{instance.id}/history").get_json()["items"]
    modified = [e for e in history if e["type"] == "InstanceModified"]
    assert modified and modified[0]["data"]["reason"] == "regions exist already"


@pytest.mark.parametrize(
    ("instructions", "status", "text"),
    [
        (None, 400, "with at least one instruction"),
        ([{"type": "teleport", "elementId": "A"}], 400, "'type' must be one of"),
        ([{"type": "cancel", "elementId": "Nope"}], 400, "element 'Nope' is not in the model"),
        ([{"type": "cancel", "elementId": "Activity_CreateReplication"}], 409, "no token is at element"),
        ([{"type": "move", "elementId": "Activity_CreateDatabaseAnkara"}], 400, "needs 'targetElementId'"),
        ([{"type": "startAfter", "elementId": "Gateway_Fork"}], 400, "2 outgoing sequence flows"),
        ([{"type": "startBefore", "elementId": "Activity_CreateReplication", "variables": [1]}], 400, "'variables'"),
    ],
)
def test_api_refuses_bad_instructions_and_changes_nothing(
    as_role: Call, deployed: Engine, instructions: Any, status: int, text: str
) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    before = deployed.instance(instance.id).version

    answer = as_role(
        "operator", "post", f"/api/v1/instances/{instance.id}/modification", json={"instructions": instructions}
    )

    assert answer.status_code == status, answer.get_json()
    assert text in answer.get_json()["error"]["message"]
    assert deployed.instance(instance.id).version == before
    assert _jobs(deployed, instance.id) == ["Activity_CreateDatabaseAnkara", "Activity_CreateDatabaseIstanbul"]


def test_api_modification_needs_an_operator_and_a_known_instance(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    body = {"instructions": [{"type": "cancel", "elementId": "Activity_CreateDatabaseAnkara"}]}
    assert as_role("viewer", "post", f"/api/v1/instances/{instance.id}/modification", json=body).status_code == 403
    assert as_role("operator", "post", "/api/v1/instances/nope/modification", json=body).status_code == 404


def test_engine_rest_modification_starts_before_and_cancels_by_activity_instance(
    as_role: Call, deployed: Engine
) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    tree = as_role("viewer", "get", f"/engine-rest/process-instance/{instance.id}/activity-instances").get_json()
    ankara = next(c["id"] for c in tree["childActivityInstances"] if c["activityId"] == "Activity_CreateDatabaseAnkara")
    body = {
        "skipCustomListeners": True,
        "annotation": "operator fix",
        "instructions": [
            {"type": "cancel", "activityInstanceId": ankara},
            {
                "type": "startBeforeActivity",
                "activityId": "Activity_CreateReplication",
                "variables": {"size": {"value": 5, "type": "Integer", "local": False}},
            },
        ],
    }

    answer = as_role("operator", "post", f"/engine-rest/process-instance/{instance.id}/modification", json=body)

    assert answer.status_code == 204, answer.get_data(as_text=True)
    assert _jobs(deployed, instance.id) == ["Activity_CreateDatabaseIstanbul", "Activity_CreateReplication"]
    (job,) = [j for j in deployed.store_jobs(instance_id=instance.id) if j.element_id == "Activity_CreateReplication"]
    assert job.variables["size"] == 5


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({}, 400, "'instructions' must be a non-empty list"),
        ({"instructions": [{"type": "startTransition", "transitionId": "Flow_6"}]}, 400, "no transition instances"),
        ({"instructions": [{"type": "cancel", "activityId": "Nope"}]}, 400, "element 'Nope' is not in the model"),
        ({"instructions": [{"type": "cancel", "activityId": "Activity_CreateReplication"}]}, 400, "no token is at"),
        ({"instructions": [{"type": "startBeforeActivity"}]}, 400, "needs 'elementId'"),
        (
            {
                "instructions": [
                    {
                        "type": "startBeforeActivity",
                        "activityId": "Gateway_Join",
                        "variables": {"x": {"value": "a", "type": "Integer"}},
                    }
                ]
            },
            400,
            "Integer",
        ),
    ],
)
def test_engine_rest_refuses_bad_modifications_and_changes_nothing(
    as_role: Call, deployed: Engine, body: dict[str, Any], status: int, text: str
) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    before = deployed.instance(instance.id).version

    answer = as_role("operator", "post", f"/engine-rest/process-instance/{instance.id}/modification", json=body)

    assert answer.status_code == status, answer.get_json()
    assert text in answer.get_json()["message"]
    assert deployed.instance(instance.id).version == before


def test_engine_rest_modification_of_an_unknown_or_ended_instance_is_a_404(as_role: Call, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "orders"})
    deployed.cancel(instance.id)
    body = {"instructions": [{"type": "startBeforeActivity", "activityId": "Activity_CreateReplication"}]}
    for instance_id in (instance.id, "nope"):
        answer = as_role("operator", "post", f"/engine-rest/process-instance/{instance_id}/modification", json=body)
        assert answer.status_code == 404
