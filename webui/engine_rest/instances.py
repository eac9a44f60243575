"""Process instances with Camunda 7's runtime semantics, their history, and the activity instance tree."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.rest_queries import IncidentQuery, InstanceQuery
from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import not_found
from webui.engine_rest.instance_filters import HISTORY_SORT, RUNTIME_SORT, Query, history_query, runtime_query
from webui.engine_rest.request_input import json_body, paging, sorting

ACTIVITY_TYPES = {
    "user": "userTask",
    "job": "serviceTask",
    "multi": "multiInstanceBody",
    "subprocess": "subProcess",
    "event": "intermediateCatchEvent",
    "activity": "task",
}


def _list(query_of: Query, sort_names: dict[str, str], body: dict[str, Any] | None) -> list[dict[str, Any]]:
    query = query_of(body)
    first, max_results = paging(body)
    sort_by, descending = sorting(set(sort_names), body)
    if query is None:
        return []
    sort = sort_names.get(sort_by or "", "startTime")
    return rest().queries.instances(query, sort=sort, descending=descending, limit=max_results, offset=first)


def _count(query_of: Query, body: dict[str, Any] | None) -> Response:
    query = query_of(body)
    return jsonify({"count": rest().queries.instance_count(query) if query is not None else 0})


def running_row(instance_id: str) -> dict[str, Any]:
    """The running instance ``instance_id``; ended instances are history only, as in Camunda 7."""
    rows = rest().queries.instances(InstanceQuery(ids=(instance_id,), states=("running",)), limit=1, offset=0)
    if not rows:
        raise not_found(f"Process instance with id {instance_id} does not exist")
    return rows[0]


@bp.get("/process-instance")
def list_instances() -> Response:
    return jsonify([dto.instance(r) for r in _list(runtime_query, RUNTIME_SORT, None)])


@bp.post("/process-instance")
def query_instances() -> Response:
    return jsonify([dto.instance(r) for r in _list(runtime_query, RUNTIME_SORT, json_body())])


@bp.get("/process-instance/count")
def count_instances() -> Response:
    return _count(runtime_query, None)


@bp.post("/process-instance/count")
def query_instance_count() -> Response:
    return _count(runtime_query, json_body())


@bp.get("/process-instance/<instance_id>")
def get_instance(instance_id: str) -> Response:
    return jsonify(dto.instance(running_row(instance_id)))


@bp.delete("/process-instance/<instance_id>")
@requires("operator")
def delete_instance(instance_id: str) -> tuple[str, int]:
    running_row(instance_id)
    rest().engine.cancel(instance_id, reason="deleted through the Camunda REST API")
    return "", 204


@bp.get("/history/process-instance")
def list_history() -> Response:
    return jsonify([dto.history_instance(r) for r in _list(history_query, HISTORY_SORT, None)])


@bp.post("/history/process-instance")
def query_history() -> Response:
    return jsonify([dto.history_instance(r) for r in _list(history_query, HISTORY_SORT, json_body())])


@bp.get("/history/process-instance/count")
def count_history() -> Response:
    return _count(history_query, None)


@bp.get("/history/process-instance/<instance_id>")
def get_history(instance_id: str) -> Response:
    rows = rest().queries.instances(InstanceQuery(ids=(instance_id,)), limit=1, offset=0)
    if not rows:
        raise not_found(f"Historic process instance with id {instance_id} does not exist")
    return jsonify(dto.history_instance(rows[0]))


@bp.get("/process-instance/<instance_id>/activity-instances")
def activity_instances(instance_id: str) -> Response:
    """The tree of activities the instance is in now: the process at the root, subprocesses as scopes.

    A call activity holds the activities of the child it runs (Camunda 7 would show them in a
    process instance of their own): named from the child's model, with the child's
    ``processDefinitionId``.
    """
    row = running_row(instance_id)
    context = rest()
    incidents: dict[str, list[str]] = {}
    for incident, _ in context.queries.incidents(IncidentQuery(instance_id=instance_id)):
        incidents.setdefault(incident.task_id or "", []).append(incident.id)
    root = _node(instance_id, row["definition_id"], "processDefinition", row.get("definition_name"), row, [])
    nodes: dict[str, dict[str, Any]] = {instance_id: root}
    found, scopes = context.queries.active_activities(instance_id)
    activities = _without_boundary_events(found)
    by_id = {a["id"]: a for a in activities}
    for activity in activities:
        body = activity["kind"] == "multi"
        definition_id = scopes.definition_of(activity["workflow_id"])
        called = activity["id"] in scopes.calls
        node = _node(
            activity["id"],
            activity["element_id"] + ("#multiInstanceBody" if body else ""),  # Camunda 7's id for the body
            "callActivity" if called else ACTIVITY_TYPES[activity["kind"]],
            context.outlines.outline(definition_id).names.get(activity["element_id"]),
            row,
            incidents.get(activity["id"], []),
        )
        nodes[activity["id"]] = node | {"processDefinitionId": definition_id}
    for activity in activities:
        # An inner instance of a multi-instance activity nests under its body, as in Camunda 7.
        body = by_id.get(activity["parent_id"] or "")
        inner = body is not None and body["kind"] == "multi" and body["element_id"] == activity["element_id"]
        inner = inner and body is not None and body["spec_name"] != activity["spec_name"]
        parent = nodes[body["id"]] if inner and body is not None else nodes.get(activity["workflow_id"], root)
        node = nodes[activity["id"]]
        node["parentActivityInstanceId"] = parent["id"]
        parent["childActivityInstances"].append(node)
    return jsonify(root)


def _without_boundary_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Activities as Camunda shows them: a waiting boundary event is part of its activity, not one of its own.

    A boundary event waits beside the activity it is attached to (same parent task); events that wait
    beside other events only (after an event-based gateway) are shown.
    """
    kinds_by_parent: dict[str | None, set[str]] = {}
    for row in rows:
        kinds_by_parent.setdefault(row["parent_id"], set()).add(row["kind"])
    return [
        row
        for row in rows
        if row["kind"] in ACTIVITY_TYPES
        and not (row["kind"] == "event" and kinds_by_parent[row["parent_id"]] - {"event"})
    ]


def _node(
    node_id: str,
    activity_id: str,
    activity_type: str,
    name: str | None,
    row: dict[str, Any],
    incident_ids: list[str],
) -> dict[str, Any]:
    return {
        "id": node_id,
        "parentActivityInstanceId": None,
        "activityId": activity_id,
        "activityType": activity_type,
        "processInstanceId": row["id"],
        "processDefinitionId": row["definition_id"],
        "childActivityInstances": [],
        "childTransitionInstances": [],
        "executionIds": [node_id],
        "activityName": name,
        "name": name,
        "incidentIds": incident_ids,
        "incidents": [{"id": i, "activityId": activity_id} for i in incident_ids],
    }
