"""``POST /v2/deployments``: one multipart part ``resources`` per file, as Camunda Modeler and the clients send.

Every uploaded BPMN file is deployed in one deployment (all or nothing);
identical XML is not a new version. Each process answers with the uploaded
file's name exactly, because Modeler finds its process by ``resourceName``.
"""

from __future__ import annotations

from pathlib import PurePath

from flask import Response, jsonify, request

from engine.decisions import is_dmn_file
from engine.definitions import process_ids_of
from webui.auth import requires
from webui.camunda8 import bp, dto
from webui.camunda8.context import TENANT, c8
from webui.camunda8.decisions import deployed_decisions
from webui.camunda8.problems import C8Problem, bad_request
from webui.camunda8.request_input import tenant

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".bpmn2", ".xml", ".dmn")
OTHER_SUFFIXES = (".form",)


def _resources() -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for upload in request.files.getlist("resources"):
        name = upload.filename or ""
        if not name or PurePath(name).name != name:
            raise bad_request(f"Every 'resources' part needs a plain file name, not '{name}'")
        if name.lower().endswith(OTHER_SUFFIXES):
            raise bad_request(f"'{name}': steadyflow deploys BPMN processes and DMN decisions only (no forms yet)")
        if not name.lower().endswith(BPMN_SUFFIXES):
            raise bad_request(f"'{name}' is not a BPMN or DMN file: name it *.bpmn or *.dmn")
        files.append((name, upload.read()))
    if not files:
        raise bad_request("No resources: send each .bpmn file as a multipart part named 'resources'")
    if len({name for name, _ in files}) != len(files):
        raise bad_request("Two resources have the same file name; give each its own name")
    return files


@bp.post("/deployments")
@requires("admin")
def create_deployment() -> Response:
    if request.mimetype != "multipart/form-data":
        raise C8Problem(415, f"Send deployments as multipart/form-data, not '{request.mimetype or 'none'}'")
    tenant(request.form.get("tenantId"))
    files = _resources()
    context = c8()
    deployment = context.engine.deploy(files, name=PurePath(files[0][0]).stem)
    ids = {name: process_ids_of(data, name) for name, data in files if not is_dmn_file(name, data)}
    definitions = [d.definition for d in deployment.definitions]
    deployed = [d.deployment_id for d in definitions] + [d.definition.deployment_id for d in deployment.decisions]
    deployment_id = deployment.id or (deployed[0] if deployed else "")
    keys = context.keys.keys("definition", [d.id for d in definitions])
    entries = []
    for definition in definitions:
        resource = next((name for name, found in ids.items() if definition.key in found), files[0][0])
        entries.append({"processDefinition": dto.deployed_process(definition, keys[definition.id], resource)})
    if deployment.decisions:
        stored = {row["id"]: str(row["filename"]) for row in context.queries.deployments()}
        entries.extend(deployed_decisions(deployment.decisions, stored))
    return jsonify(
        {
            "deploymentKey": str(context.keys.key("deployment", deployment_id)),
            "tenantId": TENANT,
            "deployments": entries,
        }
    )
