"""Recorded steps keep each task row as an array of its fields; time travel reads those and older objects alike."""

from __future__ import annotations

import json
from dataclasses import asdict, astuple, fields

from engine.step_records import UPSERT_FIELDS
from engine.store.history_states import StepStateRecord
from engine.store.records import TaskRow
from engine.time_travel import fold_steps


def _row(task_id: str, state: int) -> TaskRow:
    return TaskRow(
        id=task_id,
        workflow_id="",
        parent_id=None,
        spec_name="Activity_Create",
        element_id="Activity_Create",
        state=state,
        last_state_change=1764780000.25,
        triggered=False,
        seq=3,
        internal="{}",
        data='{"region":"h1"}',
        depth=2,
        kind="job",
    )


def _record(version: int, upserts: list[object], deletes: list[str]) -> StepStateRecord:
    return StepStateRecord("i", version, "d", 0.0, "running", 1, 1, json.dumps(upserts), json.dumps(deletes), None)


def test_the_recorded_field_order_is_task_row_s_own() -> None:
    assert tuple(f.name for f in fields(TaskRow)) == UPSERT_FIELDS


def test_steps_recorded_as_arrays_and_as_objects_fold_to_the_same_rows() -> None:
    first, second, gone = _row("a", 16), _row("a", 64), _row("b", 16)
    as_objects = [_record(1, [asdict(first), asdict(gone)], []), _record(2, [asdict(second)], ["b"])]
    as_arrays = [
        _record(1, [list(astuple(first)), list(astuple(gone))], []),
        _record(2, [list(astuple(second))], ["b"]),
    ]
    mixed = [as_objects[0], as_arrays[1]]

    folded = [fold_steps(records, "i").rows for records in (as_objects, as_arrays, mixed)]

    assert folded == [[second]] * 3
