"""Instances: filtered pages, detail, history, variables, jobs, incidents, retry, cancel, change feed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from engine.batch import check_batch, run_batch
from engine.limits import MAX_COUNT
from steadyflow.errors import InvalidInputError
from webui.api import bp
from webui.api.common import arg_float, arg_int, arg_str, arg_time, json_body, optional_str
from webui.auth import requires
from webui.input_gate import checked_for_instance
from webui.services import services


def instance_page_from_args() -> dict[str, Any]:
    """The instances page for the query string shared by the API and the UI."""
    return services().queries.instance_page(
        state=arg_str("state"),
        definition_key=arg_str("key"),
        definition_id=arg_str("definition_id"),
        business_key=arg_str("business_key"),
        variable_name=arg_str("var_name"),
        variable_value=arg_str("var_value"),
        started_after=arg_time("started_after"),
        started_before=arg_time("started_before"),
        sort=arg_str("sort") or "started_at",
        order=arg_str("order") or "desc",
        page=arg_int("page", 1),
        per_page=arg_int("per_page", 50),
    )


@bp.get("/instances")
def list_instances() -> Response:
    return jsonify(instance_page_from_args())


def instance_detail(instance_id: str) -> dict[str, Any]:
    """Everything the instance page shows, with element names from the model."""
    s = services()
    view = s.engine.view(instance_id).as_dict()
    outline = s.queries.outline(view["instance"]["definition_id"])
    record = s.queries.definition_record(view["instance"]["definition_id"])
    view["definition"] = asdict(record)
    view["names"] = outline.names
    for activity in view["activities"]:
        activity["name"] = outline.names.get(activity["element_id"], activity["element_id"])
    view["user_tasks"] = s.tasklist.open_tasks(instance_id=instance_id)
    return view


@bp.get("/instances/<instance_id>")
def get_instance(instance_id: str) -> Response:
    return jsonify(instance_detail(instance_id))


@bp.get("/instances/<instance_id>/head")
def get_instance_head(instance_id: str) -> Response:
    return jsonify(services().queries.instance_head(instance_id))


@bp.get("/instances/<instance_id>/history")
def get_history(instance_id: str) -> Response:
    return jsonify({"items": services().engine.view(instance_id).history})


@bp.get("/instances/<instance_id>/variables")
def get_variables(instance_id: str) -> Response:
    services().engine.instance(instance_id)
    return jsonify({"variables": services().engine.variables(instance_id)})


@bp.route("/instances/<instance_id>/variables", methods=["PATCH", "PUT"])
@requires("operator")
def set_variables(instance_id: str) -> Response:
    body = json_body()
    variables = body.get("variables")
    if not isinstance(variables, dict) or not variables:
        raise InvalidInputError('send {"variables": {"name": value, ...}} with at least one variable')
    services().engine.set_variables(instance_id, checked_for_instance(instance_id, variables))
    return jsonify({"variables": services().engine.variables(instance_id)})


@bp.get("/instances/<instance_id>/jobs")
def get_jobs(instance_id: str) -> Response:
    services().engine.instance(instance_id)
    return jsonify({"items": [asdict(j) for j in services().engine.store_jobs(instance_id=instance_id)]})


@bp.get("/instances/<instance_id>/incidents")
def get_instance_incidents(instance_id: str) -> Response:
    return jsonify({"items": services().engine.view(instance_id).incidents})


@bp.post("/instances/<instance_id>/retry")
@requires("operator")
def retry(instance_id: str) -> Response:
    body = json_body(required=False)
    retries = body.get("retries", 1)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 1 <= retries <= MAX_COUNT:
        raise InvalidInputError(
            f"'retries' must be a whole number of attempts (1 to {MAX_COUNT}) to grant each failed job"
        )
    count = services().engine.retry(instance_id, retries=retries)
    return jsonify({"retried_incidents": count, "instance": services().queries.instance_head(instance_id)})


@bp.post("/instances/<instance_id>/cancel")
@requires("operator")
def cancel(instance_id: str) -> Response:
    body = json_body(required=False)
    services().engine.cancel(instance_id, reason=optional_str(body, "reason"))
    return jsonify({"instance": services().queries.instance_head(instance_id)})


@bp.post("/instances/batch")
@requires("operator")
def batch() -> Response:
    body = json_body()
    action, ids = check_batch(body.get("action"), body.get("instance_ids"))
    return jsonify(asdict(run_batch(services().engine, action, ids, reason=optional_str(body, "reason"))))


@bp.get("/incidents")
def list_incidents() -> Response:
    limit = arg_int("limit", 100)
    if not 1 <= limit <= 1000:
        raise InvalidInputError("'limit' must be between 1 and 1000")
    return jsonify({"items": services().queries.recent_incidents(limit)})


@bp.get("/changes")
def changes() -> Response:
    """Poll this with the last answer's ``token`` as ``since``; compare instance versions you hold."""
    return jsonify(services().queries.changes(arg_float("since")))
