"""Searches (process instances, incidents) and incident resolution.

Filters take a plain value or ``{"$eq": v}`` / ``{"$in": [...]}`` as Camunda 8
does; other operators are refused with 400 rather than silently ignored.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.store.rest_queries import IncidentQuery, InstanceQuery
from steadyflow.errors import NotFoundError
from webui.auth import requires
from webui.camunda8 import bp, dto
from webui.camunda8.context import c8
from webui.camunda8.instances import instance_json
from webui.camunda8.problems import bad_request
from webui.camunda8.request_input import json_body, obj, page

STATE_FILTER = {"ACTIVE": ("running", "incident"), "COMPLETED": ("completed",), "TERMINATED": ("cancelled", "failed")}


def filter_values(filters: dict[str, Any], name: str, kind: type) -> tuple[Any, ...] | None:
    """The values a filter field allows (None: no filter)."""
    raw = filters.get(name)
    if raw is None:
        return None
    if isinstance(raw, dict):
        unknown = set(raw) - {"$eq", "$in"}
        if unknown:
            raise bad_request(f"filter.{name}: operator {sorted(unknown)[0]} is not supported; use $eq or $in")
        found: list[Any] = []
        if "$eq" in raw:
            found.append(raw["$eq"])
        if "$in" in raw:
            if not isinstance(raw["$in"], list):
                raise bad_request(f"filter.{name}.$in must be a list")
            found.extend(raw["$in"])
    else:
        found = [raw]
    for value in found:
        if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
            raise bad_request(f"filter.{name} must be a {kind.__name__}, not {type(value).__name__}")
    return tuple(found)


def _rows_of(kind: str, keys: tuple[Any, ...] | None, what: str) -> tuple[str, ...] | None:
    """Row ids of the keys a filter names; unknown keys match nothing."""
    if keys is None:
        return None
    ids = []
    for key in keys:
        try:
            ids.append(c8().keys.row(str(key), kind, what))
        except NotFoundError:  # an unknown key simply matches nothing
            continue
    return tuple(ids)


@bp.post("/process-instances/search")
@requires("viewer")
def search_instances() -> Response:
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    context = c8()
    ids = _rows_of("instance", filter_values(filters, "processInstanceKey", str), "Process instance")
    definition_ids = _rows_of("definition", filter_values(filters, "processDefinitionKey", str), "Process definition")
    process_ids = filter_values(filters, "processDefinitionId", str)
    versions = filter_values(filters, "processDefinitionVersion", int)
    states: tuple[str, ...] | None = None
    wanted_states = filter_values(filters, "state", str)
    if wanted_states is not None:
        unknown = [s for s in wanted_states if s not in STATE_FILTER]
        if unknown:
            raise bad_request(f"filter.state must be one of {', '.join(STATE_FILTER)}, not {unknown[0]}")
        states = tuple(s for w in wanted_states for s in STATE_FILTER[w])
    incident = filter_values(filters, "hasIncident", bool)
    business = filter_values(filters, "businessId", str)
    query = InstanceQuery(
        ids=ids,
        definition_keys=process_ids,
        definition_ids=definition_ids,
        states=states,
        with_incident=incident == (True,),
        business_key=business[0] if business else None,
    )
    rows = context.queries.instances(query, limit=None, offset=0)
    if versions is not None:
        rows = [r for r in rows if r["definition_version"] in versions]
    if incident == (False,):
        rows = [r for r in rows if not r["open_incidents"]]
    total = len(rows)
    return jsonify(dto.page(instance_json(context, rows[start : start + limit]), total))


@bp.post("/incidents/search")
@requires("viewer")
def search_incidents() -> Response:
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    context = c8()
    instance_ids = _rows_of("instance", filter_values(filters, "processInstanceKey", str), "Process instance")
    incident_ids = _rows_of("incident", filter_values(filters, "incidentKey", str), "Incident")
    process_ids = filter_values(filters, "processDefinitionId", str)
    element_ids = filter_values(filters, "elementId", str)
    error_types = filter_values(filters, "errorType", str)
    states = filter_values(filters, "state", str)
    found = context.queries.incidents(IncidentQuery())
    found = [
        (record, definition_id)
        for record, definition_id in found
        if (instance_ids is None or record.instance_id in instance_ids)
        and (incident_ids is None or record.id in incident_ids)
        and (element_ids is None or record.element_id in element_ids)
        and (process_ids is None or context.definition(definition_id).key in process_ids)
        and (error_types is None or dto.INCIDENT_TYPES.get(record.type, "UNKNOWN") in error_types)
        and (states is None or "ACTIVE" in states)
    ]
    chosen = found[start : start + limit]
    records = [r for r, _ in chosen]
    keys = context.keys
    table = {
        "incident": keys.keys("incident", [r.id for r in records]),
        "job": keys.keys("job", [r.job_id for r in records if r.job_id]),
        "element": keys.keys("element", [r.task_id for r in records if r.task_id]),
        "definition": keys.keys("definition", [d for _, d in chosen]),
    }
    instances = keys.keys("instance", [r.instance_id for r in records])
    items = [dto.incident(r, context.definition(d), table, instances[r.instance_id]) for r, d in chosen]
    return jsonify(dto.page(items, len(found)))


@bp.post("/incidents/<incident_key>/resolution")
@requires("operator")
def resolve_incident(incident_key: str) -> tuple[str, int]:
    """Resolve the incident and run the failed work again; an incident already resolved stays resolved."""
    json_body(required=False)
    context = c8()
    incident_id = context.keys.row(incident_key, "incident", "Incident")
    found = context.queries.incidents(IncidentQuery(incident_id=incident_id))
    if found:
        record = found[0][0]
        context.engine.retry(record.instance_id, retries=1)
        context.long_polls.notify()
    return "", 204
