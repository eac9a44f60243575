"""What one instance waits for, searchable: its jobs and its message subscriptions.

Camunda Modeler's task testing asks both with a ``processInstanceKey`` filter
(one instance at a time, as here). steadyflow keeps open jobs and open
subscriptions only: a finished job or a correlated subscription is gone from
these searches (the instance's history still has them).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from engine.store.records import InstanceRecord, JobRecord
from steadyflow.errors import NotFoundError
from webui.auth import requires
from webui.camunda8 import bp, dto
from webui.camunda8.context import TENANT, C8Context, c8
from webui.camunda8.request_input import json_body, obj, page
from webui.camunda8.runtime_search import instance_id_of
from webui.camunda8.searches import filter_values


def _job_state(job: JobRecord) -> str:
    return "FAILED" if job.state == "incident" or job.last_error else "CREATED"


def _job_json(
    instance: InstanceRecord, job: JobRecord, process_id: str, keys: dict[str, dict[str, int]]
) -> dict[str, Any]:
    """``process_id``: the process of the job's definition (a called child's, or the instance's)."""
    instance_key = str(keys["instance"][instance.id])
    definition_id = job.called_definition_id or instance.definition_id
    owner = job.lock_owner or ""
    return {
        "customHeaders": dict(job.headers),
        "deadline": dto.timestamp(job.lock_expires_at) if job.lock_expires_at else None,
        "deniedReason": None,
        "elementId": job.element_id,
        "elementInstanceKey": str(keys["element"][job.task_id]),
        "endTime": None,
        "errorCode": None,
        "errorMessage": job.last_error,
        "hasFailedWithRetriesLeft": bool(job.last_error) and job.retries_left > 0 and job.state != "incident",
        "isDenied": None,
        "jobKey": str(keys["job"][job.id]),
        "kind": "BPMN_ELEMENT",
        "listenerEventType": "UNSPECIFIED",
        "processDefinitionId": process_id,
        "processDefinitionKey": str(keys["definition"][definition_id]),
        "processInstanceKey": instance_key,
        "rootProcessInstanceKey": instance_key,
        "businessId": instance.business_key,
        "retries": job.retries_left,
        "state": _job_state(job),
        "tenantId": TENANT,
        "type": job.type,
        "worker": owner.removeprefix("c8/").split("#", 1)[0] if owner else "",
        "creationTime": dto.timestamp(job.created_at),
        "lastUpdateTime": dto.timestamp(job.created_at),
        "priority": job.priority,
    }


def _process_id(context: C8Context, instance: InstanceRecord, job: JobRecord) -> str:
    """The process id of the job's definition: a called child's (see ``ClaimedJob``), or the instance's."""
    if job.called_definition_id is None:
        return instance.definition_key
    try:
        return context.definition(job.called_definition_id).key
    except NotFoundError:
        return job.called_definition_id.partition(":")[0]


@bp.post("/jobs/search")
@requires("viewer")
def search_jobs() -> Response:
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    types = filter_values(filters, "type", str)
    states = filter_values(filters, "state", str)
    element_ids = filter_values(filters, "elementId", str)
    context = c8()
    instance = context.engine.instance(instance_id_of(context, filters))
    jobs = [
        job
        for job in context.engine.store_jobs(instance_id=instance.id)
        if (types is None or job.type in types)
        and (states is None or _job_state(job) in states)
        and (element_ids is None or job.element_id in element_ids)
    ]
    definitions = sorted({j.called_definition_id for j in jobs if j.called_definition_id})
    keys = context.keys.many(
        {
            "job": [j.id for j in jobs],
            "element": [j.task_id for j in jobs],
            "instance": [instance.id],
            "definition": [instance.definition_id, *definitions],
        }
    )
    items = [_job_json(instance, job, _process_id(context, instance, job), keys) for job in jobs]
    return jsonify(dto.page(items[start : start + limit], len(items)))


@bp.post("/message-subscriptions/search")
@requires("viewer")
def search_message_subscriptions() -> Response:
    body = json_body(required=False)
    filters = obj(body, "filter")
    start, limit = page(body)
    names = filter_values(filters, "messageName", str)
    correlation_keys = filter_values(filters, "correlationKey", str)
    context = c8()
    instance = context.engine.instance(instance_id_of(context, filters))
    rows = [
        row
        for row in context.engine.message_subscriptions(instance.id)
        if row["kind"] == "message"
        and (names is None or row["name"] in names)
        and (correlation_keys is None or row["correlation_key"] in correlation_keys)
    ]
    definition = context.definition(instance.definition_id)
    keys = context.keys.many(
        {
            "subscription": [r["id"] for r in rows],
            "element": [r["task_id"] for r in rows],
            "instance": [instance.id],
            "definition": [instance.definition_id],
        }
    )
    instance_key = str(keys["instance"][instance.id])
    items: list[dict[str, Any]] = [
        {
            "businessId": instance.business_key,
            "messageSubscriptionKey": str(keys["subscription"][r["id"]]),
            "processDefinitionId": instance.definition_key,
            "processDefinitionKey": str(keys["definition"][instance.definition_id]),
            "processInstanceKey": instance_key,
            "rootProcessInstanceKey": instance_key,
            "elementId": r["element_id"],
            "elementInstanceKey": str(keys["element"][r["task_id"]]),
            "messageSubscriptionState": "CREATED",
            "lastUpdatedDate": dto.timestamp(r["created_at"]),
            "messageName": r["name"],
            "correlationKey": r["correlation_key"],
            "messageSubscriptionType": "PROCESS_EVENT",
            "toolProperties": {},
            "processDefinitionName": definition.name,
            "processDefinitionVersion": definition.version,
            "toolName": None,
            "inboundConnectorType": None,
            "tenantId": TENANT,
        }
        for r in rows
    ]
    return jsonify(dto.page(items[start : start + limit], len(items)))
