"""Process definitions: list, get by id or key (latest version), XML, and starting instances."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, jsonify

from engine.store.records import DefinitionRecord
from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import bad_request, not_found
from webui.engine_rest.request_input import (
    arg_bool,
    arg_int,
    arg_list,
    arg_str,
    body_bool,
    body_str,
    json_body,
    page,
    paging,
    sorting,
)
from webui.engine_rest.typed_values import decode_variables, encode_variables

DEFINITION_SORT = {"id", "key", "name", "version", "deploymentId", "category", "tenantId", "versionTag"}
SORT_FIELD = {"id": "id", "key": "key", "name": "name", "version": "version", "deploymentId": "deployment_id"}


def _filtered() -> list[DefinitionRecord]:
    records = rest().queries.definitions()
    latest: dict[str, int] = {}
    for record in records:
        latest[record.key] = max(latest.get(record.key, 0), record.version)
    checks: list[tuple[str | tuple[str, ...] | int | None, Any]] = [
        (arg_str("processDefinitionId"), lambda r, v: r.id == v),
        (arg_list("processDefinitionIdIn"), lambda r, v: r.id in v),
        (arg_str("key"), lambda r, v: r.key == v),
        (arg_list("keysIn"), lambda r, v: r.key in v),
        (arg_str("keyLike"), lambda r, v: v.replace("%", "") in r.key),
        (arg_str("name"), lambda r, v: r.name == v),
        (arg_str("nameLike"), lambda r, v: v.replace("%", "") in (r.name or "")),
        (arg_str("deploymentId"), lambda r, v: r.deployment_id == v),
        (arg_int("version"), lambda r, v: r.version == v),
    ]
    for wanted, matches in checks:
        if wanted is not None:
            records = [r for r in records if matches(r, wanted)]
    if arg_bool("latestVersion"):
        records = [r for r in records if r.version == latest[r.key]]
    if arg_bool("suspended"):
        records = []
    sort_by, descending = sorting(DEFINITION_SORT)
    field = SORT_FIELD.get(sort_by or "")
    if field:
        records.sort(key=lambda r: getattr(r, field) or "", reverse=descending)
    return records


def _resources() -> dict[str, str]:
    return {row["id"]: row["filename"] for row in rest().queries.deployments()}


def _one(record: DefinitionRecord) -> dict[str, Any]:
    return dto.definition(record, _resources().get(record.deployment_id))


def by_id(definition_id: str) -> DefinitionRecord:
    return rest().queries.definition(definition_id)


def by_key(key: str) -> DefinitionRecord:
    found = [r for r in rest().queries.definitions() if r.key == key]
    if not found:
        raise not_found(f"No matching process definition with key: {key} and no tenant-id")
    return max(found, key=lambda r: r.version)


@bp.get("/process-definition")
def list_definitions() -> Response:
    first, max_results = paging()
    resources = _resources()
    items = page(_filtered(), first, max_results)
    return jsonify([dto.definition(r, resources.get(r.deployment_id)) for r in items])


@bp.get("/process-definition/count")
def count_definitions() -> Response:
    return jsonify({"count": len(_filtered())})


@bp.get("/process-definition/<definition_id>")
def get_definition(definition_id: str) -> Response:
    return jsonify(_one(by_id(definition_id)))


@bp.get("/process-definition/key/<key>")
def get_definition_by_key(key: str) -> Response:
    return jsonify(_one(by_key(key)))


def _xml(record: DefinitionRecord) -> Response:
    xml, _ = rest().queries.definition_xml(record)
    return jsonify({"id": record.id, "bpmn20Xml": xml})


@bp.get("/process-definition/<definition_id>/xml")
def get_definition_xml(definition_id: str) -> Response:
    return _xml(by_id(definition_id))


@bp.get("/process-definition/key/<key>/xml")
def get_definition_xml_by_key(key: str) -> Response:
    return _xml(by_key(key))


def _start(record: DefinitionRecord) -> Response:
    body = json_body()
    if body.get("startInstructions"):
        raise bad_request("startInstructions are not supported: start the instance at its start event")
    variables = decode_variables(body.get("variables"))
    business_key = body_str(body, "businessKey")
    with_variables = body_bool(body, "withVariablesInReturn")  # read before the start: a 400 changes nothing
    engine = rest().engine
    instance = engine.start(record.key, variables, business_key=business_key, version=record.version)
    answer = dto.instance(asdict(instance))
    if with_variables:
        answer["variables"] = encode_variables(engine.variables(instance.id))
    return jsonify(answer)


@bp.post("/process-definition/<definition_id>/start")
@requires("operator")
def start_by_id(definition_id: str) -> Response:
    return _start(by_id(definition_id))


@bp.post("/process-definition/key/<key>/start")
@requires("operator")
def start_by_key(key: str) -> Response:
    return _start(by_key(key))


@bp.post("/process-definition/key/<key>/tenant-id/<tenant_id>/start")
@requires("operator")
def start_by_key_and_tenant(key: str, tenant_id: str) -> Response:
    return _start(by_key(key))  # steadyflow has no tenants: every definition belongs to all of them
