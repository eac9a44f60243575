"""Open incidents, filtered as Camunda's ``GET /incident`` filters them."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.rest_queries import IncidentQuery
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import not_found
from webui.engine_rest.request_input import arg_str, page, paging


def _incidents() -> list[dict[str, Any]]:
    wanted_type = arg_str("incidentType")
    query = IncidentQuery(
        incident_id=arg_str("incidentId"),
        instance_id=arg_str("processInstanceId"),
        types=dto.incident_kinds(wanted_type) if wanted_type else None,
        element_id=arg_str("activityId") or arg_str("failedActivityId"),
        job_id=arg_str("configuration") or arg_str("jobId"),
        definition_id=arg_str("processDefinitionId"),
    )
    return [dto.incident(record, definition_id) for record, definition_id in rest().queries.incidents(query)]


@bp.get("/incident")
def list_incidents() -> Response:
    first, max_results = paging()
    return jsonify(page(_incidents(), first, max_results))


@bp.get("/incident/count")
def count_incidents() -> Response:
    return jsonify({"count": len(_incidents())})


@bp.get("/incident/<incident_id>")
def get_incident(incident_id: str) -> Response:
    found = rest().queries.incidents(IncidentQuery(incident_id=incident_id))
    if not found:
        raise not_found(f"Incident with id {incident_id} does not exist")
    return jsonify(dto.incident(*found[0]))
