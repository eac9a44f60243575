"""The step core without a database: each trigger kind, and the intents the step returns."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bpmn.parser import parse_model
from bpmn.script_engine import ExpressionEngine
from engine import instance_triggers, job_triggers
from engine.instance_cache import LiveInstance
from engine.intents import (
    HistoryRow,
    IncidentOpen,
    IncidentResolve,
    InstanceUpdate,
    Intent,
    JobCreate,
    JobsOfTaskDelete,
    JobUpdate,
    MessageRecord,
    SubscriptionsReplace,
    TimerUpsert,
    of_type,
)
from engine.message_once import AlreadyCorrelated, MessageOnce
from engine.retry_policy import RetryPolicy
from engine.spiff.checkpoint import Persisted
from engine.spiff.restore import new_workflow
from engine.step_core import StepContext, finish_step
from engine.step_reads import MemoryReads, job_record
from engine.store.records import IncidentRecord, InstanceRecord, JobRecord

DATA = Path(__file__).resolve().parents[2] / "data"
POLICY = RetryPolicy(initial_interval_s=10.0, backoff_coefficient=2.0, maximum_interval_s=60.0)


class Core:
    """One instance driven step by step; the test plays the store, applying intents to plain data."""

    def __init__(self, file: str, variables: dict[str, Any] | None = None, path: Path | None = None) -> None:
        path = path or DATA / f"{file}.bpmn"
        model = parse_model(path.read_bytes(), path.name).processes[file]
        self.live = LiveInstance(
            new_workflow(model.spec, model.subprocess_specs, script_engine=ExpressionEngine()), Persisted(), 0
        )
        self.instance = InstanceRecord("instance-1", "definition-1", file, None, "running", 0, 0, 0, "", 0.0, 0.0, None)
        self.reads = MemoryReads()
        self.known: set[str] = set()
        self.start_intents = self.step(instance_triggers.start("definition-1", variables or {}, None, None))[1]

    def step(self, trigger: Callable[[StepContext], Any], now: float = 1000.0) -> tuple[Any, list[Intent]]:
        ctx = StepContext(self.reads, self.instance, self.live, now)
        result = trigger(ctx)
        intents = finish_step(ctx, POLICY, self.known)
        assert ctx.after is not None
        self.instance = ctx.after
        self._apply(intents)
        return result, intents

    def _apply(self, intents: list[Intent]) -> None:
        jobs, incidents = self.reads.jobs, self.reads.incidents
        for intent in intents:
            if isinstance(intent, JobCreate):
                jobs[intent.job_id] = job_record(intent.row)
            elif isinstance(intent, JobUpdate):
                jobs[intent.job_id] = replace(jobs[intent.job_id], **intent.values)
            elif isinstance(intent, JobsOfTaskDelete):
                for job_id in [j.id for j in jobs.values() if j.task_id == intent.task_id]:
                    del jobs[job_id]
            elif isinstance(intent, IncidentOpen):
                incidents.append(IncidentRecord(**intent.row))
            elif isinstance(intent, IncidentResolve):
                incidents[:] = [replace(i, state="resolved") if i.id == intent.incident_id else i for i in incidents]

    def job(self, job_type: str) -> JobRecord:
        (found,) = [j for j in self.reads.jobs.values() if j.type == job_type]
        return found


def types(intents: list[Intent]) -> list[str]:
    return [row.event.type for row in of_type(intents, HistoryRow)]


def instance_update(intents: list[Intent]) -> InstanceUpdate:
    (update,) = of_type(intents, InstanceUpdate)
    return update


def test_start_creates_the_first_job_and_numbers_its_history_from_one() -> None:
    core = Core("error-boundary")

    (job,) = of_type(core.start_intents, JobCreate)
    assert (job.row["type"], job.row["retries_left"], job.row["state"]) == ("charge", 3, "ready")
    rows = of_type(core.start_intents, HistoryRow)
    assert rows[0].event.type == "InstanceStarted" and types(core.start_intents)[-1] == "JobCreated"
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    update = instance_update(core.start_intents)
    assert (update.expected_version, update.values["version"], update.values["state"]) == (0, 1, "running")
    assert update.values["event_seq"] == len(rows)


def test_a_completed_job_ends_its_task_and_completes_the_instance() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")

    _, intents = core.step(job_triggers.complete(charge.id, {"paid": True}, "w1"))

    assert JobsOfTaskDelete("instance-1", charge.task_id) in of_type(intents, JobsOfTaskDelete)
    assert not of_type(intents, JobCreate)
    assert "JobCancelled" not in types(intents), "the finished job is completed, not cancelled"
    assert types(intents)[0] == "JobCompleted" and types(intents)[-1] == "InstanceCompleted"
    assert instance_update(intents).values["state"] == "completed"
    assert instance_update(intents).expected_version == 1


def test_a_failed_job_with_retries_left_is_rescheduled_without_an_incident() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")

    returned, intents = core.step(
        job_triggers.fail(charge.id, "card reader offline", None, "w1", None, None, None, True)
    )

    (update,) = of_type(intents, JobUpdate)
    assert update.job_id == charge.id
    assert update.values["retries_left"] == 2 and update.values["due_at"] > 1000.0
    assert update.values["lock_owner"] is None and update.values["last_error"] == "card reader offline"
    assert returned.retries_left == 2
    assert not of_type(intents, IncidentOpen) and types(intents) == ["JobFailed"]
    assert instance_update(intents).values["open_incidents"] == 0


def test_a_failed_job_with_no_retry_left_opens_one_incident() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")

    _, intents = core.step(job_triggers.fail(charge.id, "card expired", None, "w1", None, None, None, False))

    (incident,) = of_type(intents, IncidentOpen)
    assert (incident.row["job_id"], incident.row["type"], incident.row["message"]) == (
        charge.id,
        "failedJob",
        "card expired",
    )
    (update,) = of_type(intents, JobUpdate)
    assert (update.values["state"], update.values["retries_left"]) == ("incident", 0)
    assert types(intents) == ["IncidentRaised", "JobFailed"]
    assert instance_update(intents).values["open_incidents"] == 1


def test_retry_resolves_the_incident_and_makes_the_job_ready_again() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")
    core.step(job_triggers.fail(charge.id, "card expired", None, "w1", None, None, None, False))

    count, intents = core.step(instance_triggers.retry(2))

    assert count == 1
    (update,) = of_type(intents, JobUpdate)
    assert (update.job_id, update.values["state"], update.values["retries_left"]) == (charge.id, "ready", 2)
    assert len(of_type(intents, IncidentResolve)) == 1 and types(intents) == ["IncidentResolved"]
    assert instance_update(intents).values["open_incidents"] == 0


def test_a_caught_bpmn_error_leaves_by_the_boundary_event() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")

    caught, intents = core.step(job_triggers.throw_error(charge.id, "CARD_DECLINED", "declined", {}, "w1"))

    assert caught is True
    assert JobsOfTaskDelete("instance-1", charge.task_id) in of_type(intents, JobsOfTaskDelete)
    assert [j.row["type"] for j in of_type(intents, JobCreate)] == ["notify"]
    assert types(intents)[0] == "JobErrorThrown" and not of_type(intents, IncidentOpen)


def test_an_uncaught_bpmn_error_opens_an_incident() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")

    caught, intents = core.step(job_triggers.throw_error(charge.id, "NO_SUCH_CODE", "", {}, "w1"))

    assert caught is False
    (incident,) = of_type(intents, IncidentOpen)
    assert incident.row["type"] == "unhandledError" and "NO_SUCH_CODE" in incident.row["message"]
    assert not of_type(intents, JobCreate)


def test_a_due_timer_fires_and_the_next_task_gets_its_job() -> None:
    core = Core("intermediate-timer", {"wait": "PT0.05S"})
    (timer,) = of_type(core.start_intents, TimerUpsert)
    time.sleep(max(0.0, timer.due_at - time.time() + 0.01))  # the timer is due by the wall clock

    _, intents = core.step(instance_triggers.fire_timer(timer.task_id))

    assert "TimerFired" in types(intents)
    assert [j.row["type"] for j in of_type(intents, JobCreate)] == ["after"]


def test_a_correlated_message_records_its_id_with_the_delivery() -> None:
    core = Core("message-catch-c8", {"orderId": "o-7"})
    (subscription,) = [s for s in of_type(core.start_intents, SubscriptionsReplace) if s.rows]
    (row,) = subscription.rows
    assert (row["name"], row["correlation_key"]) == ("payment-received", "o-7")
    once = MessageOnce("message-1", "payment-received")

    caught, intents = core.step(instance_triggers.deliver_event(row, "message", "payment-received", {}, once))

    assert caught is True
    (record,) = of_type(intents, MessageRecord)
    assert (record.message_id, record.first) == ("message-1", True)
    assert json.loads(record.result) == [
        {"instance_id": "instance-1", "element_id": row["element_id"], "started": False}
    ]
    assert SubscriptionsReplace(row["task_id"], ()) in of_type(intents, SubscriptionsReplace)
    assert "MessageCorrelated" in types(intents) and instance_update(intents).values["state"] == "completed"


def test_a_message_id_correlated_before_is_not_delivered_again() -> None:
    core = Core("message-catch-c8", {"orderId": "o-7"})
    (subscription,) = [s for s in of_type(core.start_intents, SubscriptionsReplace) if s.rows]
    core.reads.messages["message-1"] = json.dumps([{"instance_id": "elsewhere", "element_id": None, "started": True}])
    trigger = instance_triggers.deliver_event(
        subscription.rows[0], "message", "payment-received", {}, MessageOnce("message-1", "payment-received")
    )

    with pytest.raises(AlreadyCorrelated) as raised:
        core.step(trigger)

    assert raised.value.results == [{"instance_id": "elsewhere", "element_id": None, "started": True}]


def test_a_completed_user_task_finishes_the_instance() -> None:
    core = Core("user-task")
    assert not of_type(core.start_intents, JobCreate)
    (task,) = [
        t for t in core.live.workflow.get_tasks() if getattr(t.task_spec, "bpmn_id", None) == "Review" and t.state == 16
    ]

    _, intents = core.step(instance_triggers.complete_user_task(str(task.id), {"approved": True}))

    assert types(intents)[0] == "UserTaskCompleted" and types(intents)[-1] == "InstanceCompleted"


def test_cancel_cancels_open_jobs_and_resolves_incidents_silently() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")

    _, intents = core.step(instance_triggers.cancel("customer left"))

    assert JobsOfTaskDelete("instance-1", charge.task_id) in of_type(intents, JobsOfTaskDelete)
    cancelled = [r.event.job_id for r in of_type(intents, HistoryRow) if r.event.type == "JobCancelled"]
    assert cancelled == [charge.id]
    assert types(intents)[0] == "InstanceCancelled", "the trigger's own event comes first"
    values = instance_update(intents).values
    assert (values["state"], values["ended_at"]) == ("cancelled", 1000.0)
