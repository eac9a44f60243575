"""External tasks after fetchAndLock: complete, failure, bpmnError, extendLock, unlock, retries, listings.

A worker may only report on a task it holds: another worker's report, or one
sent after the lock expired, is refused with 400 as Camunda 7 refuses it.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response, jsonify

from engine.limits import MAX_DURATION_MS
from engine.rest_queries import ClaimedJob, JobQuery
from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import RestError, bad_request
from webui.engine_rest.request_input import (
    arg_bool,
    arg_list,
    arg_str,
    body_int,
    body_str,
    body_str_list,
    json_body,
    paging,
)
from webui.engine_rest.typed_values import decode_variables, format_timestamp
from webui.input_gate import checked_for_instance

MAX_ERROR_MESSAGE = 666
"""Camunda 7 keeps this many characters of a failure's errorMessage."""


def _refused(message: str) -> RestError:
    return RestError(400, message, "BadUserRequestException")


def held_by(task_id: str, worker_id: str, action: str) -> ClaimedJob:
    """The task, if ``worker_id`` holds an unexpired lock on it; 404 or 400 otherwise."""
    claimed = rest().queries.job(task_id)
    job = claimed.job
    if job.lock_owner is None:
        raise _refused(f"External Task {task_id} cannot be {action} by worker '{worker_id}': it is not locked")
    if job.lock_owner != worker_id:
        raise _refused(
            f"External Task {task_id} cannot be {action} by worker '{worker_id}'. "
            f"It is locked by worker '{job.lock_owner}'."
        )
    if job.lock_expires_at is not None and job.lock_expires_at < time.time():
        raise _refused(
            f"External Task {task_id} cannot be {action} by worker '{worker_id}': its lock expired at "
            f"{format_timestamp(job.lock_expires_at)}; fetch and lock it again"
        )
    return claimed


def _worker(body: dict[str, Any]) -> str:
    worker_id = body_str(body, "workerId", required=True)
    assert worker_id is not None
    return worker_id


@bp.post("/external-task/<task_id>/complete")
@requires("operator")
def complete(task_id: str) -> tuple[str, int]:
    body = json_body(required=True)
    worker_id = _worker(body)
    variables = decode_variables(body.get("variables"))
    decode_variables(body.get("localVariables"), "localVariables")  # checked; steadyflow has no local scope here
    claimed = held_by(task_id, worker_id, "completed")
    variables = checked_for_instance(claimed.job.instance_id, variables)
    rest().engine.complete_job(task_id, variables, worker_id=worker_id, instance_id=claimed.job.instance_id)
    return "", 204


@bp.post("/external-task/<task_id>/failure")
@requires("operator")
def failure(task_id: str) -> tuple[str, int]:
    body = json_body(required=True)
    worker_id = _worker(body)
    retries = body_int(body, "retries", 0, minimum=0) or 0
    retry_ms = body_int(body, "retryTimeout", 0, minimum=0, maximum=MAX_DURATION_MS) or 0
    message = (body_str(body, "errorMessage") or "")[:MAX_ERROR_MESSAGE]
    details = body.get("errorDetails")
    if details is not None and not isinstance(details, str):
        details = str(details)
    claimed = held_by(task_id, worker_id, "failed")
    context = rest()
    context.engine.fail_job(
        task_id,
        message or "the external worker reported a failure",
        details=details,
        worker_id=worker_id,
        instance_id=claimed.job.instance_id,
        retries=retries,
        retry_in_s=retry_ms / 1000.0,
    )
    context.long_polls.notify()
    return "", 204


@bp.post("/external-task/<task_id>/bpmnError")
@requires("operator")
def bpmn_error(task_id: str) -> tuple[str, int]:
    body = json_body(required=True)
    worker_id = _worker(body)
    code = body_str(body, "errorCode", required=True)
    assert code is not None
    variables = decode_variables(body.get("variables"))
    claimed = held_by(task_id, worker_id, "reported a BPMN error")
    rest().engine.throw_error(
        task_id,
        code,
        body_str(body, "errorMessage") or "",
        variables,
        worker_id=worker_id,
        instance_id=claimed.job.instance_id,
    )
    return "", 204


@bp.post("/external-task/<task_id>/extendLock")
@requires("operator")
def extend_lock(task_id: str) -> tuple[str, int]:
    body = json_body(required=True)
    worker_id = _worker(body)
    duration_ms = body_int(body, "newDuration", maximum=MAX_DURATION_MS)
    if duration_ms is None or duration_ms <= 0:
        raise bad_request("newDuration must be a positive number of milliseconds")
    held_by(task_id, worker_id, "extended")
    rest().engine.extend_locks(worker_id, [task_id], duration_ms / 1000.0)
    return "", 204


@bp.post("/external-task/<task_id>/unlock")
@requires("operator")
def unlock(task_id: str) -> tuple[str, int]:
    job = rest().queries.job(task_id).job
    if job.lock_owner is not None:
        rest().engine.release_locks(job.lock_owner, [task_id])
        rest().long_polls.notify()
    return "", 204


def _retries(body: dict[str, Any]) -> int:
    retries = body_int(body, "retries")
    if retries is None or retries < 0:
        raise bad_request("retries must be a whole number, 0 or more")
    return retries


@bp.put("/external-task/<task_id>/retries")
@bp.put("/job/<task_id>/retries")
@requires("operator")
def set_retries(task_id: str) -> tuple[str, int]:
    rest().queries.set_job_retries(task_id, _retries(json_body(required=True)))
    rest().long_polls.notify()
    return "", 204


@bp.put("/external-task/retries")
@requires("operator")
def set_many_retries() -> tuple[str, int]:
    body = json_body(required=True)
    retries = _retries(body)
    ids = body_str_list(body, "externalTaskIds") or ()
    for task_id in ids:
        rest().queries.job(task_id)  # every id must exist before any changes
    for task_id in ids:
        rest().queries.set_job_retries(task_id, retries)
    rest().long_polls.notify()
    return "", 204


def _job_query() -> JobQuery:
    one = arg_str("externalTaskId")
    locked = True if arg_bool("locked") else (False if arg_bool("notLocked") else None)
    retries_left = True if arg_bool("withRetriesLeft") else (False if arg_bool("noRetriesLeft") else None)
    return JobQuery(
        job_id=one,
        ids=arg_list("externalTaskIdIn"),
        topic=arg_str("topicName"),
        instance_id=arg_str("processInstanceId"),
        worker_id=arg_str("workerId"),
        element_id=arg_str("activityId"),
        definition_id=arg_str("processDefinitionId"),
        locked=locked,
        with_retries_left=retries_left,
    )


@bp.get("/external-task")
def list_external_tasks() -> Response:
    first, max_results = paging()
    found = rest().queries.jobs(_job_query(), limit=max_results, offset=first)
    now = time.time()
    return jsonify([dto.external_task(c, now) for c in found])


@bp.get("/external-task/count")
def count_external_tasks() -> Response:
    return jsonify({"count": rest().queries.job_count(_job_query())})


@bp.get("/external-task/<task_id>")
def get_external_task(task_id: str) -> Response:
    return jsonify(dto.external_task(rest().queries.job(task_id), time.time()))


@bp.get("/external-task/<task_id>/errorDetails")
def error_details(task_id: str) -> Response:
    details = rest().queries.job(task_id).job.error_details or ""
    return Response(details, mimetype="text/plain")
