"""The OpenAPI 3.1 document of ``/api/v1``, built from one table of operations.

``tests/integration/test_api_openapi.py`` checks that every route of the
blueprint is described here and nothing else is.
"""

from __future__ import annotations

from typing import Any

from engine.limits import MAX_COUNT, MAX_EPOCH_S, MIN_EPOCH_S
from engine.queries import INSTANCE_STATES, MAX_PAGE_SIZE
from engine.store.queries import SORTABLE
from webui.api.decisions import OPERATIONS as DECISIONS
from webui.api.operations_openapi import OPERATIONS as OPERATOR_TOOLS

ROLE_NOTE = {"viewer": "any logged-in user", "operator": "operator or admin", "admin": "admin only"}

_ID = {"type": "string"}
_OBJECT = {"type": "object", "additionalProperties": True}
_VARIABLES = {
    "type": "object",
    "additionalProperties": True,
    "description": "name -> JSON value; numbers finite and within signed 64 bits, nesting at most 64 levels, "
    "each value at most 1 MiB and all at most 16 MiB as JSON (STEADYFLOW_MAX_VARIABLE_BYTES, "
    "STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES)",
}
_VERSION = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_COUNT}, {"const": "all"}, {"const": ""}]}
_WHEN = {"type": "string", "description": "ISO date/date-time (years 1900-9998) or epoch seconds"}
QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "state": {"type": "string", "enum": ["", *INSTANCE_STATES]},
    "sort": {"type": "string", "enum": ["", *SORTABLE]},
    "order": {"type": "string", "enum": ["", "asc", "desc"]},
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
    "before": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
    "version": _VERSION,
    "since": {"type": "number", "minimum": MIN_EPOCH_S, "maximum": MAX_EPOCH_S},
    "started_after": _WHEN,
    "started_before": _WHEN,
}
"""Query parameters typed as the server checks them; any other is a string."""
_ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "what failed and what to do"},
                "status": {"type": "integer"},
                "problems": {"type": "array", "items": _OBJECT, "description": "model problems (deploy)"},
                "fields": {"type": "object", "description": "form field -> problem (user task forms)"},
            },
            "required": ["code", "message", "status"],
        }
    },
}
_INSTANCE_FILTERS = [
    ("state", "running | incident | completed | cancelled | failed"),
    ("key", "process id (definition key)"),
    ("definition_id", "one version of a process"),
    ("business_key", "business key prefix"),
    ("var_name", "variable name (with var_value)"),
    ("var_value", 'variable value as JSON (42, true, "text") or plain text'),
    ("started_after", "ISO date/date-time or epoch seconds"),
    ("started_before", "ISO date/date-time or epoch seconds"),
    ("sort", "started_at | ended_at | updated_at | business_key | state | definition_key"),
    ("order", "asc | desc"),
    ("page", "1-based page number"),
    ("per_page", "1..200, default 50"),
]

# (method, path, summary, role, query params, request body schema or None, success status)
OPERATIONS: list[tuple[str, str, str, str, list[tuple[str, str]], dict[str, Any] | None, int]] = [
    ("get", "/me", "The logged-in user and role", "viewer", [], None, 200),
    ("get", "/openapi.json", "This document", "viewer", [], None, 200),
    ("get", "/definitions", "Processes with versions and instance counts", "viewer", [], None, 200),
    ("get", "/definitions/{key}", "One process: versions and counts", "viewer", [], None, 200),
    (
        "get",
        "/definitions/{key}/xml",
        "BPMN XML of a version (default latest)",
        "viewer",
        [("version", "number")],
        None,
        200,
    ),
    (
        "get",
        "/definitions/{key}/element-counts",
        "Active / completed / incident counts per element",
        "viewer",
        [("version", "number or 'all' (default)")],
        None,
        200,
    ),
    (
        "get",
        "/definitions/{key}/forms",
        "Element names, user task form fields, and the start form's fields",
        "viewer",
        [("version", "number")],
        None,
        200,
    ),
    (
        "post",
        "/definitions/{key}/start",
        "Start an instance",
        "operator",
        [],
        {
            "type": "object",
            "properties": {
                "business_key": {"type": "string"},
                "variables": _VARIABLES,
                "form": _OBJECT,
                "version": {"type": "integer", "maximum": MAX_COUNT},
            },
            "not": {"required": ["form", "variables"]},
            "description": "send variables or a start form's values (form), not both",
        },
        201,
    ),
    (
        "post",
        "/conditions/evaluate",
        "Start an instance per process conditional start event whose condition holds over the variables "
        "(every latest version, or one definition); 404 when none has one",
        "operator",
        [],
        {
            "type": "object",
            "properties": {
                "variables": _VARIABLES,
                "business_key": {"type": "string"},
                "definition_id": {"type": "string", "description": "judge only this definition's events"},
            },
        },
        200,
    ),
    (
        "post",
        "/deployments",
        "Deploy .bpmn and .dmn files (multipart/form-data)",
        "admin",
        [],
        {"multipart": True},
        201,
    ),
    (
        "post",
        "/dry-run",
        "Run .bpmn files before deploying them (multipart: files, and variables/process_id/stubs fields); "
        "stores nothing",
        "operator",
        [],
        {"multipart": True},
        200,
    ),
    ("get", "/instances", "Filtered, sorted, paged instances", "viewer", _INSTANCE_FILTERS, None, 200),
    (
        "get",
        "/instances/{instance_id}",
        "Instance detail: activities, variables, jobs, incidents, history",
        "viewer",
        [],
        None,
        200,
    ),
    ("get", "/instances/{instance_id}/head", "Version and state only (cheap, for polling)", "viewer", [], None, 200),
    (
        "get",
        "/instances/{instance_id}/history",
        "Readable history, newest first: label, status, payload; page backwards with 'before'",
        "viewer",
        [
            ("activity", "element id: only its events"),
            ("task", "activity instance id (from /tree): its events and those of everything inside it"),
            ("before", "seq: events older than this (the previous answer's 'before')"),
            ("limit", "1..1000, default 100"),
        ],
        None,
        200,
    ),
    (
        "get",
        "/instances/{instance_id}/tree",
        "Activity-instance tree (multi-instance bodies hold inner instances), counts, taken flows",
        "viewer",
        [],
        None,
        200,
    ),
    (
        "get",
        "/instances/{instance_id}/scopes",
        "Variables per scope: process, inner instances, subprocesses",
        "viewer",
        [],
        None,
        200,
    ),
    ("get", "/instances/{instance_id}/variables", "Current variables", "viewer", [], None, 200),
    (
        "patch",
        "/instances/{instance_id}/variables",
        "Set variables of a running instance",
        "operator",
        [],
        {"type": "object", "properties": {"variables": _VARIABLES | {"minProperties": 1}}, "required": ["variables"]},
        200,
    ),
    (
        "put",
        "/instances/{instance_id}/variables",
        "Same as PATCH (sets the given variables)",
        "operator",
        [],
        {"type": "object", "properties": {"variables": _VARIABLES | {"minProperties": 1}}, "required": ["variables"]},
        200,
    ),
    ("get", "/instances/{instance_id}/jobs", "Jobs with retries left, due time, last error", "viewer", [], None, 200),
    ("get", "/instances/{instance_id}/incidents", "Incidents (open and resolved)", "viewer", [], None, 200),
    (
        "post",
        "/instances/{instance_id}/retry",
        "Resolve open incidents and run the failed work again",
        "operator",
        [],
        {"type": "object", "properties": {"retries": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}}},
        200,
    ),
    (
        "post",
        "/instances/{instance_id}/cancel",
        "Cancel a running instance",
        "operator",
        [],
        {"type": "object", "properties": {"reason": {"type": "string"}}},
        200,
    ),
    (
        "post",
        "/instances/batch",
        "Retry or cancel many instances, each on its own; answers which were done and why others were not",
        "operator",
        [],
        {
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["retry", "cancel"]},
                "instance_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 1000},
                "reason": {"type": "string"},
            },
            "required": ["action", "instance_ids"],
        },
        200,
    ),
    ("get", "/incidents", "Open incidents, newest first", "viewer", [("limit", "1..1000")], None, 200),
    ("get", "/changes", "What changed since a token (poll for live pages)", "viewer", [("since", "token")], None, 200),
    (
        "get",
        "/user-tasks",
        "Open user tasks",
        "viewer",
        [("instance_id", "id"), ("assignee", "user ('' = unclaimed)")],
        None,
        200,
    ),
    ("get", "/user-tasks/{task_id}", "One open user task with its form fields", "viewer", [], None, 200),
    ("post", "/user-tasks/{task_id}/claim", "Claim a user task", "operator", [], None, 200),
    ("post", "/user-tasks/{task_id}/unclaim", "Give a claimed user task back", "operator", [], None, 200),
    (
        "post",
        "/user-tasks/{task_id}/complete",
        "Complete a user task; values are checked against its form",
        "operator",
        [],
        {"type": "object", "properties": {"variables": _VARIABLES}},
        200,
    ),
]

OPERATIONS += OPERATOR_TOOLS
OPERATIONS += DECISIONS


def _operation_id(method: str, path: str) -> str:
    words = [w.strip("{}") for w in path.replace(".", "/").replace("-", "_").split("/") if w]
    return "_".join([method, *words])


def _operation(
    method: str, path: str, summary: str, role: str, params: list[tuple[str, str]], body: Any, status: int
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": _ID}
        for name in (part[1:-1] for part in path.split("/") if part.startswith("{"))
    ]
    parameters += [
        {
            "name": n,
            "in": "query",
            "required": False,
            "schema": QUERY_SCHEMAS.get(n, {"type": "string"}),
            "description": d,
        }
        for n, d in params
    ]
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses: dict[str, Any] = {
        str(status): {"description": "success", "content": {"application/json": {"schema": _OBJECT}}},
        "401": {"description": "not logged in (send basic or bearer credentials)", **error},
        "403": {"description": f"role too low: {ROLE_NOTE[role]}", **error},
        "429": {"description": "too many failed logins: wait Retry-After seconds", **error},
    }
    if parameters or body is not None:
        responses["400"] = {"description": "bad input, with a message saying what to change", **error}
    if body is not None and "variables" in body.get("properties", {}):
        responses["413"] = {"description": "variables larger than the configured caps", **error}
    names_objects = isinstance(body, dict) and any(key.endswith(("_id", "_ids")) for key in body.get("properties", {}))
    if "{" in path or names_objects:
        responses["404"] = {"description": "unknown id (in the path or the body)", **error}
    if method != "get":
        responses["409"] = {"description": "the object's state does not allow this", **error}
        responses["415"] = {"description": "wrong content type", **error}
    operation: dict[str, Any] = {
        "summary": summary,
        "description": f"Allowed for: {ROLE_NOTE[role]}.",
        "operationId": _operation_id(method, path),
        "parameters": parameters,
        "responses": responses,
    }
    if body == {"multipart": True}:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}
                }
            },
        }
        responses["413"] = {"description": "upload too large", **error}
    elif body is not None:
        operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": body}}}
    return operation


def document(server_url: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, role, params, body, status in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, summary, role, params, body, status)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "steadyflow API",
            "version": "1",
            "description": "Definitions, deployments, instances, incidents and user tasks of a steadyflow engine. "
            "Times are seconds since the epoch (UTC). Authenticate with HTTP basic or 'Authorization: Bearer <token>' "
            "(create tokens with 'steadyflow users token NAME').",
        },
        "servers": [{"url": server_url}],
        "security": [{"basic": []}, {"bearer": []}],
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {"Error": _ERROR},
        },
        "paths": paths,
    }
