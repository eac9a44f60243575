"""Deployments, as Camunda Modeler's Deploy button uses them, plus ``/version`` and ``/engine``."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from flask import Response, jsonify, request

from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.decisions import decision_definition
from webui.engine_rest.errors import bad_request, not_found
from webui.engine_rest.request_input import arg_str, page, paging, sorting

CAMUNDA_VERSION = "7.21.0"
"""The Camunda 7 REST version whose subset we answer; Modeler reads it to pick features."""
FORM_FIELDS = {
    "deployment-name",
    "deployment-source",
    "enable-duplicate-filtering",
    "deploy-changed-only",
    "tenant-id",
    "deployment-activation-time",
}
BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".bpmn2", ".dmn", ".dmn11.xml")
DEPLOYMENT_SORT = {"id", "name", "deploymentTime", "tenantId"}


@bp.get("/version")
def version() -> Response:
    return jsonify({"version": CAMUNDA_VERSION})


@bp.get("/engine")
def engines() -> Response:
    return jsonify([{"name": "default"}])


def _deployments() -> list[dict[str, Any]]:
    rows = rest().queries.deployments()
    for name, column in (("id", "id"), ("name", "name"), ("source", "source")):
        wanted = arg_str(name)
        if wanted is not None:
            rows = [r for r in rows if r[column] == wanted]
    like = arg_str("nameLike")
    if like is not None:
        needle = like.replace("%", "")
        rows = [r for r in rows if needle in (r["name"] or "")]
    sort_by, descending = sorting(DEPLOYMENT_SORT)
    if sort_by in ("id", "name"):
        rows.sort(key=lambda r: str(r[sort_by] or ""), reverse=descending)
    elif sort_by == "deploymentTime":
        rows.sort(key=lambda r: float(r["deployed_at"]), reverse=descending)
    return rows


@bp.get("/deployment")
def list_deployments() -> Response:
    first, max_results = paging()
    return jsonify([dto.deployment(r) for r in page(_deployments(), first, max_results)])


@bp.get("/deployment/count")
def count_deployments() -> Response:
    return jsonify({"count": len(_deployments())})


@bp.get("/deployment/<deployment_id>")
def get_deployment(deployment_id: str) -> Response:
    for row in rest().queries.deployments():
        if row["id"] == deployment_id:
            return jsonify(dto.deployment(row))
    raise not_found(f"Deployment with id '{deployment_id}' does not exist")


def _form_flag(name: str) -> bool:
    value = request.form.get(name)
    if value is None or value == "":
        return False
    if value.lower() not in ("true", "false"):
        raise bad_request(f"Form part '{name}' must be true or false, not '{value}'")
    return value.lower() == "true"


def _resources() -> list[tuple[str, bytes]]:
    """Every uploaded BPMN and DMN file; other resources (forms) are accepted and not deployed."""
    files: list[tuple[str, bytes]] = []
    for field, upload in request.files.items(multi=True):
        if field in FORM_FIELDS:
            continue
        name = PurePath(upload.filename or field).name
        if name.lower().endswith(BPMN_SUFFIXES):
            files.append((name, upload.read()))
    if not files:
        raise bad_request(
            "No deployment resources contained in the form upload: send each .bpmn file as a multipart part "
            "whose name and file name are the file's name"
        )
    return files


@bp.post("/deployment/create")
@requires("admin")
def create_deployment() -> Response:
    if not request.mimetype.startswith("multipart/"):
        raise bad_request("Deployments are created from a multipart/form-data upload")
    _form_flag("enable-duplicate-filtering")  # steadyflow always filters: identical XML is never a new version
    _form_flag("deploy-changed-only")
    files = _resources()
    name = request.form.get("deployment-name") or PurePath(files[0][0]).stem
    source = request.form.get("deployment-source") or None
    deployment = rest().engine.deploy(files, name=name, source=source)
    new = [d.definition for d in deployment.definitions if d.new_version]
    deployed = [d.definition.deployment_id for d in deployment.definitions]
    deployment_id = deployment.id or [*deployed, *(d.definition.deployment_id for d in deployment.decisions)][0]
    rows = {r["id"]: r for r in rest().queries.deployments()}
    row = rows.get(deployment_id)
    body = dto.deployment(row) if row else {"id": deployment_id, "name": name, "source": source}
    resources = {d.id: rows[d.deployment_id]["filename"] for d in new if d.deployment_id in rows}
    body |= {
        "tenantId": request.form.get("tenant-id") or None,
        "deployedProcessDefinitions": {d.id: dto.definition(d, resources.get(d.id)) for d in new} or None,
        "deployedCaseDefinitions": None,
        "deployedDecisionDefinitions": {
            d.definition.id: decision_definition(d.definition, rows.get(d.definition.deployment_id, {}).get("filename"))
            for d in deployment.decisions
            if d.new_version
        }
        or None,
        "deployedDecisionRequirementsDefinitions": None,
    }
    return jsonify(body)
