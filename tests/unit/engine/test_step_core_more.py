"""The step core without a database, continued: postpone, set variables, and a fan-out's step size."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import instance_triggers, job_triggers
from engine.intents import BlobWrite, HistoryRow, JobCreate, JobUpdate, TaskRowUpsert, of_type
from steadyflow.errors import ConflictError
from tests.unit.engine.test_step_core import Core, instance_update, types

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "database-creation-c8.bpmn"


def fan_out(regions: int) -> Core:
    return Core("database-creation-c8", {"regions": [f"r{i}" for i in range(regions)]}, EXAMPLE)


def test_postpone_moves_the_job_due_time_and_releases_its_lock_without_advancing() -> None:
    core = Core("error-boundary")
    charge = core.job("charge")

    _, intents = core.step(job_triggers.postpone(charge.id, 30.0, "w1", "busy"), now=2000.0)

    (update,) = of_type(intents, JobUpdate)
    assert update.job_id == charge.id
    assert update.values == {"due_at": 2030.0, "lock_owner": None, "lock_expires_at": None}
    assert types(intents) == ["JobPostponed"]
    (row,) = of_type(intents, HistoryRow)
    assert (row.event.job_id, row.event.data["next_attempt_at"], row.event.data["message"]) == (
        charge.id,
        2030.0,
        "busy",
    )
    assert not of_type(intents, TaskRowUpsert), "a postponed job changes no task"


def test_a_negative_postpone_is_due_now() -> None:
    core = Core("error-boundary")

    _, intents = core.step(job_triggers.postpone(core.job("charge").id, -5.0, "w1", None), now=2000.0)

    assert of_type(intents, JobUpdate)[0].values["due_at"] == 2000.0


def test_set_variables_records_the_change_and_writes_the_new_value_once() -> None:
    core = Core("error-boundary")

    _, intents = core.step(instance_triggers.set_variables({"note": "call back", "amount": 12}))

    assert types(intents) == ["VariablesChanged"]
    (row,) = of_type(intents, HistoryRow)
    assert row.event.data["variables"] == ["amount", "note"]
    blobs = {b.text for b in of_type(intents, BlobWrite)}
    assert '"call back"' in blobs and "12" in blobs
    assert instance_update(intents).values["state"] == "running"


def test_set_variables_on_an_ended_instance_is_a_conflict_naming_it() -> None:
    core = Core("error-boundary")
    core.step(instance_triggers.cancel(None))

    with pytest.raises(ConflictError, match="instance instance-1 is cancelled"):
        core.step(instance_triggers.set_variables({"note": "late"}))


def test_a_multi_instance_start_creates_one_job_per_item() -> None:
    core = fan_out(7)

    jobs = of_type(core.start_intents, JobCreate)
    assert [j.row["type"] for j in jobs] == ["create-database"] * 7
    assert len({j.row["task_id"] for j in jobs}) == 7


def test_a_fan_out_step_writes_as_many_task_rows_at_any_width() -> None:
    """Completing one item's job rewrites the rows that item changed, not the instance's."""
    written: dict[int, list[int]] = {}
    for regions in (5, 60):
        core = fan_out(regions)
        counts = []
        for job in sorted(core.reads.jobs.values(), key=lambda j: j.id)[: regions - 1]:
            _, intents = core.step(job_triggers.complete(job.id, {"regionDatabase": job.id}, "w1"))
            counts.append(len(of_type(intents, TaskRowUpsert)))
        written[regions] = counts
    assert max(written[60]) == max(written[5]) and max(written[5]) <= 3


def test_the_last_item_of_a_fan_out_joins_and_creates_the_next_job() -> None:
    core = fan_out(3)
    for job in list(core.reads.jobs.values()):
        _, intents = core.step(job_triggers.complete(job.id, {"regionDatabase": job.id}, "w1"))

    assert [j.row["type"] for j in of_type(intents, JobCreate)] == ["create-replication"]
