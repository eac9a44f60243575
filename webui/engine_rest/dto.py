"""Camunda 7 REST representations of steadyflow's records (the fields Camunda clients read)."""

from __future__ import annotations

from typing import Any

from engine.store.records import DefinitionRecord, IncidentRecord
from engine.store.rest_queries import ClaimedJob
from webui.engine_rest.context import link
from webui.engine_rest.typed_values import format_timestamp

HISTORY_STATES = {
    "running": "ACTIVE",
    "completed": "COMPLETED",
    "cancelled": "EXTERNALLY_TERMINATED",
    "failed": "INTERNALLY_TERMINATED",
}
INCIDENT_TYPES = {"failedJob": "failedExternalTask"}
"""Every steadyflow job is an external task to Camunda clients, so its failures are failedExternalTask."""


def incident_type(kind: str) -> str:
    return INCIDENT_TYPES.get(kind, kind)


def incident_kinds(camunda_type: str) -> tuple[str, ...]:
    """The steadyflow incident kinds a Camunda incidentType filter means."""
    kinds = [k for k, v in INCIDENT_TYPES.items() if v == camunda_type]
    return (*kinds, camunda_type) if camunda_type != "failedJob" else ("failedJob",)


def deployment(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "links": [link(f"/deployment/{row['id']}")],
        "id": row["id"],
        "name": row["name"],
        "source": row["source"],
        "deploymentTime": format_timestamp(row["deployed_at"]),
        "tenantId": None,
    }


def definition(record: DefinitionRecord, resource: str | None) -> dict[str, Any]:
    return {
        "id": record.id,
        "key": record.key,
        "category": "http://bpmn.io/schema/bpmn",
        "description": None,
        "name": record.name,
        "version": record.version,
        "resource": resource,
        "deploymentId": record.deployment_id,
        "diagram": None,
        "suspended": False,
        "tenantId": None,
        "versionTag": record.version_tag,
        "historyTimeToLive": None,
        "startableInTasklist": True,
    }


def instance(row: dict[str, Any]) -> dict[str, Any]:
    """A runtime process instance (``ended`` is true only right after a start that ran to the end)."""
    return {
        "links": [link(f"/process-instance/{row['id']}")],
        "id": row["id"],
        "definitionId": row["definition_id"],
        "definitionKey": row["definition_key"],
        "businessKey": row["business_key"],
        "caseInstanceId": None,
        "ended": row["state"] != "running",
        "suspended": False,
        "tenantId": None,
    }


def history_instance(row: dict[str, Any]) -> dict[str, Any]:
    ended = row["ended_at"]
    return {
        "id": row["id"],
        "businessKey": row["business_key"],
        "processDefinitionId": row["definition_id"],
        "processDefinitionKey": row["definition_key"],
        "processDefinitionName": row.get("definition_name"),
        "processDefinitionVersion": row.get("definition_version"),
        "startTime": format_timestamp(row["started_at"]),
        "endTime": format_timestamp(ended),
        "removalTime": None,
        "durationInMillis": round((ended - row["started_at"]) * 1000) if ended is not None else None,
        "startUserId": None,
        "startActivityId": None,
        "deleteReason": "cancelled" if row["state"] == "cancelled" else None,
        "rootProcessInstanceId": row["id"],
        "superProcessInstanceId": None,
        "superCaseInstanceId": None,
        "caseInstanceId": None,
        "tenantId": None,
        "state": HISTORY_STATES.get(row["state"], "ACTIVE"),
    }


def incident(record: IncidentRecord, definition_id: str) -> dict[str, Any]:
    return {
        "id": record.id,
        "processDefinitionId": definition_id,
        "processInstanceId": record.instance_id,
        "executionId": record.task_id,
        "incidentTimestamp": format_timestamp(record.created_at),
        "incidentType": incident_type(record.type),
        "activityId": record.element_id,
        "failedActivityId": record.element_id,
        "causeIncidentId": record.id,
        "rootCauseIncidentId": record.id,
        "configuration": record.job_id,
        "tenantId": None,
        "incidentMessage": record.message,
        "jobDefinitionId": None,
        "annotation": None,
    }


def external_task(claimed: ClaimedJob, now: float) -> dict[str, Any]:
    """An external task as ``GET /external-task`` lists it."""
    job = claimed.job
    locked = job.lock_owner is not None and job.lock_expires_at is not None and job.lock_expires_at >= now
    return {
        "activityId": job.element_id,
        "activityInstanceId": job.task_id,
        "errorMessage": job.last_error,
        "executionId": job.task_id,
        "id": job.id,
        "lockExpirationTime": format_timestamp(job.lock_expires_at) if locked else None,
        "createTime": format_timestamp(job.created_at),
        "processDefinitionId": claimed.definition_id,
        "processDefinitionKey": claimed.definition_key,
        "processDefinitionVersionTag": claimed.definition_version_tag,
        "processInstanceId": job.instance_id,
        "tenantId": None,
        "retries": retries(claimed),
        "suspended": False,
        "workerId": job.lock_owner if locked else None,
        "priority": job.priority,
        "topicName": job.type,
        "businessKey": job.business_key,
    }


def retries(claimed: ClaimedJob) -> int | None:
    """Camunda's ``retries``: null until a failure was reported (the worker then decides), else what is left."""
    job = claimed.job
    if job.state == "incident":
        return 0
    return job.retries_left if job.last_error is not None else None


def locked_task(claimed: ClaimedJob, variables: dict[str, Any]) -> dict[str, Any]:
    """A task as fetchAndLock returns it, with the variables the worker asked for."""
    job = claimed.job
    return {
        **external_task(claimed, 0.0),
        "errorDetails": job.error_details,
        "workerId": job.lock_owner,
        "lockExpirationTime": format_timestamp(job.lock_expires_at),
        "variables": variables,
        "extensionProperties": dict(job.headers),
    }


def task(row: dict[str, Any]) -> dict[str, Any]:
    """An open user task as Camunda's TaskDto (a called child's task is of the child's definition).

    steadyflow keeps no owner, delegation, due or follow-up date, description or priority for a
    task: those are Camunda's defaults. ``lastUpdated`` is when it was last claimed.
    """
    return {
        "id": row["task_id"],
        "name": row["name"],
        "assignee": row["assignee"],
        "owner": None,
        "created": format_timestamp(row["created_at"]),
        "due": None,
        "followUp": None,
        "lastUpdated": format_timestamp(row["claimed_at"]),
        "delegationState": None,
        "description": None,
        "executionId": row["task_id"],
        "parentTaskId": None,
        "priority": 50,
        "processDefinitionId": row["element_definition_id"],
        "processInstanceId": row["instance_id"],
        "caseExecutionId": None,
        "caseDefinitionId": None,
        "caseInstanceId": None,
        "taskDefinitionKey": row["element_id"],
        "suspended": False,
        "formKey": None,
        "camundaFormRef": None,
        "tenantId": None,
        "taskState": "Created",
    }
