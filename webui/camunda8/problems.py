"""Errors under ``/v2`` as RFC 9457 problem details, the shape Camunda 8 clients parse.

Every answer has ``type``, ``title``, ``status``, ``detail`` and ``instance``
(the strict Python client refuses a problem with one missing). Camunda Modeler
recognises a credentials problem by ``Unauthorized`` or ``Forbidden`` in the
title, so those two use exactly these words. Bad input is 400, unknown keys 404,
a refused operation 409, never 500.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from steadyflow.errors import ModelValidationError, Problem, SteadyflowError
from webui.errors import allow_header, status_of
from webui.input_gate import without_database_location

log = logging.getLogger(__name__)

TITLES = {
    400: "INVALID_ARGUMENT",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NOT_FOUND",
    405: "Method Not Allowed",
    409: "INVALID_STATE",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class C8Problem(Exception):
    """An answer given exactly as raised: status and detail."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def bad_request(detail: str) -> C8Problem:
    return C8Problem(400, detail)


def problem(status: int, detail: str) -> Response:
    response = jsonify(
        {
            "type": "about:blank",
            "title": TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
            "instance": request.path,
        }
    )
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def model_problems(error: ModelValidationError) -> str:
    """Every problem of a refused model on its own line, with file, element id and line."""
    lines = [f"The model was refused ({len(error.problems)} problem(s)):"]
    lines.extend(_line(p, p.file or error.file or "model.bpmn") for p in error.problems)
    return "\n".join(lines)


def _line(p: Problem, resource: str) -> str:
    text = f"- {resource}"
    if p.line is not None:
        text += f" line {p.line}"
    if p.element_id:
        text += f" element '{p.element_id}'"
    text += f": {p.message}"
    if p.hint:
        text += f" ({p.hint})"
    return text


def handle_problem(error: C8Problem) -> Response:
    return problem(error.status, error.detail)


def handle_steadyflow_error(error: SteadyflowError) -> Response:
    """Our errors as problems, with the status the rest of the web layer gives them (``webui.errors``)."""
    if isinstance(error, ModelValidationError):
        return problem(400, model_problems(error))
    status = status_of(error)
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.path, error)
    return problem(status, without_database_location(error.message))


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 413:
        limit = request.max_content_length or 0
        detail = f"The request body is too large: the limit is {limit // (1024 * 1024)} MiB"
    else:
        detail = str(error.description or error.name)
    response = problem(status, detail)
    response.headers.update(allow_header(error))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="steadyflow", charset="UTF-8"'
    return response


def handle_unexpected(error: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.path)
    return problem(500, "The server failed unexpectedly; see its log")


def register(bp: Blueprint) -> None:
    bp.register_error_handler(C8Problem, handle_problem)
    bp.register_error_handler(SteadyflowError, handle_steadyflow_error)
    bp.register_error_handler(HTTPException, handle_http_error)
    bp.register_error_handler(Exception, handle_unexpected)
