"""User tasks for Camunda 8 clients: search, get, assign, unassign, complete (through the tasklist), their variables.

They are the tasklist's open user tasks, with the same rules as the UI: an
operator assigns and completes, a task someone else holds is taken over only
by an admin (and only with ``allowOverride``), and completion variables are
checked against the task's form (types, required, min/max, enum values) before
anything changes. Only open tasks are known (state ``CREATED``): a search for
``COMPLETED`` or ``CANCELED`` tasks finds none.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from steadyflow.errors import ConflictError
from webui.auth import can, current_user, requires
from webui.camunda8 import bp, dto
from webui.camunda8.context import TENANT, C8Context, c8
from webui.camunda8.problems import bad_request
from webui.camunda8.request_input import flag, json_body, obj, page, text, variables
from webui.camunda8.runtime_search import variable_page
from webui.camunda8.searches import filter_values
from webui.services import services

STATES = ("CREATED", "COMPLETED", "CANCELED", "FAILED", "ASSIGNING", "UPDATING", "COMPLETING", "CANCELING", "CREATING")


def _task_json(context: C8Context, row: dict[str, Any], keys: dict[str, dict[str, int]]) -> dict[str, Any]:
    # A task of a called child (it runs inside its caller's instance) is of the child's process.
    definition = context.definition(row["element_definition_id"])
    instance_key = str(keys["instance"][row["instance_id"]])
    return {
        "name": row["name"],
        "state": "CREATED",
        "assignee": row["assignee"],
        "elementId": row["element_id"],
        "candidateGroups": [],
        "candidateUsers": [],
        "processDefinitionId": definition.key,
        "creationDate": dto.timestamp(row["created_at"]),
        "completionDate": None,
        "followUpDate": None,
        "dueDate": None,
        "tenantId": TENANT,
        "externalFormReference": None,
        "processDefinitionVersion": definition.version,
        "customHeaders": {},
        "priority": 50,
        "userTaskKey": str(keys["user_task"][row["task_id"]]),
        "elementInstanceKey": str(keys["element"][row["task_id"]]),
        "processName": definition.name,
        "processDefinitionKey": str(keys["definition"][row["element_definition_id"]]),
        "processInstanceKey": instance_key,
        "rootProcessInstanceKey": instance_key,
        "businessId": row["business_key"],
        "formKey": None,
        "tags": [],
    }


def _keyed(context: C8Context, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = context.keys.many(
        {
            "user_task": [r["task_id"] for r in rows],
            "element": [r["task_id"] for r in rows],
            "instance": [r["instance_id"] for r in rows],
            "definition": [r["element_definition_id"] for r in rows],
        }
    )
    return [_task_json(context, r, keys) for r in rows]


def _matches(row: dict[str, Any], wanted: tuple[Any, ...] | None, value: Any) -> bool:
    return wanted is None or value in wanted


@bp.post("/user-tasks/search")
@requires("viewer")
def search_user_tasks() -> Response:
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    states = filter_values(filters, "state", str)
    for state in states or ():
        if state not in STATES:
            raise bad_request(f"filter.state must be one of {', '.join(STATES)}, not {state}")
    assignees = filter_values(filters, "assignee", str)
    element_ids = filter_values(filters, "elementId", str)
    process_ids = filter_values(filters, "processDefinitionId", str)
    wanted_keys = {
        name: filter_values(filters, name, str)
        for name in ("userTaskKey", "processInstanceKey", "processDefinitionKey", "elementInstanceKey")
    }
    context = c8()
    rows = services().tasklist.open_tasks() if states is None or "CREATED" in states else []
    rows = [
        r
        for r in rows
        if _matches(r, assignees, r["assignee"])
        and _matches(r, element_ids, r["element_id"])
        and _matches(r, process_ids, context.definition(r["element_definition_id"]).key)
    ]
    items = _keyed(context, rows)
    for name, keys in wanted_keys.items():
        if keys is not None:
            items = [item for item in items if item[name] in keys]
    return jsonify(dto.page(items[start : start + limit], len(items)))


def _task_id(user_task_key: str) -> str:
    return c8().keys.row(user_task_key, "user_task", "User task")


@bp.get("/user-tasks/<user_task_key>")
@requires("viewer")
def get_user_task(user_task_key: str) -> Response:
    context = c8()
    task = services().tasklist.task(_task_id(user_task_key))
    return jsonify(_keyed(context, [task])[0])


@bp.post("/user-tasks/<user_task_key>/assignment")
@requires("operator")
def assign_user_task(user_task_key: str) -> tuple[str, int]:
    body = json_body()
    assignee = text(body, "assignee", required=True)
    assert assignee is not None
    allow_override = body.get("allowOverride") is None or flag(body, "allowOverride")
    text(body, "action")
    task_id = _task_id(user_task_key)
    tasklist = services().tasklist
    holder = tasklist.task(task_id)["assignee"]
    if holder not in (None, assignee) and not allow_override:
        raise ConflictError(f"user task {user_task_key} is assigned to {holder!r} and allowOverride is false")
    tasklist.claim(task_id, assignee, take_over=can("admin") or holder in (None, current_user().username))
    return "", 204


@bp.delete("/user-tasks/<user_task_key>/assignee")
@requires("operator")
def unassign_user_task(user_task_key: str) -> tuple[str, int]:
    services().tasklist.unclaim(_task_id(user_task_key), current_user().username, any_user=can("admin"))
    return "", 204


@bp.post("/user-tasks/<user_task_key>/completion")
@requires("operator")
def complete_user_task(user_task_key: str) -> tuple[str, int]:
    body = json_body(required=False)
    values = variables(body)
    text(body, "action")
    task_id = _task_id(user_task_key)
    # The form's fields are checked (a bad value changes nothing); every other variable sent is set too,
    # as Camunda 8 sets whatever a completion sends.
    services().tasklist.complete(task_id, current_user().username, values, any_user=can("admin"), form="validate")
    return "", 204


@bp.post("/user-tasks/<user_task_key>/variables/search")
@requires("viewer")
def search_user_task_variables(user_task_key: str) -> Response:
    """The variables the task's element instance sees: the process's, then each local scope's, outermost first.

    As in Camunda 8.8 a name shadowed by an input mapping is listed once per scope, each with its ``scopeKey``.
    """
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    wanted = filter_values(filters, "name", str)
    context = c8()
    task = services().tasklist.task(_task_id(user_task_key))
    instance_id = task["instance_id"]
    seen = context.engine.task_variables(instance_id, task["task_id"])
    keys = context.keys.many({"instance": [instance_id], "element": [s.task_id for s in seen.scopes]})
    instance_key = str(keys["instance"][instance_id])
    found: list[tuple[str, str, str, Any]] = []
    for scope_id, scope_key, values in [
        (instance_id, instance_key, seen.process),
        *((s.task_id, str(keys["element"][s.task_id]), s.variables) for s in seen.scopes),
    ]:
        found.extend((scope_id, scope_key, n, values[n]) for n in sorted(values) if wanted is None or n in wanted)
    return jsonify(variable_page(context, instance_key, found, start, limit))
