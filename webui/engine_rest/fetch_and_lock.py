"""``POST /external-task/fetchAndLock``: every job type is a topic; long polling up to asyncResponseTimeout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from engine.limits import MAX_DURATION_MS
from engine.rest_queries import ClaimedJob, TopicClaim, value_hash
from webui.auth import requires
from webui.engine_rest import bp, dto
from webui.engine_rest.context import rest
from webui.engine_rest.errors import bad_request
from webui.engine_rest.request_input import (
    body_bool,
    body_int,
    body_str,
    body_str_list,
    json_body,
)
from webui.engine_rest.typed_values import encode_variables

MAX_ASYNC_RESPONSE_TIMEOUT_MS = 1_800_000
DEFAULT_MAX_TASKS = 10


def _one_topic(raw: Any) -> tuple[TopicClaim, list[str] | None]:
    """A topic of the request and the variable names it wants (None: all)."""
    if not isinstance(raw, dict):
        raise bad_request("Every entry of 'topics' must be an object with topicName and lockDuration")
    name = body_str(raw, "topicName", required=True)
    assert name is not None
    lock_ms = body_int(raw, "lockDuration", maximum=MAX_DURATION_MS)
    if lock_ms is None or lock_ms <= 0:
        raise bad_request(f"Topic '{name}': lockDuration must be a positive number of milliseconds")
    names = raw.get("variables")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise bad_request(f"Topic '{name}': 'variables' must be a list of variable names or null")
    keys = _merge(body_str(raw, "processDefinitionKey"), body_str_list(raw, "processDefinitionKeyIn"))
    ids = _merge(body_str(raw, "processDefinitionId"), body_str_list(raw, "processDefinitionIdIn"))
    wanted = raw.get("processVariables") or {}
    if not isinstance(wanted, dict):
        raise bad_request(f"Topic '{name}': 'processVariables' must be an object of variable name -> value")
    claim = TopicClaim(
        topic=name,
        lock_s=lock_ms / 1000.0,
        definition_keys=keys,
        definition_ids=ids,
        version_tag=body_str(raw, "processDefinitionVersionTag"),
        business_key=body_str(raw, "businessKey"),
        variable_hashes={str(k): value_hash(_plain(v)) for k, v in wanted.items()},
    )
    return claim, names


def _plain(value: Any) -> Any:
    """processVariables values may be typed ({"value": ...}) or plain."""
    return value.get("value") if isinstance(value, dict) and "value" in value else value


def _merge(one: str | None, many: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if one is None and many is None:
        return None
    return tuple({*(many or ()), *((one,) if one else ())})


def _newest_first(body: dict[str, Any]) -> bool | None:
    sorting = body.get("sorting")
    if not sorting:
        return None
    if not isinstance(sorting, list) or not all(isinstance(s, dict) for s in sorting):
        raise bad_request("'sorting' must be a list of {sortBy, sortOrder} objects")
    for entry in sorting:
        if entry.get("sortBy") != "createTime":
            raise bad_request(f"Cannot sort external tasks by {entry.get('sortBy')!r}; use createTime")
        if entry.get("sortOrder") not in ("asc", "desc"):
            raise bad_request("sortOrder must be asc or desc")
        return bool(entry["sortOrder"] == "desc")
    return None


def _client_gone() -> Callable[[], bool]:
    """Whether the client closed its connection (waitress tells when channel_request_lookahead > 0)."""
    check = request.environ.get("waitress.client_disconnected")
    return check if callable(check) else (lambda: False)


@bp.post("/external-task/fetchAndLock")
@requires("operator")
def fetch_and_lock() -> Response:
    body = json_body(required=True)
    worker_id = body_str(body, "workerId", required=True)
    assert worker_id is not None
    max_tasks = body_int(body, "maxTasks", DEFAULT_MAX_TASKS, minimum=0) or 0
    timeout_ms = body_int(body, "asyncResponseTimeout", 0, minimum=0) or 0
    if timeout_ms > MAX_ASYNC_RESPONSE_TIMEOUT_MS:
        raise bad_request(
            "The asynchronous response timeout cannot be set to a value greater than "
            f"{MAX_ASYNC_RESPONSE_TIMEOUT_MS} milliseconds"
        )
    use_priority = body_bool(body, "usePriority")
    newest_first = _newest_first(body)
    raw_topics = body.get("topics") or []
    if not isinstance(raw_topics, list):
        raise bad_request("'topics' must be a list of topic objects")
    wanted: dict[str, list[str] | None] = {}
    claims: dict[str, TopicClaim] = {}
    for raw in raw_topics:
        claim, names = _one_topic(raw)
        claims[claim.topic] = claim
        wanted[claim.topic] = names
    if not claims or max_tasks == 0:
        return jsonify([])
    context = rest()
    topics = list(claims.values())

    def attempt() -> list[ClaimedJob]:
        return context.queries.claim(
            worker_id, topics, limit=max_tasks, use_priority=use_priority, newest_first=newest_first
        )

    def maybe_ready() -> bool:
        return context.queries.fetchable_exists(list(claims))

    gone = _client_gone()
    claimed = context.long_polls.poll(attempt, maybe_ready, timeout_ms / 1000.0, gone)
    if claimed and gone():
        # The worker hung up while we locked: give the tasks back rather than leave them locked for nobody.
        context.engine.release_locks(worker_id, [c.job.id for c in claimed])
        context.long_polls.notify()
        return jsonify([])
    return jsonify([dto.locked_task(c, encode_variables(c.job.variables, wanted.get(c.job.type))) for c in claimed])
