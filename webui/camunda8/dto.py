"""The JSON shapes of /v2 answers, with every field the strict official clients require (null where n/a)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.store.records import DefinitionRecord, IncidentRecord
from engine.store.rest_queries import ClaimedJob
from webui.camunda8.context import TENANT

STATES = {"running": "ACTIVE", "incident": "ACTIVE", "completed": "COMPLETED", "cancelled": "TERMINATED"}
"""Our instance states as Camunda 8's; anything else (failed) ended without completing: TERMINATED."""


def instance_state(state: str) -> str:
    return STATES.get(state, "TERMINATED")


def timestamp(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def deployed_process(definition: DefinitionRecord, key: int, resource: str) -> dict[str, Any]:
    return {
        "processDefinitionId": definition.key,
        "processDefinitionVersion": definition.version,
        "resourceName": resource,
        "tenantId": TENANT,
        "processDefinitionKey": str(key),
    }


def instance(row: dict[str, Any], key: int, definition_key: int) -> dict[str, Any]:
    return {
        "processDefinitionId": row["definition_key"],
        "processDefinitionName": row.get("definition_name") or row["definition_key"],
        "processDefinitionVersion": row["definition_version"],
        "processDefinitionVersionTag": None,
        "startDate": timestamp(row["started_at"]),
        "endDate": timestamp(row["ended_at"]),
        "state": instance_state(row["state"]),
        "suspendedDate": None,
        "hasIncident": bool(row["open_incidents"]),
        "tenantId": TENANT,
        "processInstanceKey": str(key),
        "processDefinitionKey": str(definition_key),
        "parentProcessInstanceKey": None,
        "parentElementInstanceKey": None,
        "rootProcessInstanceKey": str(key),
        "tags": [],
        "businessId": row.get("business_key"),
    }


INCIDENT_TYPES = {
    "job": "JOB_NO_RETRIES",
    "failedJob": "JOB_NO_RETRIES",
    "error": "UNHANDLED_ERROR_EVENT",
    "calledElement": "CALLED_ELEMENT_ERROR",
}


def incident(
    record: IncidentRecord, definition: DefinitionRecord, keys: dict[str, dict[str, int]], instance_key: int
) -> dict[str, Any]:
    job_key = keys["job"].get(record.job_id or "")
    element_key = keys["element"].get(record.task_id or "")
    return {
        "processDefinitionId": definition.key,
        "errorType": INCIDENT_TYPES.get(record.type, "UNKNOWN"),
        "errorMessage": record.message,
        "elementId": record.element_id or "",
        "creationTime": timestamp(record.created_at),
        "state": "ACTIVE" if record.state == "open" else "RESOLVED",
        "tenantId": TENANT,
        "incidentKey": str(keys["incident"][record.id]),
        "processDefinitionKey": str(keys["definition"][definition.id]),
        "processInstanceKey": str(instance_key),
        "rootProcessInstanceKey": str(instance_key),
        "elementInstanceKey": str(element_key) if element_key is not None else None,
        "jobKey": str(job_key) if job_key is not None else None,
    }


def activated_job(
    claimed: ClaimedJob,
    *,
    definition: DefinitionRecord,
    worker: str,
    variables: dict[str, Any],
    keys: dict[str, int],
    lease_token: str | None = None,
) -> dict[str, Any]:
    job = claimed.job
    deadline = int((job.lock_expires_at or 0) * 1000)
    return {
        "type": job.type,
        "processDefinitionId": claimed.definition_key,
        "processDefinitionVersion": definition.version,
        "elementId": job.element_id,
        "customHeaders": dict(job.headers),
        "worker": worker,
        "retries": job.retries_left,
        "deadline": deadline,
        "variables": variables,
        "tenantId": TENANT,
        "physicalTenantId": TENANT,
        "jobKey": str(keys["job"]),
        "processInstanceKey": str(keys["instance"]),
        "processDefinitionKey": str(keys["definition"]),
        "elementInstanceKey": str(keys["element"]),
        "kind": "BPMN_ELEMENT",
        "listenerEventType": "UNSPECIFIED",
        "userTask": None,
        "tags": [],
        "rootProcessInstanceKey": str(keys["instance"]),
        "businessId": job.business_key,
        "priority": job.priority,
    } | ({"jobLeaseToken": lease_token} if lease_token is not None else {})


def page(items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {
        "items": items,
        "page": {"totalItems": total, "hasMoreTotalItems": False, "startCursor": None, "endCursor": None},
    }
