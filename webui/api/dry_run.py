"""POST /api/v1/dry-run: run uploaded .bpmn files before deploying them; nothing is stored.

Multipart, like ``/deployments``: one or more ``.bpmn`` files, and optional text fields
``variables`` (a JSON object), ``process_id`` and ``stubs`` (a JSON object of job type ->
variables the stub worker answers). See ``steadyflow.testing.dry_run``.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from engine.limits import parse_json
from steadyflow.errors import InvalidInputError
from steadyflow.testing.dry_run import dry_run
from webui.api import bp
from webui.api.definitions import uploaded_files
from webui.auth import requires
from webui.input_gate import checked_variables, limits


def _json_object(field: str) -> dict[str, Any]:
    text = request.form.get(field, "").strip()
    if not text:
        return {}
    value = parse_json(text, f"the {field} field", limits())
    if not isinstance(value, dict):
        raise InvalidInputError(f'the {field} field must be a JSON object, e.g. {{"regions": ["eu"]}}')
    return value


@bp.post("/dry-run")
@requires("operator")
def post_dry_run() -> Response:
    files = uploaded_files()
    variables = checked_variables(_json_object("variables"))
    stubs = _json_object("stubs")
    for job_type, answer in stubs.items():
        if not isinstance(answer, dict):
            raise InvalidInputError(f"stub of job type '{job_type}' must be a JSON object of variables")
    process_id = request.form.get("process_id", "").strip() or None
    result = dry_run(files, variables, process_id=process_id, stubs={k: dict(v) for k, v in stubs.items()})
    return jsonify(result.as_dict())
