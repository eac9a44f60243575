"""The one place that turns errors into HTTP answers: JSON under the APIs, a page in the UI.

Bad input is always a 4xx with the engine's own message; an unexpected
exception is logged and answered 500 without details (tests make sure none occurs).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine.forms import FormValidationError
from engine.limits import VariableTooLargeError
from steadyflow.errors import (
    ConflictError,
    ExpressionError,
    InvalidInputError,
    ModelError,
    ModelValidationError,
    NotFoundError,
    SchemaOutdatedError,
    SteadyflowError,
    StoreError,
)
from webui.auth import is_api_request
from webui.input_gate import without_database_location

log = logging.getLogger(__name__)

STATUS_OF: list[tuple[type[SteadyflowError], int]] = [
    (NotFoundError, 404),
    (VariableTooLargeError, 413),
    (InvalidInputError, 400),
    (ModelError, 400),
    (ExpressionError, 400),
    (ConflictError, 409),
    (SchemaOutdatedError, 503),
    (StoreError, 503),
    (SteadyflowError, 400),
]
"""First match wins: subclasses before their bases."""


def status_of(error: SteadyflowError) -> int:
    return next(status for kind, status in STATUS_OF if isinstance(error, kind))


def error_body(code: str, message: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


def _answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    if is_api_request() or request.accept_mimetypes.best == "application/json":
        response = jsonify(body)
    else:
        response = Response(render_template("ui/error.html", status=status, error=body["error"]), mimetype="text/html")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_steadyflow_error(error: SteadyflowError) -> Response:
    status = status_of(error)
    extra: dict[str, Any] = {}
    if isinstance(error, ModelValidationError):
        extra["problems"] = [p.as_dict() for p in error.problems]
        extra["warnings"] = [p.as_dict() for p in error.warnings]
    if isinstance(error, FormValidationError):
        extra["fields"] = error.field_errors
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.path, error)
    return _answer(status, error_body(error.code, without_database_location(error.message), status, **extra))


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 413:
        limit = request.max_content_length or 0
        message = f"the request body is too large: the limit is {limit // (1024 * 1024)} MiB per request"
    else:
        message = str(error.description or error.name)
    headers = allow_header(error)
    if status == 401 and is_api_request():
        headers["WWW-Authenticate"] = 'Basic realm="steadyflow", charset="UTF-8"'
    code = error.name.lower().replace(" ", "_")
    return _answer(status, error_body(code, message, status), headers)


def allow_header(error: HTTPException) -> dict[str, str]:
    """A 405's ``Allow`` (RFC 9110 requires it) and a 429's ``Retry-After``, as werkzeug computed them."""
    return {name: value for name, value in error.get_headers() if name.lower() in ("allow", "retry-after")}


def handle_unexpected(error: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.path)
    return _answer(500, error_body("internal_error", "the server failed unexpectedly; see its log", 500))


def init_app(app: Flask) -> None:
    app.register_error_handler(SteadyflowError, handle_steadyflow_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
