"""StepWrites: the rows of several steps, written with one statement per table, compare-and-set on versions."""

from __future__ import annotations

import pytest

from engine.engine import Engine
from engine.step_writes import StepWrites
from steadyflow.errors import ConcurrentStepError
from tests.conftest import deploy

STEP = {"state": "running", "updated_at": 1.0, "ended_at": None, "open_incidents": 0}


def _started(engine: Engine) -> tuple[str, int, int]:
    deploy(engine, "database-creation-c8.bpmn")
    instance = engine.start("database-creation-c8", {"database": "orders", "regions": ["eu"]})
    record = engine.instance(instance.id)
    return instance.id, record.version, record.event_seq


def test_two_steps_of_one_instance_make_one_update_checked_against_the_first_version(engine: Engine) -> None:
    instance_id, version, seq = _started(engine)
    writes = StepWrites()
    writes.update_instance(instance_id, version, {**STEP, "version": version + 1, "event_seq": seq})
    later = StepWrites()
    later.update_instance(instance_id, version + 1, {**STEP, "version": version + 2, "event_seq": seq, "state": "x"})
    writes.absorb(later)

    with engine.db.write() as conn:
        writes.flush(engine.store, conn)

    assert (engine.instance(instance_id).version, engine.instance(instance_id).state) == (version + 2, "x")


def test_a_version_that_moved_on_refuses_the_whole_flush(engine: Engine) -> None:
    instance_id, version, seq = _started(engine)
    writes = StepWrites()
    writes.events.append(
        {
            "instance_id": instance_id,
            "seq": seq + 1,
            "type": "Noted",
            "element_id": None,
            "task_id": None,
            "job_id": None,
            "at": 1.0,
            "data": None,
        }
    )
    writes.update_instance(instance_id, version - 1, {**STEP, "version": version, "event_seq": seq + 1})

    with pytest.raises(ConcurrentStepError), engine.db.write() as conn:
        writes.flush(engine.store, conn)

    assert engine.instance(instance_id).version == version
    assert [e["seq"] for e in engine.view(instance_id).history][-1] == seq, "the event must not have been kept"


def test_a_later_row_of_the_same_task_replaces_the_earlier_one() -> None:
    first, second = StepWrites(), StepWrites()
    first.task_upserts[("i", "t")] = {"id": "t", "state": 16}
    second.task_upserts[("i", "t")] = {"id": "t", "state": 64}
    first.absorb(second)
    assert list(first.task_upserts.values()) == [{"id": "t", "state": 64}]
    assert not StepWrites() and first
