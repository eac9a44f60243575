"""The Camunda 8 REST connector as a built-in handler.

Camunda Modeler's "REST Outbound Connector" template writes job type
``io.camunda:http-json:1``; the same handler also runs job type ``http``.
Inputs are read by :mod:`service_tasks.http_request`, the output headers
(``resultVariable``, ``resultExpression``, ``errorExpression``) by
:mod:`service_tasks.http_expressions`, and failures map onto the engine's
signals as drawn in :mod:`service_tasks.http_errors`:

* below 400: ``errorExpression`` may still throw a BPMN error; otherwise the
  output variables are returned;
* 400 and above: ``errorExpression`` first; then 5xx, 408 and 429 are
  retried, every other 4xx is an incident at once;
* no answer (refused, dropped, timed out): ``errorExpression`` first (with
  ``error.code`` "408"), then retried.

The ``retryBackoff`` task header is not read: the job's retry policy decides
when a retry runs. Camunda's ``{{secrets.NAME}}`` placeholders are not
resolved; credentials arrive as ordinary job variables.

Each call uses a fresh httpx client, so cookies never leak between jobs and
threads share nothing; the optional ``transport`` is the I/O seam for tests
and is closed with that client. The call is not idempotent by itself: a
request that times out after the server acted is sent again on retry, so
APIs that support it should receive an idempotency key (for instance a header
mapped from the job's business key).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.handlers import JobContext, NonRetryableError
from service_tasks.http_errors import TransientHttpError, is_retryable_status, is_success
from service_tasks.http_expressions import (
    OutputMapping,
    expression_context,
    output_variables,
    raise_mapped_error,
    read_output_mapping,
)
from service_tasks.http_redaction import excerpt, redacting_logs
from service_tasks.http_request import HttpRequest, read_request
from service_tasks.http_response import (
    HttpResponse,
    ResponseTooLarge,
    body_text,
    decode_body,
    read_limited,
    response_headers,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

CAMUNDA_JOB_TYPE = "io.camunda:http-json:1"
SHORT_JOB_TYPE = "http"
JOB_TYPES = (CAMUNDA_JOB_TYPE, SHORT_JOB_TYPE)


@dataclass(frozen=True)
class TransportFailure:
    """No answer arrived; ``error`` is what errorExpression sees."""

    error: dict[str, Any]
    message: str
    cause: httpx.HTTPError


class HttpConnector:
    """Sends one HTTP request per job and maps the answer to variables or signals."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport

    def __call__(self, job: JobContext) -> dict[str, Any]:
        where = f"service task '{job.element_id}'"
        try:
            request = read_request(job.variables)
        except NonRetryableError as exc:
            raise NonRetryableError(f"{where}: {exc}") from None
        mapping = read_output_mapping(job.headers, where)
        started = time.monotonic()
        with redacting_logs(request.redactor):
            outcome = self._send(request, where)
        elapsed_ms = (time.monotonic() - started) * 1000
        if isinstance(outcome, TransportFailure):
            log.info(
                "%s: HTTP %s %s failed after %.0f ms: %s",
                where,
                request.method,
                request.shown_url,
                elapsed_ms,
                outcome.message,
            )
            return self._on_transport_failure(job, request, mapping, outcome, where)
        log.info(
            "%s: HTTP %s %s -> %d in %.0f ms", where, request.method, request.shown_url, outcome.status, elapsed_ms
        )
        if is_success(outcome.status):
            context = expression_context(outcome, None, job.retries_left)
            raise_mapped_error(mapping, context, where, request.redactor)
            return output_variables(mapping, outcome, context, where, request.redactor)
        return self._on_error_status(job, request, mapping, outcome, where)

    def _send(self, request: HttpRequest, where: str) -> HttpResponse | TransportFailure:
        import httpx  # at the first call: a worker that sends no HTTP request saves its ~40 ms import at start-up

        timeout = httpx.Timeout(
            connect=request.connect_timeout_s,
            read=request.read_timeout_s,
            write=request.read_timeout_s,
            pool=request.connect_timeout_s,
        )
        with httpx.Client(
            timeout=timeout, follow_redirects=request.follow_redirects, transport=self._transport
        ) as client:
            try:
                built = client.build_request(
                    request.method,
                    # httpx's params= would replace a query already in the URL; merge keeps it.
                    httpx.URL(request.url).copy_merge_params(tuple(request.query)),
                    headers=request.headers,
                    content=request.content,
                )
            except (httpx.InvalidURL, httpx.LocalProtocolError, UnicodeError, ValueError, TypeError) as exc:
                raise NonRetryableError(
                    f"{where}: the request to {request.shown_url} cannot be built "
                    f"({type(exc).__name__}: {request.redactor.scrub(str(exc))}); check url, headers and body"
                ) from None
            try:
                answer = client.send(built, stream=True)
                try:
                    content = read_limited(answer.iter_bytes())
                finally:
                    answer.close()
            except ResponseTooLarge as exc:
                raise NonRetryableError(
                    f"{where}: HTTP {request.method} {request.shown_url}: {exc}; ask the API for less "
                    "(paging, filters) or call it from a dedicated job handler"
                ) from None
            except httpx.LocalProtocolError as exc:
                raise NonRetryableError(
                    f"{where}: HTTP {request.method} {request.shown_url} cannot be sent: "
                    f"{request.redactor.scrub(str(exc))}; check the header names and values"
                ) from None
            except httpx.HTTPError as exc:
                return _transport_failure(request, exc)
        return HttpResponse(
            status=answer.status_code,
            reason=answer.reason_phrase,
            headers=response_headers(answer.headers.raw),
            body=decode_body(content, answer.headers.get("content-type"), answer.charset_encoding),
        )

    def _on_transport_failure(
        self,
        job: JobContext,
        request: HttpRequest,
        mapping: OutputMapping,
        failure: TransportFailure,
        where: str,
    ) -> dict[str, Any]:
        context = expression_context(None, failure.error, job.retries_left)
        raise_mapped_error(mapping, context, where, request.redactor)
        raise TransientHttpError(
            f"{where}: HTTP {request.method} {request.shown_url} failed: {failure.message}; "
            "the job will be retried while it has retries"
        ) from failure.cause

    def _on_error_status(
        self,
        job: JobContext,
        request: HttpRequest,
        mapping: OutputMapping,
        response: HttpResponse,
        where: str,
    ) -> dict[str, Any]:
        error = {
            "code": str(response.status),
            "message": response.reason,
            "type": "httpStatus",
            "variables": {"response": response.as_variable()},
        }
        raise_mapped_error(mapping, expression_context(response, error, job.retries_left), where, request.redactor)
        summary = (
            f"{where}: HTTP {request.method} {request.shown_url} answered {response.status} {response.reason}: "
            f"{excerpt(body_text(response.body), request.redactor)}"
        )
        if is_retryable_status(response.status):
            raise TransientHttpError(f"{summary}; the job will be retried while it has retries")
        raise NonRetryableError(
            f"{summary}; retrying will not help: fix the request (url, headers, body, authentication) "
            "or turn this status into a BPMN error with the errorExpression task header"
        )


def _transport_failure(request: HttpRequest, exc: httpx.HTTPError) -> TransportFailure:
    import httpx

    detail = request.redactor.scrub(str(exc)) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        code, kind = "408", "timeout"
        message = f"no connection within {_seconds(request.connect_timeout_s)} (connectionTimeoutInSeconds)"
    elif isinstance(exc, httpx.TimeoutException):
        code, kind = "408", "timeout"
        message = f"no answer within {_seconds(request.read_timeout_s)} (readTimeoutInSeconds)"
    elif isinstance(exc, httpx.NetworkError):
        code, kind = "408", "connectionFailed"
        message = f"cannot reach {_authority(request.url)}: {detail}"
    else:
        code, kind = "500", "protocolError"
        message = f"the answer could not be read ({type(exc).__name__}: {detail})"
    return TransportFailure(
        error={"code": code, "message": message, "type": kind, "variables": {}}, message=message, cause=exc
    )


def _seconds(value: float | None) -> str:
    return "unlimited time" if value is None else f"{value:g} s"


def _authority(url: str) -> str:
    import httpx

    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port}" if parsed.port is not None else parsed.host


http_connector = HttpConnector()
"""The handler registered for :data:`JOB_TYPES`."""
