"""Errors as Camunda 7 answers them: ``{"type": ..., "message": ..., "code": ...}`` with its status codes.

Camunda clients read ``type`` and ``message`` (Camunda Modeler recognises a
parse failure by the message prefix ``ENGINE-09005``), so every error under
``/engine-rest`` and ``/rest`` uses this shape instead of the JSON API's.
Unknown ids are 404, bad input and refused operations 400, never 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from engine.limits import VariableTooLargeError
from steadyflow.errors import (
    ConflictError,
    ModelValidationError,
    NotFoundError,
    Problem,
    SteadyflowError,
    StoreError,
)
from webui.input_gate import without_database_location

log = logging.getLogger(__name__)

PARSE_ERROR_PREFIX = "ENGINE-09005 Could not parse BPMN process."


class RestError(Exception):
    """An error answered exactly as given: status, Camunda exception type, message."""

    def __init__(self, status: int, message: str, type_: str = "InvalidRequestException") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_


def bad_request(message: str) -> RestError:
    return RestError(400, message)


def not_found(message: str) -> RestError:
    return RestError(404, message)


def camunda_error(status: int, type_: str, message: str, **extra: Any) -> Response:
    response = jsonify({"type": type_, "message": message, "code": None, **extra})
    response.status_code = status
    return response


def parse_exception(error: ModelValidationError) -> Response:
    """A refused model as Camunda's ParseException, problems grouped per resource with their lines."""
    details: dict[str, dict[str, list[dict[str, Any]]]] = {}
    lines = []
    for kind, problems in (("errors", error.problems), ("warnings", error.warnings)):
        for problem in problems:
            resource = problem.file or error.file or "model.bpmn"
            entry = details.setdefault(resource, {"errors": [], "warnings": []})
            entry[kind].append(_problem(problem))
            if kind == "errors":
                lines.append(_problem_line(problem, resource))
    message = f"{PARSE_ERROR_PREFIX} Errors: \n" + "\n".join(lines)
    return camunda_error(400, "ParseException", message, details=details)


def _problem(problem: Problem) -> dict[str, Any]:
    ids = [problem.element_id] if problem.element_id else []
    return {
        "message": problem.message + (f" ({problem.hint})" if problem.hint else ""),
        "line": problem.line or 0,
        "column": problem.column or 0,
        "mainBpmnElementId": problem.element_id,
        "bpmnElementIds": ids,
        "mainElementId": problem.element_id,
        "elementIds": ids,
    }


def _problem_line(problem: Problem, resource: str) -> str:
    text = f"* {problem.message}"
    if problem.hint:
        text += f" ({problem.hint})"
    text += f" | resource {resource}"
    if problem.line is not None:
        text += f" | line {problem.line} | column {problem.column or 0}"
    if problem.element_id:
        text += f" | element {problem.element_id}"
    return text


def handle_rest_error(error: RestError) -> Response:
    return camunda_error(error.status, error.type, error.message)


def handle_steadyflow_error(error: SteadyflowError) -> Response:
    error.message = without_database_location(error.message)
    if isinstance(error, ModelValidationError):
        return parse_exception(error)
    if isinstance(error, NotFoundError):
        return camunda_error(404, "InvalidRequestException", error.message)
    if isinstance(error, ConflictError):
        return camunda_error(400, "BadUserRequestException", error.message)
    if isinstance(error, VariableTooLargeError):
        return camunda_error(413, "InvalidRequestException", error.message)
    if isinstance(error, StoreError):
        log.warning("%s %s: %s", request.method, request.path, error)
        return camunda_error(503, "ProcessEngineException", error.message)
    return camunda_error(400, "InvalidRequestException", error.message)


HTTP_TYPES = {401: "AuthenticationException", 403: "AuthorizationException"}


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 413:
        limit = request.max_content_length or 0
        message = f"The request body is too large: the limit is {limit // (1024 * 1024)} MiB"
    else:
        message = str(error.description or error.name)
    response = camunda_error(
        status, HTTP_TYPES.get(status, "RestException" if status >= 405 else "InvalidRequestException"), message
    )
    for name, value in error.get_headers():
        if name.lower() in ("allow", "retry-after"):
            response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="steadyflow", charset="UTF-8"'
    return response


def handle_unexpected(error: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.path)
    return camunda_error(500, "RestException", "The server failed unexpectedly; see its log")


def register(bp: Blueprint) -> None:
    bp.register_error_handler(RestError, handle_rest_error)
    bp.register_error_handler(SteadyflowError, handle_steadyflow_error)
    bp.register_error_handler(HTTPException, handle_http_error)
    bp.register_error_handler(Exception, handle_unexpected)
