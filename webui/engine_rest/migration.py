"""Camunda 7's ``/migration/generate``, ``/migration/validate`` and ``/migration/execute``.

As in Camunda, a plan lists instructions (``sourceActivityIds`` -> ``targetActivityIds``, one each)
and only what it lists migrates; ``generate`` proposes one instruction per element id both versions
have. ``execute`` checks every instance first and, if any cannot move, refuses them all with the
reasons (Camunda's synchronous migration is all or nothing); then each instance moves in its own step.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.migration import MAX_BATCH, MigrationPlan
from steadyflow.errors import InvalidInputError
from webui.auth import requires
from webui.engine_rest import bp
from webui.engine_rest.context import rest
from webui.engine_rest.errors import bad_request
from webui.engine_rest.request_input import body_str, body_str_list, json_body


def _instructions(plan: MigrationPlan) -> list[dict[str, Any]]:
    return [
        {"sourceActivityIds": [source], "targetActivityIds": [target], "updateEventTrigger": False}
        for source, target in sorted(plan.mapping.items())
    ]


def _plan_json(plan: MigrationPlan) -> dict[str, Any]:
    return {
        "sourceProcessDefinitionId": plan.source.id,
        "targetProcessDefinitionId": plan.target.id,
        "instructions": _instructions(plan),
        "variables": None,
    }


def _plan(raw: Any) -> MigrationPlan:
    """A Camunda migration plan as ours, or a 400 naming what is wrong."""
    if not isinstance(raw, dict):
        raise bad_request("The migration plan must be an object with source and target process definition ids")
    source = body_str(raw, "sourceProcessDefinitionId", required=True)
    target = body_str(raw, "targetProcessDefinitionId", required=True)
    instructions = raw.get("instructions")
    if not isinstance(instructions, list):
        raise bad_request("'instructions' must be a list of {sourceActivityIds, targetActivityIds}")
    mapping: dict[str, str] = {}
    for number, item in enumerate(instructions, start=1):
        sources = item.get("sourceActivityIds") if isinstance(item, dict) else None
        targets = item.get("targetActivityIds") if isinstance(item, dict) else None
        if not (isinstance(sources, list) and isinstance(targets, list) and len(sources) == len(targets) == 1):
            raise bad_request(f"Instruction {number} must map one source activity id to one target activity id")
        if not isinstance(sources[0], str) or not isinstance(targets[0], str):
            raise bad_request(f"Instruction {number}: activity ids must be strings")
        mapping[sources[0]] = targets[0]
    assert source is not None and target is not None
    return rest().engine.migrations.plan(source, target, mapping, same_ids=False)


@bp.post("/migration/generate")
@requires("operator")
def generate() -> Response:
    body = json_body(required=True)
    source = body_str(body, "sourceProcessDefinitionId", required=True)
    target = body_str(body, "targetProcessDefinitionId", required=True)
    assert source is not None and target is not None
    return jsonify(_plan_json(rest().engine.migration_plan(source, target)))


@bp.post("/migration/validate")
@requires("operator")
def validate() -> Response:
    """Each instruction with what is wrong with it, as Camunda reports a plan (200, failures listed)."""
    body = json_body(required=True)
    try:
        plan = _plan(body)
    except InvalidInputError as exc:
        source = rest().engine.migrations.plan(
            str(body.get("sourceProcessDefinitionId")), str(body.get("targetProcessDefinitionId")), same_ids=False
        )
        return jsonify(
            {
                "instructionReports": _reports(body["instructions"], source),
                "variableReports": {},
                "message": exc.message,
            }
        )
    reports = [{"instruction": i, "failures": []} for i in _instructions(plan)]
    return jsonify({"instructionReports": reports, "variableReports": {}})


def _reports(instructions: list[dict[str, Any]], empty: MigrationPlan) -> list[dict[str, Any]]:
    """Per instruction, the activities of the two versions it names that do not exist."""
    migrations = rest().engine.migrations
    source_elements, target_elements = migrations.elements(empty.source), migrations.elements(empty.target)
    reports = []
    for item in instructions:
        failures = []
        for source in item.get("sourceActivityIds") or []:
            if source not in source_elements:
                failures.append(f"Source activity '{source}' does not exist in version {empty.source.version}")
        for target in item.get("targetActivityIds") or []:
            if target not in target_elements:
                failures.append(f"Target activity '{target}' does not exist in version {empty.target.version}")
        reports.append({"instruction": item, "failures": failures})
    return reports


def _instance_ids(body: dict[str, Any], plan: MigrationPlan) -> list[str]:
    ids = list(body_str_list(body, "processInstanceIds") or ())
    query = body.get("processInstanceQuery")
    if query is not None:
        if not isinstance(query, dict):
            raise bad_request("'processInstanceQuery' must be an object")
        wanted = query.get("processDefinitionId", plan.source.id)
        if wanted != plan.source.id:
            raise bad_request("processInstanceQuery.processDefinitionId must be the plan's source definition")
        ids += rest().engine.migrations.running_on(plan.source.id)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise bad_request("Name the instances: processInstanceIds or processInstanceQuery")
    if len(ids) > MAX_BATCH:
        raise bad_request(f"At most {MAX_BATCH} instances per migration, not {len(ids)}")
    return ids


@bp.post("/migration/execute")
@requires("operator")
def execute() -> tuple[str, int]:
    body = json_body(required=True)
    plan = _plan(body.get("migrationPlan"))
    ids = _instance_ids(body, plan)
    migrations = rest().engine.migrations
    problems = {i: migrations.problems(plan, i) for i in ids}
    refused = [f"{i}: {'; '.join(p)}" for i, p in problems.items() if p]
    if refused:
        raise bad_request(
            f"{len(refused)} of {len(ids)} instances cannot be migrated, so none was: " + " | ".join(refused[:20])
        )
    result = rest().engine.migrate(plan, ids)
    if result.refused:  # an instance moved on between the check and its step
        raise bad_request("Migrated " + str(len(result.migrated)) + "; refused: " + str(result.refused))
    return "", 204
