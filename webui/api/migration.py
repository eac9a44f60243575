"""Migration over ``/api/v1``: plan (generate and check a mapping), then execute for named or all instances."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from engine.migration import MAX_BATCH, MigrationPlan
from steadyflow.errors import InvalidInputError, NotFoundError
from webui.api import bp
from webui.api.common import json_body
from webui.auth import requires
from webui.services import services


def _plan(body: dict[str, Any]) -> MigrationPlan:
    source, target = body.get("source_definition_id"), body.get("target_definition_id")
    if not isinstance(source, str) or not source or not isinstance(target, str) or not target:
        raise InvalidInputError(
            'send {"source_definition_id": "...", "target_definition_id": "...", "mapping": {"A": "B"}}; '
            "the ids are listed by GET /api/v1/definitions/KEY"
        )
    mapping = body.get("mapping")
    if mapping is not None and not isinstance(mapping, dict):
        raise InvalidInputError("'mapping' must be an object of source element id -> target element id")
    try:
        return services().engine.migration_plan(source, target, mapping)
    except NotFoundError as exc:  # an id in the body, not the resource addressed: bad input
        raise InvalidInputError(exc.message) from exc


def _instance_ids(body: dict[str, Any], plan: MigrationPlan) -> list[str]:
    if body.get("all_running") is True:
        return services().engine.migrations.running_on(plan.source.id)
    ids = body.get("instance_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise InvalidInputError("name the instances as 'instance_ids' (a list of ids), or send \"all_running\": true")
    if len(ids) > MAX_BATCH:
        raise InvalidInputError(f"a migration may name at most {MAX_BATCH} instances, not {len(ids)}: split it")
    return list(dict.fromkeys(ids))


@bp.post("/migrations/plan")
@requires("operator")
def plan_migration() -> Response:
    """The mapping, the elements without counterpart, and (given instances) why any of them could not move."""
    body = json_body()
    plan = _plan(body)
    answer: dict[str, Any] = plan.as_json()
    if body.get("instance_ids") is not None or body.get("all_running") is True:
        checks = services().engine.migrations
        answer["instances"] = {i: checks.problems(plan, i) for i in _instance_ids(body, plan)}
    return jsonify(answer)


@bp.post("/migrations/execute")
@requires("operator")
def execute_migration() -> Response:
    """Migrate each instance in its own step; the answer lists the migrated ones and why others were not."""
    body = json_body()
    plan = _plan(body)
    return jsonify(services().engine.migrate(plan, _instance_ids(body, plan)).as_json())
