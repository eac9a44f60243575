"""Instances: filtered pages, detail, history, variables, jobs, incidents, retry, cancel, change feed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from engine.activity_tree import labels as labels_of
from engine.batch import check_batch, run_batch
from engine.limits import MAX_COUNT
from steadyflow.errors import InvalidInputError
from webui.api import bp
from webui.api.common import arg_float, arg_int, arg_str, arg_time, json_body, optional_str
from webui.api.monitor import history_from_args, monitor
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


PER_SCOPE_SHOWN = 100
"""The detail lists this many activity instances per scope (a body's inner instances), then a count."""


def instance_detail(instance_id: str, *, per_scope: int | None = PER_SCOPE_SHOWN) -> dict[str, Any]:
    """Everything the instance page shows, from indexed rows (the workflow is not restored).

    ``activities`` lists the activity instances of the tree, flat (inner instances labelled with
    their item; ``per_scope`` caps each scope's list), ``variables`` the process scope, ``scopes``
    the live scopes with their own variables, and ``history`` the newest page of readable history
    (filtered by the query's activity / task). ``/tree`` and ``/scopes`` have everything.
    """
    s = services()
    watch = monitor()
    instance = s.engine.instance(instance_id)
    structure = watch.structure(instance_id, all_scopes=False, labelled_per_scope=per_scope)
    outline = s.queries.outline(instance.definition_id)
    scopes = structure["scopes"]
    history = history_from_args(instance_id)  # labels its own rows: the tree may be cut
    return {
        "instance": asdict(instance) | {"frame": None},
        "definition": asdict(s.queries.definition_record(instance.definition_id)),
        "names": outline.names,
        "labels": labels_of(structure["tree"]),
        "activities": activity_rows(structure["tree"], per_scope=per_scope),
        "element_counts": structure["element_counts"],
        "taken_flows": structure["taken_flows"],
        "variables": scopes[0]["variables"],
        "scopes": scopes,
        "jobs": watch.jobs(instance_id),
        "incidents": watch.incidents(instance_id),
        "history": history["items"],
        "history_page": {k: v for k, v in history.items() if k != "items"},
        "user_tasks": s.tasklist.open_tasks(instance_id=instance_id),
    }


LIVE_STATES = ("waiting", "ready", "active", "failed")


def activity_rows(tree: dict[str, Any], *, per_scope: int | None = None) -> list[dict[str, Any]]:
    """The tree's activity instances, flat, each with its depth and its scope's id.

    ``per_scope`` keeps a page readable: at most that many children per scope (live ones first),
    then one row of kind ``more`` saying how many were left out (``/tree`` has them all).
    """
    rows: list[dict[str, Any]] = []

    def visit(node: dict[str, Any], depth: int, scope: str) -> None:
        children = node["children"]
        hidden = 0
        if per_scope is not None and len(children) > per_scope:
            # The live ones first (they are what an operator watches), then the earliest others.
            live = [c for c in children if c["state"] in LIVE_STATES][:per_scope]
            rest = [c for c in children if c["state"] not in LIVE_STATES][: per_scope - len(live)]
            chosen = {id(c) for c in live + rest}
            hidden = len(children) - len(chosen)
            children = [c for c in children if id(c) in chosen]
        for child in children:
            flat = {k: v for k, v in child.items() if k != "children"}
            rows.append(
                flat | {"task_id": child["id"], "depth": depth, "scope_id": scope, "size": len(child["children"])}
            )
            visit(child, depth + 1, child["id"])
        if hidden:
            rows.append(
                {"kind": "more", "depth": depth, "hidden": hidden, "name": children[-1]["name"], "scope_id": scope}
            )

    visit(tree, 0, tree["id"])
    return rows


@bp.get("/instances/<instance_id>")
def get_instance(instance_id: str) -> Response:
    return jsonify(instance_detail(instance_id))


@bp.get("/instances/<instance_id>/head")
def get_instance_head(instance_id: str) -> Response:
    return jsonify(services().queries.instance_head(instance_id))


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
