"""The connector's output task headers: resultVariable, resultExpression, errorExpression.

Both expressions are FEEL (written ``=...``) and see, as in Camunda's
connector runtime, the response's entries as top-level names as well as the
whole ``response``, so ``={id: response.body.id}`` and ``={id: body.id}``
both work::

    status, headers, body    the answer; null when none arrived
    response                 {status, headers, body}
    error                    null on success; on a failure
                             {code, message, type, variables: {response}}
                             (code "404" etc.; "408" for timeouts and
                             refused connections, as Camunda reports them)
    job                      {retries}: retries left

``resultExpression`` must give a context (or null); its entries become
process variables. ``errorExpression`` is evaluated after every call, as in
Camunda; a context with a non-empty ``code`` becomes a BPMN error with that
code, its ``message`` and its ``variables``; null or a context without code
means "no BPMN error". steadyflow's FEEL has no ``bpmnError()`` function, so
write ``{code: "NOT_FOUND", message: "...", variables: {...}}`` instead.

Both are compiled before the request is sent, so a typo fails the job before
any side effect happens. ``retryBackoff`` is not read: the job's retry policy
decides when a retry runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bpmn.expressions import CompiledExpression, compile_feel
from engine.handlers import BpmnError, NonRetryableError
from service_tasks.http_redaction import Redactor
from service_tasks.http_response import HttpResponse
from steadyflow.errors import ExpressionError

RESULT_VARIABLE = "resultVariable"
RESULT_EXPRESSION = "resultExpression"
ERROR_EXPRESSION = "errorExpression"


@dataclass(frozen=True)
class OutputMapping:
    """The compiled output headers of one connector task."""

    result_variable: str | None = None
    result_expression: CompiledExpression | None = None
    error_expression: CompiledExpression | None = None


def read_output_mapping(headers: Mapping[str, str], where: str) -> OutputMapping:
    """Compile the task's output headers; a FEEL syntax error fails the job before the call."""
    result_variable = (headers.get(RESULT_VARIABLE) or "").strip() or None
    return OutputMapping(
        result_variable=result_variable,
        result_expression=_compile(headers, RESULT_EXPRESSION, where),
        error_expression=_compile(headers, ERROR_EXPRESSION, where),
    )


def _compile(headers: Mapping[str, str], name: str, where: str) -> CompiledExpression | None:
    text = (headers.get(name) or "").strip()
    if not text:
        return None
    # The template always writes "=..."; a bare text is taken as FEEL too.
    source = text[1:] if text.startswith("=") else text
    try:
        return compile_feel(source)
    except ExpressionError as exc:
        raise NonRetryableError(f"{where}: task header '{name}' is not valid FEEL: {exc}") from None


def expression_context(
    response: HttpResponse | None,
    error: Mapping[str, Any] | None,
    retries_left: int,
) -> dict[str, Any]:
    """The names both expressions can read."""
    answer = response.as_variable() if response is not None else None
    return {
        "status": None,
        "headers": None,
        "body": None,
        **(answer or {}),
        "response": answer,
        "error": dict(error) if error is not None else None,
        "job": {"retries": retries_left},
    }


def output_variables(
    mapping: OutputMapping,
    response: HttpResponse,
    context: Mapping[str, Any],
    where: str,
    redactor: Redactor,
) -> dict[str, Any]:
    """The process variables a successful call sets."""
    variables: dict[str, Any] = {}
    if mapping.result_variable:
        variables[mapping.result_variable] = response.as_variable()
    if mapping.result_expression is not None:
        mapped = _evaluate(mapping.result_expression, context, RESULT_EXPRESSION, where, redactor)
        if mapped is not None and not isinstance(mapped, Mapping):
            raise NonRetryableError(
                f"{where}: task header '{RESULT_EXPRESSION}' must give a context such as "
                f"={{orderId: response.body.id}}, got {type(mapped).__name__}"
            )
        variables.update({str(k): v for k, v in (mapped or {}).items()})
    return variables


def raise_mapped_error(
    mapping: OutputMapping,
    context: Mapping[str, Any],
    where: str,
    redactor: Redactor,
) -> None:
    """Raise the BPMN error ``errorExpression`` asks for, if it asks for one."""
    if mapping.error_expression is None:
        return
    verdict = _evaluate(mapping.error_expression, context, ERROR_EXPRESSION, where, redactor)
    if verdict is None:
        return
    if not isinstance(verdict, Mapping):
        raise NonRetryableError(
            f"{where}: task header '{ERROR_EXPRESSION}' must give null or a context such as "
            f'{{code: "NOT_FOUND", message: "..."}}, got {type(verdict).__name__}'
        )
    code = verdict.get("code")
    if code is None or code == "":
        return
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise NonRetryableError(
            f"{where}: the 'code' given by task header '{ERROR_EXPRESSION}' must be text, got {type(code).__name__}"
        )
    message = verdict.get("message")
    variables = verdict.get("variables")
    if variables is not None and not isinstance(variables, Mapping):
        raise NonRetryableError(
            f"{where}: the 'variables' given by task header '{ERROR_EXPRESSION}' must be a context, "
            f"got {type(variables).__name__}"
        )
    raise BpmnError(str(code), "" if message is None else str(message), variables)


def _evaluate(
    expression: CompiledExpression,
    context: Mapping[str, Any],
    name: str,
    where: str,
    redactor: Redactor,
) -> Any:
    try:
        return expression.evaluate(context)
    except ExpressionError as exc:
        hint = ""
        if "bpmnError" in str(exc) or "jobError" in str(exc):
            hint = '; steadyflow has no bpmnError()/jobError(): give a context {code: "...", message: "..."}'
        raise NonRetryableError(f"{where}: task header '{name}' failed: {redactor.scrub(str(exc))}{hint}") from None
