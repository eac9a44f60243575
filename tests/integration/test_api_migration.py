"""Migration over /api/v1 and /engine-rest: plan, validate, execute; incompatible versions a 4xx, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.conftest import DATA, EXAMPLES

Call = Callable[..., TestResponse]


@pytest.fixture
def versions(engine: Engine) -> tuple[str, str]:
    engine.deploy_paths([EXAMPLES / "database-creation-c8.bpmn"])
    engine.deploy_paths([DATA / "database-creation-c8-v2.bpmn"])
    return (
        engine.definitions.resolve("database-creation-c8", 1).id,
        engine.definitions.resolve("database-creation-c8", 2).id,
    )


def _start(engine: Engine, count: int) -> list[str]:
    return [
        engine.start("database-creation-c8", {"database": f"db{n}", "regions": ["a", "b"]}, version=1).id
        for n in range(count)
    ]


def test_api_plans_and_migrates_every_running_instance(
    as_role: Call, engine: Engine, versions: tuple[str, str]
) -> None:
    v1, v2 = versions
    ids = _start(engine, 3)
    body: dict[str, Any] = {"source_definition_id": v1, "target_definition_id": v2, "all_running": True}

    plan = as_role("operator", "post", "/api/v1/migrations/plan", json=body).get_json()
    done = as_role("operator", "post", "/api/v1/migrations/execute", json=body)

    assert plan["mapping"]["Activity_CreateDatabase"] == "Activity_CreateDatabase" and plan["unmapped"] == []
    assert plan["instances"] == {i: [] for i in ids}
    assert done.status_code == 200
    assert sorted(done.get_json()["migrated"]) == sorted(ids) and done.get_json()["refused"] == {}
    assert {engine.instance(i).definition_id for i in ids} == {v2}


def test_api_refuses_instances_of_incompatible_versions_and_changes_nothing(
    as_role: Call, engine: Engine, versions: tuple[str, str]
) -> None:
    v1, v2 = versions
    (instance_id,) = [engine.start("database-creation-c8", {"database": "x", "regions": ["a"]}, version=2).id]
    for job_type in ("create-database", "create-replication"):  # up to the task version 1 does not have
        for job in engine.claim_jobs("w", [job_type], max_jobs=5):
            engine.complete_job(job.id, {"regionDatabase": {"region": "a"}}, worker_id="w")
    assert [j.element_id for j in engine.store_jobs(instance_id=instance_id)] == ["Activity_NotifyOwner"]
    before = engine.instance(instance_id).version
    body = {"source_definition_id": v2, "target_definition_id": v1, "instance_ids": [instance_id]}

    plan = as_role("operator", "post", "/api/v1/migrations/plan", json=body).get_json()
    done = as_role("operator", "post", "/api/v1/migrations/execute", json=body).get_json()

    assert plan["unmapped"] == ["Activity_NotifyOwner"]
    assert "a token at 'Activity_NotifyOwner'" in plan["instances"][instance_id][0]
    assert done["migrated"] == [] and "Activity_NotifyOwner" in done["refused"][instance_id]
    assert engine.instance(instance_id).version == before and engine.instance(instance_id).definition_id == v2


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({}, 400, "source_definition_id"),
        (
            {"source_definition_id": "nope", "target_definition_id": "nope2", "instance_ids": ["x"]},
            400,
            "does not exist",
        ),
        ({"mapping": {"Nope": "Activity_CreateDatabase"}}, 400, "does not have"),
        ({"mapping": ["x"]}, 400, "'mapping' must be an object"),
        ({"instance_ids": []}, 400, "name the instances"),
    ],
)
def test_api_refuses_bad_migration_requests(
    as_role: Call, engine: Engine, versions: tuple[str, str], body: dict[str, Any], status: int, text: str
) -> None:
    v1, v2 = versions
    full = {"source_definition_id": v1, "target_definition_id": v2, "instance_ids": ["x"], **body}
    if not body:
        full = {}
    answer = as_role("operator", "post", "/api/v1/migrations/execute", json=full)
    assert answer.status_code == status, answer.get_json()
    assert text in answer.get_json()["error"]["message"]
    assert as_role("viewer", "post", "/api/v1/migrations/execute", json=full).status_code == 403


def test_engine_rest_generates_validates_and_executes_a_plan(
    as_role: Call, engine: Engine, versions: tuple[str, str]
) -> None:
    v1, v2 = versions
    ids = _start(engine, 2)
    generated = as_role(
        "operator",
        "post",
        "/engine-rest/migration/generate",
        json={"sourceProcessDefinitionId": v1, "targetProcessDefinitionId": v2, "updateEventTriggers": False},
    ).get_json()
    assert {
        "sourceActivityIds": ["Activity_CreateDatabase"],
        "targetActivityIds": ["Activity_CreateDatabase"],
        "updateEventTrigger": False,
    } in generated["instructions"]

    report = as_role("operator", "post", "/engine-rest/migration/validate", json=generated).get_json()
    done = as_role(
        "operator",
        "post",
        "/engine-rest/migration/execute",
        json={"migrationPlan": generated, "processInstanceIds": ids, "skipCustomListeners": True},
    )

    assert all(r["failures"] == [] for r in report["instructionReports"])
    assert done.status_code == 204, done.get_json()
    assert {engine.instance(i).definition_id for i in ids} == {v2}


def test_engine_rest_refuses_a_plan_that_leaves_a_token_unmapped_and_migrates_none(
    as_role: Call, engine: Engine, versions: tuple[str, str]
) -> None:
    v1, v2 = versions
    ids = _start(engine, 2)
    plan = {
        "sourceProcessDefinitionId": v1,
        "targetProcessDefinitionId": v2,
        "instructions": [
            {"sourceActivityIds": ["Activity_CreateReplication"], "targetActivityIds": ["Activity_CreateReplication"]}
        ],
    }

    answer = as_role(
        "operator",
        "post",
        "/engine-rest/migration/execute",
        json={"migrationPlan": plan, "processInstanceQuery": {"processDefinitionId": v1}},
    )

    assert answer.status_code == 400
    assert "2 of 2 instances cannot be migrated" in answer.get_json()["message"]
    assert "Activity_CreateDatabase" in answer.get_json()["message"]
    assert {engine.instance(i).definition_id for i in ids} == {v1}
    bad = as_role(
        "operator",
        "post",
        "/engine-rest/migration/validate",
        json={**plan, "instructions": [{"sourceActivityIds": ["a", "b"]}]},
    )
    assert bad.status_code == 400 and "one source activity id" in bad.get_json()["message"]


def test_engine_rest_validate_reports_unknown_activities_per_instruction(
    as_role: Call, engine: Engine, versions: tuple[str, str]
) -> None:
    v1, v2 = versions
    plan = {
        "sourceProcessDefinitionId": v1,
        "targetProcessDefinitionId": v2,
        "instructions": [
            {"sourceActivityIds": ["Activity_CreateDatabase"], "targetActivityIds": ["Activity_Nope"]},
            {"sourceActivityIds": ["Activity_CreateReplication"], "targetActivityIds": ["Activity_CreateReplication"]},
        ],
    }

    answer = as_role("operator", "post", "/engine-rest/migration/validate", json=plan)

    assert answer.status_code == 200
    first, second = answer.get_json()["instructionReports"]
    assert first["failures"] == ["Target activity 'Activity_Nope' does not exist in version 2"]
    assert second["failures"] == []
