"""Camunda 7's start forms: ``form-variables`` of a definition's start form, and ``submit-form`` to start with it.

``GET .../form-variables`` answers each field of the start event's form as a typed
value holding its default; ``POST .../submit-form`` checks the submitted typed
variables against the form (as the tasklist does) and starts an instance.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify

from engine.forms import typed_default
from engine.store.records import DefinitionRecord
from engine.tasklist import Tasklist
from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.definitions import by_id, by_key
from webui.engine_rest.request_input import arg_list, body_str, json_body
from webui.engine_rest.typed_values import decode_variables

C7_TYPES = {"long": "Long", "double": "Double", "boolean": "Boolean", "date": "Date"}
"""Form field type -> Camunda 7 value type; string, enum and textarea fields hold strings."""


def _tasklist() -> Tasklist:
    return Tasklist(rest().engine, rest().outlines)


def _form_variables(record: DefinitionRecord) -> Response:
    _, fields = _tasklist().start_form(record.key, record.version)
    wanted = arg_list("variableNames")
    return jsonify(
        {
            f.id: {"type": C7_TYPES.get(f.type, "String"), "value": typed_default(f), "valueInfo": {}}
            for f in fields
            if wanted is None or f.id in wanted
        }
    )


def _submit_form(record: DefinitionRecord) -> Response:
    body = json_body()
    values = decode_variables(body.get("variables"))
    instance = _tasklist().start(record.key, values, business_key=body_str(body, "businessKey"), version=record.version)
    return jsonify(dto.instance(asdict(instance)))


@bp.get("/process-definition/<definition_id>/form-variables")
def form_variables_by_id(definition_id: str) -> Response:
    return _form_variables(by_id(definition_id))


@bp.get("/process-definition/key/<key>/form-variables")
def form_variables_by_key(key: str) -> Response:
    return _form_variables(by_key(key))


@bp.post("/process-definition/<definition_id>/submit-form")
@requires("operator")
def submit_form_by_id(definition_id: str) -> Response:
    return _submit_form(by_id(definition_id))


@bp.post("/process-definition/key/<key>/submit-form")
@requires("operator")
def submit_form_by_key(key: str) -> Response:
    return _submit_form(by_key(key))
