"""The one writer: intents of several steps folded per row, written with one statement per table."""

from __future__ import annotations

import pytest

from engine.engine import Engine
from engine.intents import (
    HistoryEvent,
    HistoryRow,
    IncidentOpen,
    IncidentResolve,
    InstanceUpdate,
    JobCreate,
    JobsOfTaskDelete,
    JobUpdate,
    TimerDelete,
    TimerUpsert,
)
from engine.step_reads import MemoryReads
from engine.writer import PendingWrites
from steadyflow.errors import ConcurrentStepError
from tests.conftest import deploy

STEP = {"state": "running", "updated_at": 1.0, "ended_at": None, "open_incidents": 0}


def _job(job_id: str, task_id: str) -> dict[str, object]:
    return {
        "id": job_id,
        "instance_id": "i1",
        "task_id": task_id,
        "element_id": "Charge",
        "type": "charge",
        "state": "ready",
        "variables": "{}",
        "headers": "{}",
        "retry_policy": "{}",
        "attempt": 0,
        "retries_left": 3,
        "due_at": 1.0,
        "lock_owner": None,
        "lock_expires_at": None,
        "last_error": None,
        "error_details": None,
        "priority": 0,
        "created_at": 1.0,
    }


def _incident(incident_id: str) -> dict[str, object]:
    return {
        "id": incident_id,
        "instance_id": "i1",
        "job_id": None,
        "task_id": "t1",
        "element_id": "Charge",
        "type": "expression",
        "message": "x",
        "details": None,
        "state": "open",
        "created_at": 1.0,
        "resolved_at": None,
    }


def test_a_job_created_and_ended_in_one_batch_is_never_inserted() -> None:
    pending = PendingWrites()
    pending.add([JobCreate(_job("j1", "t1")), JobCreate(_job("j2", "t2"))])
    pending.add([JobUpdate("j2", {"retries_left": 1}), JobsOfTaskDelete("i1", "t1")])

    assert list(pending.job_inserts) == ["j2"]
    assert pending.job_inserts["j2"]["retries_left"] == 1, "a later update lands in the insert"
    assert not pending.job_updates


def test_a_later_step_reads_the_jobs_and_incidents_of_earlier_steps() -> None:
    reads = MemoryReads()
    reads.pending.add([JobCreate(_job("j1", "t1")), IncidentOpen(_incident("n1")), IncidentOpen(_incident("n2"))])
    reads.pending.add([IncidentResolve("n1", 2.0)])

    job = reads.job("j1")
    assert job is not None and job.retry_policy == {}
    assert reads.job_ids_of_tasks("i1", ["t1", "t9"]) == ["j1"]
    assert [i.id for i in reads.open_incidents("i1")] == ["n2"]
    assert reads.pending.incident_inserts["n1"]["state"] == "resolved", "opened and resolved: inserted resolved"


def test_the_last_timer_intent_of_a_task_wins() -> None:
    pending = PendingWrites()
    pending.add([TimerUpsert("i1", "t1", "Wait", 5.0), TimerDelete("t1"), TimerDelete("t2")])
    pending.add([TimerUpsert("i1", "t2", "Wait", 7.0)])

    assert pending.timers == {"t1": None, "t2": TimerUpsert("i1", "t2", "Wait", 7.0)}


def test_two_steps_of_one_instance_make_one_update_checked_against_the_first_version(engine: Engine) -> None:
    instance_id, version, seq = _started(engine)
    pending = PendingWrites()
    pending.add([InstanceUpdate(instance_id, version, {**STEP, "version": version + 1, "event_seq": seq})])
    pending.add(
        [InstanceUpdate(instance_id, version + 1, {**STEP, "version": version + 2, "event_seq": seq, "state": "x"})]
    )

    with engine.db.write() as conn:
        pending.write(engine.store, conn)

    assert (engine.instance(instance_id).version, engine.instance(instance_id).state) == (version + 2, "x")


def test_a_version_that_moved_on_refuses_the_whole_write(engine: Engine) -> None:
    instance_id, version, seq = _started(engine)
    pending = PendingWrites()
    pending.add(
        [
            HistoryRow(instance_id, seq + 1, 1.0, HistoryEvent("Noted")),
            InstanceUpdate(instance_id, version - 1, {**STEP, "version": version, "event_seq": seq + 1}),
        ]
    )

    with pytest.raises(ConcurrentStepError), engine.db.write() as conn:
        pending.write(engine.store, conn)

    assert engine.instance(instance_id).version == version
    assert [e["seq"] for e in engine.view(instance_id).history][-1] == seq, "the event must not have been kept"


def _started(engine: Engine) -> tuple[str, int, int]:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["eu"]})
    record = engine.instance(instance.id)
    return instance.id, record.version, record.event_seq
