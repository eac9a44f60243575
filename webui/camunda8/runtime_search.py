"""What Operate shows of one instance, searchable: variables and element instances.

Both need a ``processInstanceKey`` filter (one instance at a time, as
Modeler's task testing asks). A variable's scope is its process instance, or the
element instance whose input mapping or multi-instance loop made it local.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, jsonify

from bpmn.xml_loader import load_bpmn_xml
from webui.auth import requires
from webui.camunda8 import bp, dto
from webui.camunda8.context import TENANT, C8Context, c8
from webui.camunda8.problems import bad_request
from webui.camunda8.request_input import json_body, obj, page
from webui.camunda8.searches import filter_values

ELEMENT_TYPES = {
    "START_EVENT", "END_EVENT", "BOUNDARY_EVENT", "INTERMEDIATE_CATCH_EVENT", "INTERMEDIATE_THROW_EVENT",
    "SERVICE_TASK", "USER_TASK", "SCRIPT_TASK", "BUSINESS_RULE_TASK", "SEND_TASK", "RECEIVE_TASK", "MANUAL_TASK",
    "TASK", "SUB_PROCESS", "CALL_ACTIVITY", "EXCLUSIVE_GATEWAY", "PARALLEL_GATEWAY", "INCLUSIVE_GATEWAY",
    "EVENT_BASED_GATEWAY",
}  # fmt: skip
ELEMENT_STATES = {"READY": "ACTIVE", "WAITING": "ACTIVE", "STARTED": "ACTIVE", "ERROR": "ACTIVE"}
ENDED_STATES = {"COMPLETED": "COMPLETED", "CANCELLED": "TERMINATED"}


def instance_id_of(context: C8Context, filters: dict[str, Any]) -> str:
    keys = filter_values(filters, "processInstanceKey", str)
    if not keys or len(keys) != 1:
        raise bad_request("filter.processInstanceKey is required: search one process instance at a time")
    return context.keys.row(keys[0], "instance", "Process instance")


def _elements(context: C8Context, definition_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """Element id -> Camunda 8 element type (serviceTask -> SERVICE_TASK) and -> name, from the deployed XML."""
    xml, filename = context.queries.definition_xml(context.definition(definition_id))
    types: dict[str, str] = {}
    names: dict[str, str] = {}
    for element in load_bpmn_xml(xml.encode("utf-8"), filename).iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        element_id = element.get("id")
        if element_id and "}" in tag:
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", tag.rsplit("}", 1)[1]).upper()
            types[element_id] = name if name in ELEMENT_TYPES else "UNKNOWN"
        if element_id and element.get("name"):
            names[element_id] = str(element.get("name"))
    return types, names


@bp.post("/variables/search")
@requires("viewer")
def search_variables() -> Response:
    """The process scope's variables, then each live element instance's local ones (its ``scopeKey``)."""
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    context = c8()
    instance_id = instance_id_of(context, filters)
    wanted = filter_values(filters, "name", str)
    wanted_scopes = filter_values(filters, "scopeKey", str)
    scopes = context.engine.variable_scopes(instance_id)
    instance_key = str(context.keys.key("instance", instance_id))
    element_keys = context.keys.keys("element", [s.task_id for s in scopes.local])
    found: list[tuple[str, str, str, Any]] = []  # scope id, scope key, name, value
    for scope_id, scope_key, variables in [
        (instance_id, instance_key, scopes.process),
        *((s.task_id, str(element_keys[s.task_id]), s.variables) for s in scopes.local),
    ]:
        if wanted_scopes is not None and scope_key not in wanted_scopes:
            continue
        found.extend((scope_id, scope_key, n, variables[n]) for n in sorted(variables) if wanted is None or n in wanted)
    return jsonify(variable_page(context, instance_key, found, start, limit))


def variable_page(
    context: C8Context, instance_key: str, found: list[tuple[str, str, str, Any]], start: int, limit: int
) -> dict[str, Any]:
    """One page of variables, each (scope id, scope key, name, value), with stable variable keys."""
    chosen = found[start : start + limit]
    keys = context.keys.keys("variable", [f"{scope_id}/{name}" for scope_id, _, name, _ in chosen])
    items = [
        {
            "value": json.dumps(value),
            "isTruncated": False,
            "name": name,
            "tenantId": TENANT,
            "variableKey": str(keys[f"{scope_id}/{name}"]),
            "scopeKey": scope_key,
            "processInstanceKey": instance_key,
            "rootProcessInstanceKey": instance_key,
        }
        for scope_id, scope_key, name, value in chosen
    ]
    return dto.page(items, len(found))


@bp.post("/element-instances/search")
@requires("viewer")
def search_element_instances() -> Response:
    """One instance's element instances; those of a called child carry the child's process definition.

    Operate would show a called child as a process instance of its own; here it runs inside its
    caller, so its elements are in the caller's instance, named and typed from the child's model.
    """
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    context = c8()
    instance_id = instance_id_of(context, filters)
    element_ids = filter_values(filters, "elementId", str)
    states = filter_values(filters, "state", str)
    types = filter_values(filters, "type", str)
    definition_keys = filter_values(filters, "processDefinitionKey", str)
    process_ids = filter_values(filters, "processDefinitionId", str)
    view = context.engine.view(instance_id)
    own = str(view.instance["definition_id"])
    used = list(dict.fromkeys([own, *(a.definition_id or own for a in view.activities)]))
    elements = {d: _elements(context, d) for d in used}
    kinds = {d: types for d, (types, _) in elements.items()}
    names = {d: found for d, (_, found) in elements.items()}
    process_of = {d: context.definition(d).key for d in used}
    keys = context.keys
    definition_key_of = {d: str(k) for d, k in keys.keys("definition", used).items()}
    incidents = {str(i["task_id"]): str(i["id"]) for i in view.incidents if i["state"] == "open" and i["task_id"]}
    rows = []
    for activity in view.activities:
        definition_id = activity.definition_id or own
        state = ELEMENT_STATES.get(activity.state) or ENDED_STATES.get(activity.state)
        kind = kinds[definition_id].get(activity.element_id, "UNKNOWN")
        if state is None or (element_ids is not None and activity.element_id not in element_ids):
            continue
        if (states is not None and state not in states) or (types is not None and kind not in types):
            continue
        if definition_keys is not None and definition_key_of[definition_id] not in definition_keys:
            continue
        if process_ids is not None and process_of[definition_id] not in process_ids:
            continue
        rows.append((activity, definition_id, state, kind))
    chosen = rows[start : start + limit]
    element_keys = keys.keys("element", [a.task_id for a, _, _, _ in chosen])
    incident_keys = keys.keys("incident", [incidents[a.task_id] for a, _, _, _ in chosen if a.task_id in incidents])
    instance_key = str(keys.key("instance", instance_id))
    items = []
    for activity, definition_id, state, kind in chosen:
        incident = incidents.get(activity.task_id)
        items.append(
            {
                "processDefinitionId": process_of[definition_id],
                "startDate": dto.timestamp(activity.started_at),
                "endDate": dto.timestamp(activity.ended_at),
                "elementId": activity.element_id,
                "elementName": names[definition_id].get(activity.element_id) or activity.element_id,
                "type": kind,
                "state": state,
                "hasIncident": incident is not None,
                "tenantId": TENANT,
                "elementInstanceKey": str(element_keys[activity.task_id]),
                "processInstanceKey": instance_key,
                "rootProcessInstanceKey": instance_key,
                "processDefinitionKey": definition_key_of[definition_id],
                "incidentKey": str(incident_keys[incident]) if incident else None,
            }
        )
    return jsonify(dto.page(items, len(rows)))
