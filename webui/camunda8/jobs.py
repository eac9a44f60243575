"""Jobs for Camunda 8 workers: activation with long polling, completion, failure, BPMN error, update.

Activation claims through the same engine query as Camunda 7's fetchAndLock,
so a job goes to whichever asks first: an in-process handler, an external-task
client or a Camunda 8 worker. Only the worker holding a job may report it: a
job that is not activated through /v2, whose activation timed out, or that an
in-process handler or a Camunda 7 client holds, is refused (409), and the
report is made as the worker that activated it. A /v2 activation locks as
``c8/<worker>``; with ``withLease`` as ``c8/<worker>#<activation id>``, and
each job carries a ``jobLeaseToken`` that its completion, failure and error must
send back: a token of a superseded activation (the job timed out and another
worker activated it) is refused, as Camunda 8 fences leased jobs.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from engine.c8_keys import Keys
from engine.rest_queries import ClaimedJob, TopicClaim
from steadyflow.errors import NotFoundError
from webui.auth import requires
from webui.camunda8 import bp, dto
from webui.camunda8.context import C8Context, c8
from webui.camunda8.problems import C8Problem, bad_request
from webui.camunda8.request_input import flag, json_body, names, number, obj, text, variables

DEFAULT_REQUEST_TIMEOUT_MS = 10_000
"""Camunda's default long-poll time (camunda.api.long-polling.timeout)."""
MAX_REQUEST_TIMEOUT_MS = 600_000
MAX_JOBS = 1000
MAX_ERROR_MESSAGE = 4000
MAX_WORKER_NAME = 200
OWNER_PREFIX = "c8/"
"""Lock owners of jobs activated through /v2, so no other kind of worker's job can be reported here."""


def lock_owner(worker: str, activation: str | None) -> str:
    return f"{OWNER_PREFIX}{worker}#{activation}" if activation else f"{OWNER_PREFIX}{worker}"


def lease_token(activation: str, job_id: str) -> str:
    """The job's token for one leased activation: distinct per job, checkable without storing it."""
    return f"{activation}.{hashlib.sha256(f'{activation}:{job_id}'.encode()).hexdigest()[:16]}"


def _client_gone() -> Callable[[], bool]:
    """Whether the client closed its connection (waitress tells when channel_request_lookahead > 0)."""
    check = request.environ.get("waitress.client_disconnected")
    return check if callable(check) else (lambda: False)


@bp.post("/jobs/activation")
@requires("operator")
def activate_jobs() -> Response:
    body = json_body()
    job_type = text(body, "type", required=True)
    assert job_type is not None
    worker = text(body, "worker") or "default"
    if len(worker) > MAX_WORKER_NAME:
        raise bad_request(f"worker must have at most {MAX_WORKER_NAME} characters, not {len(worker)}")
    activation = uuid.uuid4().hex if flag(body, "withLease") else None
    owner = lock_owner(worker, activation)
    timeout_ms = number(body, "timeout", minimum=1, maximum=2**31 - 1)
    if timeout_ms is None:
        raise bad_request("No timeout provided: how many milliseconds a worker may hold an activated job")
    max_jobs = number(body, "maxJobsToActivate", minimum=1, maximum=MAX_JOBS)
    if max_jobs is None:
        raise bad_request("No maxJobsToActivate provided")
    wanted = names(body, "fetchVariable")
    request_ms = number(body, "requestTimeout", minimum=-1, maximum=MAX_REQUEST_TIMEOUT_MS)
    wait_ms = DEFAULT_REQUEST_TIMEOUT_MS if request_ms in (None, 0) else max(request_ms, 0)
    for tenant_id in names(body, "tenantIds") or []:
        if tenant_id != "<default>":
            raise bad_request(f"Tenant '{tenant_id}' does not exist: steadyflow has one tenant, '<default>'")
    context = c8()
    claim = TopicClaim(topic=job_type, lock_s=timeout_ms / 1000.0)

    keys: Keys = {}

    def attempt() -> list[ClaimedJob]:
        found, given = context.keys.claim_jobs(context.queries, owner, [claim], limit=max_jobs)
        keys.update(given)
        return found

    def maybe_ready() -> bool:
        return context.queries.fetchable_exists([job_type])

    gone = _client_gone()
    claimed = context.long_polls.poll(attempt, maybe_ready, wait_ms / 1000.0, gone)
    if claimed and gone():
        # The worker hung up while we locked: give the jobs back rather than leave them locked for nobody.
        context.engine.release_locks(owner, [c.job.id for c in claimed])
        context.long_polls.notify()
        return jsonify({"jobs": []})
    return jsonify({"jobs": _activated(context, claimed, keys, worker, wanted, activation)})


def _activated(
    context: C8Context,
    claimed: list[ClaimedJob],
    keys: Keys,
    worker: str,
    wanted: list[str] | None,
    activation: str | None,
) -> list[dict[str, Any]]:
    jobs, instances, definitions, elements = keys["job"], keys["instance"], keys["definition"], keys["element"]
    answer = []
    for c in claimed:
        values = (
            dict(c.job.variables) if wanted is None else {n: c.job.variables[n] for n in wanted if n in c.job.variables}
        )
        job_keys = {
            "job": jobs[c.job.id],
            "instance": instances[c.job.instance_id],
            "definition": definitions[c.definition_id],
            "element": elements[c.job.task_id],
        }
        definition = context.definition(c.definition_id)
        token = lease_token(activation, c.job.id) if activation else None
        answer.append(
            dto.activated_job(
                c, definition=definition, worker=worker, variables=values, keys=job_keys, lease_token=token
            )
        )
    return answer


def _job(context: C8Context, job_key: str) -> ClaimedJob:
    job_id = context.keys.row(job_key, "job", "Job")
    try:
        return context.queries.job(job_id)
    except NotFoundError as exc:
        raise C8Problem(404, f"Job with key '{job_key}' not found: it completed, or its element ended") from exc


def held(context: C8Context, job_key: str, body: dict[str, Any] | None = None) -> ClaimedJob:
    """The job of ``job_key`` if a Camunda 8 worker holds it now (with ``body``'s lease token, if it was
    leased); 404 / 409 otherwise."""
    claimed = _job(context, job_key)
    job = claimed.job
    owner = job.lock_owner
    if owner is None or job.lock_expires_at is None:
        raise C8Problem(409, f"Job with key '{job_key}' is not activated; activate it first")
    if not owner.startswith(OWNER_PREFIX):
        raise C8Problem(
            409,
            f"Job with key '{job_key}' is held by a worker that did not activate it through /v2 "
            "(an in-process handler or a Camunda 7 external-task client); only that worker may report it",
        )
    if job.lock_expires_at < time.time():
        raise C8Problem(409, f"Job with key '{job_key}' timed out; activate it again")
    sent = text(body, "jobLeaseToken") if body is not None else None
    if body is not None and "#" in owner and sent is None:
        raise C8Problem(409, f"Job with key '{job_key}' was activated with a lease: send its jobLeaseToken")
    if sent is not None:
        activation = owner.rsplit("#", 1)[1] if "#" in owner else ""
        if not activation or sent != lease_token(activation, job.id):
            raise C8Problem(
                409,
                f"The jobLeaseToken for job '{job_key}' is not the current lease's: the job was activated "
                "again since; this worker's activation was superseded",
            )
    return claimed


@bp.post("/jobs/<job_key>/completion")
@requires("operator")
def complete_job(job_key: str) -> tuple[str, int]:
    body = json_body(required=False)
    values = variables(body)
    result = obj(body, "result")
    if result.get("type") not in (None, "") and result.get("type") != "userTask":
        raise bad_request("result.type must be userTask or left out")
    context = c8()
    job = held(context, job_key, body).job
    context.engine.complete_job(job.id, values, worker_id=job.lock_owner, instance_id=job.instance_id)
    return "", 204


@bp.post("/jobs/<job_key>/failure")
@requires("operator")
def fail_job(job_key: str) -> tuple[str, int]:
    body = json_body(required=False)
    retries = number(body, "retries", minimum=0, maximum=2**31 - 1)
    backoff_ms = number(body, "retryBackOff", minimum=0, maximum=2**31 - 1) or 0
    message = (text(body, "errorMessage") or "")[:MAX_ERROR_MESSAGE]
    variables(body)  # checked; failure variables would go to a local scope steadyflow does not keep
    context = c8()
    job = held(context, job_key, body).job
    context.engine.fail_job(
        job.id,
        message or "the Camunda 8 worker reported a failure",
        worker_id=job.lock_owner,
        instance_id=job.instance_id,
        retries=retries if retries is not None else max(job.retries_left - 1, 0),
        retry_in_s=backoff_ms / 1000.0,
    )
    context.long_polls.notify()
    return "", 204


@bp.post("/jobs/<job_key>/error")
@requires("operator")
def throw_error(job_key: str) -> tuple[str, int]:
    body = json_body()
    code = text(body, "errorCode", required=True)
    assert code is not None
    message = text(body, "errorMessage") or ""
    values = variables(body)
    context = c8()
    job = held(context, job_key, body).job
    context.engine.throw_error(
        job.id, code, message[:MAX_ERROR_MESSAGE], values, worker_id=job.lock_owner, instance_id=job.instance_id
    )
    return "", 204


@bp.patch("/jobs/<job_key>")
@requires("operator")
def update_job(job_key: str) -> tuple[str, int]:
    body = json_body()
    changes = obj(body, "changeset")
    retries = number(changes, "retries", minimum=0, maximum=2**31 - 1, where="changeset.")
    timeout_ms = number(changes, "timeout", minimum=1, maximum=2**31 - 1, where="changeset.")
    if retries is None and timeout_ms is None:
        raise bad_request("changeset needs retries or timeout (or both)")
    context = c8()
    claimed = held(context, job_key) if timeout_ms is not None else _job(context, job_key)
    job_id = claimed.job.id
    if retries is not None:
        context.queries.set_job_retries(job_id, retries)
    if timeout_ms is not None and claimed.job.lock_owner is not None:
        context.engine.extend_locks(claimed.job.lock_owner, [job_id], timeout_ms / 1000.0)
    context.long_polls.notify()
    return "", 204
