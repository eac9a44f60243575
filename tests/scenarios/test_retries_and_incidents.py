"""Transient failures, backoff, incidents, retry after a fix, BPMN errors to boundary events."""

from __future__ import annotations

from typing import Any

from engine.engine import Engine
from engine.handlers import BpmnError, JobContext, NonRetryableError, RetryLater
from tests.conftest import deploy, run_jobs


class FlakyRegion:
    """Fails ``failures`` times, then creates nothing but answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts: list[int] = []

    def __call__(self, job: JobContext) -> dict[str, Any]:
        self.attempts.append(job.attempt)
        if len(self.attempts) <= self.failures:
            raise ConnectionError(f"region {job.variables['region']} unavailable")
        return {"regionDatabase": {"region": job.variables["region"]}}


def noop(job: JobContext) -> dict[str, Any]:
    return {}


def test_transient_failures_are_retried_with_attempt_numbers(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "db", "regions": ["eu"]})
    flaky = FlakyRegion(failures=2)

    run_jobs(engine, {"create-database": flaky, "create-replication": noop})

    assert engine.instance(instance.id).state == "completed"
    assert flaky.attempts == [1, 2, 3]
    failed = [e for e in engine.view(instance.id).history if e["type"] == "JobFailed"]
    assert [e["data"]["attempt"] for e in failed] == [1, 2]
    assert [e["data"]["retries_left"] for e in failed] == [2, 1]
    assert all(e["data"]["next_attempt_at"] > e["at"] for e in failed)
    assert "ConnectionError: region eu unavailable" in failed[0]["data"]["error"]


def test_exhausted_retries_raise_an_incident_and_retry_completes_after_fix(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "db", "regions": ["eu", "us"]})
    broken = FlakyRegion(failures=99)

    run_jobs(
        engine,
        {
            "create-database": lambda job: broken(job) if job.variables["region"] == "us" else {"regionDatabase": {}},
            "create-replication": noop,
        },
    )

    after_failures = engine.instance(instance.id)
    assert after_failures.state == "running"
    assert after_failures.open_incidents == 1
    (incident,) = engine.incidents(instance.id)
    assert incident.element_id == "Activity_CreateDatabase"
    assert "region us unavailable" in incident.message
    assert len(broken.attempts) == 3  # zeebe retries="3"

    broken.failures = 0  # the operator fixed the region
    engine.retry(instance.id)
    run_jobs(engine, {"create-database": broken, "create-replication": noop})

    assert engine.instance(instance.id).state == "completed"
    assert engine.instance(instance.id).open_incidents == 0
    types = [e["type"] for e in engine.view(instance.id).history]
    assert types.index("IncidentRaised") < types.index("IncidentResolved") < types.index("InstanceCompleted")


def test_non_retryable_failure_raises_an_incident_at_once(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "db", "regions": ["eu"]})
    calls: list[int] = []

    def refuse(job: JobContext) -> dict[str, Any]:
        calls.append(job.attempt)
        raise NonRetryableError("region name is not allowed")

    run_jobs(engine, {"create-database": refuse})

    assert calls == [1]
    assert engine.instance(instance.id).open_incidents == 1


def test_retry_later_does_not_use_a_retry(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "db", "regions": ["eu"]})
    polls: list[int] = []

    def slow_creation(job: JobContext) -> dict[str, Any]:
        polls.append(job.retries_left)
        if len(polls) < 5:
            raise RetryLater(0.01, "still creating")
        return {"regionDatabase": {"region": "eu"}}

    run_jobs(engine, {"create-database": slow_creation, "create-replication": noop})

    assert engine.instance(instance.id).state == "completed"
    assert polls == [3, 3, 3, 3, 3]
    assert [e["type"] for e in engine.view(instance.id).history].count("JobPostponed") == 4


def test_bpmn_error_reaches_the_error_boundary_event(engine: Engine) -> None:
    deploy(engine, "error-boundary.bpmn")
    instance = engine.start("error-boundary", {"card": "4000"})
    notified: list[dict[str, Any]] = []

    def decline(job: JobContext) -> dict[str, Any]:
        raise BpmnError("CARD_DECLINED", "insufficient funds", {"reason": "funds"})

    def notify(job: JobContext) -> dict[str, Any]:
        notified.append(dict(job.variables))
        return {}

    run_jobs(engine, {"charge": decline, "notify": notify})

    view = engine.view(instance.id)
    assert view.instance["state"] == "completed"
    completed = [a.element_id for a in view.activities if a.state == "COMPLETED"]
    assert "NotPaid" in completed and "Paid" not in completed
    assert notified[0]["reason"] == "funds"
    assert notified[0]["errorCode"] == "CARD_DECLINED"


def test_uncaught_bpmn_error_raises_an_incident(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "db", "regions": ["eu"]})

    def fail(job: JobContext) -> dict[str, Any]:
        raise BpmnError("NO_SUCH_REGION")

    run_jobs(engine, {"create-database": fail})

    (incident,) = engine.incidents(instance.id)
    assert "NO_SUCH_REGION" in incident.message
    assert incident.type == "unhandledError"


def test_bpmn_error_of_one_instance_is_caught_by_the_boundary_of_its_multi_instance_activity(engine: Engine) -> None:
    """Camunda: an error boundary on a multi-instance activity catches what any instance throws, ending them all."""
    deploy(engine, "engine/regions-with-abort.bpmn")
    instance = engine.start("regions-with-abort", {"regions": ["eu", "us", "ap"]})

    def create(job: JobContext) -> dict[str, Any]:
        if job.variables["region"] == "us":
            raise BpmnError("FATAL", "quota exhausted")
        return {}

    run_jobs(engine, {"create": create, "cleanup": noop, "replicate": noop}, concurrency=1)

    assert engine.instance(instance.id).state == "completed"
    assert engine.instance(instance.id).open_incidents == 0
    types = [(e["type"], e["element_id"]) for e in engine.view(instance.id).history]
    assert ("ActivityCompleted", "End_Aborted") in types
    assert ("ActivityActivated", "Activity_Replicate") not in types
