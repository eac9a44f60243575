"""Only the worker holding a job may report it over /v2: leases (``withLease``/``jobLeaseToken``) fence
superseded activations, and jobs other kinds of workers hold are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from engine.engine import Engine
from tests.integration.conftest import bpmn_file
from webui.camunda8.context import EXTENSION

Call = Callable[..., TestResponse]


def activate(as_role: Call, worker: str, **extra: Any) -> list[dict[str, Any]]:
    body = {"type": "charge", "worker": worker, "timeout": 60_000, "maxJobsToActivate": 5, "requestTimeout": -1}
    response = as_role("operator", "post", "/v2/jobs/activation", json=body | extra)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["jobs"])


def report(as_role: Call, job_key: str, action: str, **body: Any) -> TestResponse:
    extra = {"errorCode": "CARD_DECLINED"} if action == "error" else {}
    return as_role("operator", "post", f"/v2/jobs/{job_key}/{action}", json=extra | body)


def started(engine: Engine) -> str:
    engine.deploy([bpmn_file("error-boundary.bpmn")])
    return engine.start("error-boundary", {"mode": "lease"}).id


def test_a_leased_job_is_reported_only_with_its_lease_token(as_role: Call, engine: Engine) -> None:
    instance_id = started(engine)
    (job,) = activate(as_role, "w1", withLease=True)
    token = job["jobLeaseToken"]
    assert token and job["worker"] == "w1"
    forged = token[:-1] + ("1" if token.endswith("0") else "0")
    for action in ("completion", "failure", "error"):
        missing = report(as_role, job["jobKey"], action)
        assert missing.status_code == 409 and "jobLeaseToken" in missing.get_json()["detail"]
        wrong = report(as_role, job["jobKey"], action, jobLeaseToken=forged)
        assert wrong.status_code == 409 and "superseded" in wrong.get_json()["detail"]
    assert engine.instance(instance_id).state == "running"
    assert report(as_role, job["jobKey"], "completion", jobLeaseToken=token).status_code == 204


def test_a_superseded_lease_is_refused_and_the_new_holder_reports(as_role: Call, engine: Engine) -> None:
    started(engine)
    (first,) = activate(as_role, "w1", withLease=True)
    (job,) = engine.store_jobs()
    engine.release_locks(str(job.lock_owner), [job.id])  # as if w1's activation had timed out
    (second,) = activate(as_role, "w2", withLease=True)
    assert second["jobKey"] == first["jobKey"] and second["jobLeaseToken"] != first["jobLeaseToken"]

    stale = report(as_role, first["jobKey"], "completion", jobLeaseToken=first["jobLeaseToken"])
    assert stale.status_code == 409 and "superseded" in stale.get_json()["detail"]
    assert report(as_role, second["jobKey"], "completion", jobLeaseToken=second["jobLeaseToken"]).status_code == 204


def test_a_token_for_a_job_now_held_without_a_lease_is_stale(as_role: Call, engine: Engine) -> None:
    started(engine)
    (leased,) = activate(as_role, "w1", withLease=True)
    (job,) = engine.store_jobs()
    engine.release_locks(str(job.lock_owner), [job.id])
    (plain,) = activate(as_role, "w2")
    assert "jobLeaseToken" not in plain
    stale = report(as_role, leased["jobKey"], "completion", jobLeaseToken=leased["jobLeaseToken"])
    assert stale.status_code == 409
    assert report(as_role, plain["jobKey"], "completion").status_code == 204


def test_a_job_a_camunda_7_client_or_handler_holds_is_not_reported_over_v2(
    app: Flask, as_role: Call, engine: Engine
) -> None:
    instance_id = started(engine)
    fetch = {"workerId": "c7-worker", "maxTasks": 1, "topics": [{"topicName": "charge", "lockDuration": 60_000}]}
    (task,) = as_role("operator", "post", "/engine-rest/external-task/fetchAndLock", json=fetch).get_json()
    job_key = str(app.extensions[EXTENSION].keys.key("job", task["id"]))
    for action in ("completion", "failure", "error"):
        refused = report(as_role, job_key, action)
        assert refused.status_code == 409 and "did not activate it through /v2" in refused.get_json()["detail"]
    (job,) = engine.store_jobs(instance_id=instance_id)
    assert job.lock_owner == "c7-worker" and engine.instance(instance_id).state == "running"
