"""Definitions: list with counts, one process's versions, XML, per-element counts, deploy, start."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import PurePath
from typing import Any

from flask import jsonify, request
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.wrappers import Response

from bpmn.xml_loader import looks_like_xml
from engine.limits import MAX_COUNT
from steadyflow.errors import InvalidInputError
from webui.api import bp
from webui.api.common import arg_int, json_body, optional_str
from webui.auth import requires
from webui.input_gate import checked_variables
from webui.services import services

BPMN_SUFFIXES = (".bpmn", ".xml", ".dmn")


@bp.get("/definitions")
def list_definitions() -> Response:
    return jsonify({"items": services().queries.definitions()})


@bp.get("/definitions/<key>")
def get_definition(key: str) -> Response:
    return jsonify(services().queries.definition(key))


def _version_ids(key: str) -> list[str]:
    """The definition ids of ``key``: one version when ?version=N is given, else all of them."""
    entry = services().queries.definition(key)
    version = request.args.get("version")
    if version in (None, "", "all"):
        return [v["id"] for v in entry["versions"]]
    number = arg_int("version", 0)
    for item in entry["versions"]:
        if item["version"] == number:
            return [item["id"]]
    return [services().engine.definitions.resolve(key, number).id]


@bp.get("/definitions/<key>/xml")
def get_definition_xml(key: str) -> Response:
    ids = _version_ids(key)
    definition_id = ids[0]
    xml, filename = services().queries.definition_xml(definition_id)
    record = services().queries.definition_record(definition_id)
    return jsonify({"id": record.id, "key": record.key, "version": record.version, "filename": filename, "xml": xml})


@bp.get("/definitions/<key>/element-counts")
def get_element_counts(key: str) -> Response:
    ids = _version_ids(key)
    return jsonify({"key": key, "definition_ids": ids, "elements": services().queries.element_counts(ids)})


@bp.get("/definitions/<key>/forms")
def get_definition_forms(key: str) -> Response:
    outline = services().queries.outline(_version_ids(key)[0])
    forms = {element: [f.as_dict() for f in fields] for element, fields in outline.forms.items()}
    start_form = [f.as_dict() for f in outline.start_forms.get(key, [])]
    return jsonify({"key": key, "names": outline.names, "user_task_forms": forms, "start_form": start_form})


@bp.post("/definitions/<key>/start")
@requires("operator")
def start_instance(key: str) -> tuple[Response, int]:
    body = json_body(required=False)
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version > MAX_COUNT):
        raise InvalidInputError(f"'version' must be a whole number up to {MAX_COUNT}")
    variables = body.get("variables")
    if isinstance(variables, dict):
        variables = checked_variables(variables)
    business_key = optional_str(body, "business_key")
    form = body.get("form")
    if form is None:
        instance = services().engine.start(key, variables, business_key=business_key, version=version)
    elif not isinstance(form, dict) or "variables" in body:
        raise InvalidInputError(
            'send "form" (an object of field id -> value, checked by the start form) or "variables", not both'
        )
    else:
        instance = services().tasklist.start(key, form, business_key=business_key, version=version)
    return jsonify(asdict(instance) | {"frame": None}), 201


def uploaded_files() -> list[tuple[str, bytes]]:
    """The .bpmn files of a multipart upload (any field name, as Camunda Modeler sends them)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            "upload BPMN files as multipart/form-data (a 'file' field per .bpmn file), "
            f"not {request.mimetype or 'no type'}"
        )
    files: list[tuple[str, bytes]] = []
    for storage in request.files.values():
        name = PurePath(storage.filename or storage.name or "upload.bpmn").name
        data = storage.read()
        if not name.lower().endswith(BPMN_SUFFIXES) or not looks_like_xml(data):
            raise UnsupportedMediaType(
                f"{name} is not a BPMN or DMN file: upload .bpmn and .dmn files saved by Camunda Modeler"
            )
        files.append((name, data))
    if not files:
        raise InvalidInputError("the upload has no files: attach one or more .bpmn files")
    return files


def deployment_answer(files: list[tuple[str, bytes]]) -> tuple[dict[str, Any], int]:
    deployment = services().engine.deploy(files, source="steadyflow web UI")
    body = {
        "id": deployment.id,
        "changed": deployment.changed,
        "definitions": [asdict(d.definition) | {"new_version": d.new_version} for d in deployment.definitions],
        "warnings": [w.as_dict() for w in deployment.warnings],
        "decisions": [asdict(d.definition) | {"new_version": d.new_version} for d in deployment.decisions],
    }
    return body, 201 if deployment.changed else 200


@bp.post("/deployments")
@requires("admin")
def deploy() -> tuple[Response, int]:
    body, status = deployment_answer(uploaded_files())
    return jsonify(body), status
