"""Embedded and event subprocesses, escalation and error boundary events on subprocesses."""

from __future__ import annotations

from typing import Any

from engine.engine import Engine
from engine.handlers import BpmnError, JobContext
from tests.conftest import deploy, run_jobs


def states(engine: Engine, instance_id: str) -> dict[str, str]:
    return {a.element_id: a.state for a in engine.view(instance_id).activities}


def test_embedded_subprocess_runs_its_job_and_completes(engine: Engine) -> None:
    deploy(engine, "subprocess-escalation.bpmn")
    instance = engine.start("subprocess-escalation", {"late": False})

    run_jobs(engine, {"inner": lambda job: {"inner_done": True}})

    assert engine.instance(instance.id).state == "completed"
    assert states(engine, instance.id)["EndEvent_1"] == "COMPLETED"
    assert engine.view(instance.id).variables["inner_done"] is True


def test_non_interrupting_escalation_notifies_and_the_subprocess_goes_on(engine: Engine) -> None:
    deploy(engine, "subprocess-escalation.bpmn")
    instance = engine.start("subprocess-escalation", {"late": True})
    notified: list[str] = []

    run_jobs(engine, {"inner": lambda job: {}, "notify": lambda job: notified.append(job.element_id) or {}})

    result = states(engine, instance.id)
    assert notified == ["Notify"]
    assert result["NotifiedEnd"] == "COMPLETED" and result["EndEvent_1"] == "COMPLETED"


def test_bpmn_error_inside_a_subprocess_reaches_the_subprocess_boundary(engine: Engine) -> None:
    deploy(engine, "subprocess-escalation.bpmn")
    instance = engine.start("subprocess-escalation", {"late": False})

    def broken(job: JobContext) -> dict[str, Any]:
        raise BpmnError("BROKEN", "inner part broke")

    run_jobs(engine, {"inner": broken})

    result = states(engine, instance.id)
    assert engine.instance(instance.id).state == "completed"
    assert result["FailedEnd"] == "COMPLETED" and "EndEvent_1" not in result


def test_error_event_subprocess_handles_an_uncaught_job_error(engine: Engine) -> None:
    deploy(engine, "error-event-subprocess.bpmn")
    instance = engine.start("error-event-subprocess")
    cleaned: list[str] = []

    def risky(job: JobContext) -> dict[str, Any]:
        raise BpmnError("FAILED", "could not do it")

    run_jobs(engine, {"risky": risky, "cleanup": lambda job: cleaned.append(job.element_id) or {}})

    assert cleaned == ["Cleanup"]
    assert engine.instance(instance.id).state == "completed"
