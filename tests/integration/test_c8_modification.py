"""Camunda 8's process instance modification at /v2: activate, move, terminate as one step; bad input a 4xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.test_c8_api import deploy, start

Call = Callable[..., TestResponse]


def _jobs(engine: Engine, instance_id: str) -> list[str]:
    return sorted(j.element_id for j in engine.store_jobs(instance_id=instance_id))


def _started(as_role: Call) -> str:
    deploy(as_role, "database-creation-c8.bpmn")
    created = start(as_role, "database-creation-c8", {"database": "orders", "regions": ["istanbul", "ankara"]})
    return str(created["processInstanceKey"])


def _instance_id(engine: Engine) -> str:
    (instance,) = engine.instances()
    return instance.id


def test_move_instruction_takes_the_fan_out_to_replication(as_role: Call, engine: Engine) -> None:
    key = _started(as_role)
    body = {
        "moveInstructions": [
            {
                "sourceElementInstruction": {"sourceType": "byId", "sourceElementId": "Activity_CreateDatabase"},
                "targetElementId": "Activity_CreateReplication",
                "variableInstructions": [{"variables": {"skipped": True}}],
            }
        ]
    }

    answer = as_role("operator", "post", f"/v2/process-instances/{key}/modification", json=body)

    assert answer.status_code == 204, answer.get_json()
    instance_id = _instance_id(engine)
    assert _jobs(engine, instance_id) == ["Activity_CreateReplication"]
    (job,) = engine.claim_jobs("w", ["create-replication"])
    assert job.variables["skipped"] is True
    engine.complete_job(job.id, {}, worker_id="w")
    assert as_role("viewer", "get", f"/v2/process-instances/{key}").get_json()["state"] == "COMPLETED"


def test_terminate_by_element_instance_key_and_activate_an_element(as_role: Call, engine: Engine) -> None:
    key = _started(as_role)
    elements = as_role(
        "viewer",
        "post",
        "/v2/element-instances/search",
        json={"filter": {"processInstanceKey": key, "state": "ACTIVE", "type": "SERVICE_TASK"}},
    ).get_json()["items"]
    body = {
        "activateInstructions": [{"elementId": "Activity_CreateReplication"}],
        "terminateInstructions": [{"elementInstanceKey": e["elementInstanceKey"]} for e in elements],
    }

    answer = as_role("operator", "post", f"/v2/process-instances/{key}/modification", json=body)

    assert answer.status_code == 204, answer.get_json()
    assert {e["elementId"] for e in elements} == {"Activity_CreateDatabase"}  # the body and both regions
    assert _jobs(engine, _instance_id(engine)) == ["Activity_CreateReplication"]


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({}, 400, "Send at least one of"),
        ({"activateInstructions": [{"elementId": "Nope"}]}, 400, "element 'Nope' is not in the model"),
        ({"terminateInstructions": [{"elementId": "Activity_CreateReplication"}]}, 409, "no token is at element"),
        ({"terminateInstructions": [{"elementInstanceKey": "12"}]}, 404, "Element instance with key '12' not found"),
        ({"activateInstructions": "x"}, 400, "must be a list of objects"),
        (
            {"moveInstructions": [{"sourceElementInstruction": {"sourceElementId": "Activity_CreateDatabase"}}]},
            400,
            "targetElementId",
        ),
    ],
)
def test_bad_modifications_are_problems_and_change_nothing(
    as_role: Call, engine: Engine, body: dict[str, Any], status: int, text: str
) -> None:
    key = _started(as_role)
    before = engine.instance(_instance_id(engine)).version

    answer = as_role("operator", "post", f"/v2/process-instances/{key}/modification", json=body)

    assert answer.status_code == status, answer.get_json()
    assert text in answer.get_json()["detail"]
    assert engine.instance(_instance_id(engine)).version == before
