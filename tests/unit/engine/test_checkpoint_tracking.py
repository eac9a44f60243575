"""The checkpoint of a step compares only the tasks the step touched, and writes what the full comparison writes.

``tests/conftest.py`` sets ``STEADYFLOW_VERIFY_TASK_INDEX=1``, so every capture here (and in the whole
suite) is also checked against comparing every task; these tests pin what is compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from engine.spiff.checkpoint import capture
from engine.spiff.codec import decode_value, encode_value
from engine.spiff.restore import build_frame, restore
from engine.spiff.runtime import complete_job_task, run_engine
from tests.unit.engine.test_step_core import Core

MI = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">'
    '<bpmn:process id="wide" isExecutable="true"><bpmn:startEvent id="start" />'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />'
    '<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="work" />'
    "</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
    '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results" '
    'outputElement="=item * 2" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>'
    "</bpmn:serviceTask>"
    '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" /><bpmn:endEvent id="end" />'
    "</bpmn:process></bpmn:definitions>"
)
WIDTH = 300


def wide_instance(tmp_path: Path) -> Core:
    path = tmp_path / "wide.bpmn"
    path.write_text(MI)
    return Core("wide", {"items": list(range(WIDTH))}, path=path)


def started_inner_tasks(core: Core) -> list[Any]:
    return [t for t in core.live.workflow.get_tasks(state=TaskState.STARTED) if t.task_spec.name.endswith("[child]")]


def test_the_first_checkpoint_of_a_new_instance_compares_every_task(tmp_path: Path) -> None:
    core = wide_instance(tmp_path)

    assert len(started_inner_tasks(core)) == WIDTH
    assert core.live.persisted.tracked is not None, "after a step the next one compares touched tasks only"


def test_completing_one_of_three_hundred_instances_compares_a_handful_of_tasks(tmp_path: Path) -> None:
    core = wide_instance(tmp_path)
    workflow = core.live.workflow
    inner = started_inner_tasks(core)[17]

    complete_job_task(inner, {})
    run_engine(workflow)
    checkpoint = capture(workflow, core.live.persisted, build_frame)

    assert checkpoint.compared <= 5
    written = {row.id: row for row in checkpoint.upserts}
    assert str(inner.id) in written and written[str(inner.id)].state == TaskState.COMPLETED
    assert not checkpoint.deletes


def test_an_instance_shares_the_collection_blob_of_its_activity_without_encoding_it_again(tmp_path: Path) -> None:
    core = wide_instance(tmp_path)
    workflow = core.live.workflow
    inner = started_inner_tasks(core)[3]
    body = core.live.persisted.by_uuid[inner._parent]

    complete_job_task(inner, {})
    run_engine(workflow)
    checkpoint = capture(workflow, core.live.persisted, build_frame)

    row = next(r for r in checkpoint.upserts if r.id == str(inner.id))
    assert json.loads(row.data)["items"] == body.data["items"].hash
    assert encode_value(list(range(WIDTH))) not in checkpoint.blobs.values()


def test_a_value_written_into_a_waiting_task_without_a_state_change_is_written(tmp_path: Path) -> None:
    core = wide_instance(tmp_path)
    workflow = core.live.workflow
    inner = started_inner_tasks(core)[250]

    inner.data["note"] = "operator says hi"  # no state change: only the tracked read tells
    checkpoint = capture(workflow, core.live.persisted, build_frame)

    (row,) = [r for r in checkpoint.upserts if r.id == str(inner.id)]
    assert row.state == TaskState.STARTED
    assert decode_value(checkpoint.blobs[json.loads(row.data)["note"]]) == "operator says hi"


def test_a_removed_task_is_deleted_and_a_second_capture_writes_nothing(tmp_path: Path) -> None:
    core = wide_instance(tmp_path)
    workflow = core.live.workflow
    inner = started_inner_tasks(core)[5]
    parent = inner.parent

    parent._children.remove(inner.id)
    workflow.tasks.pop(inner.id)
    checkpoint = capture(workflow, core.live.persisted, build_frame)
    again = capture(workflow, checkpoint.after, build_frame)

    assert checkpoint.deletes == [str(inner.id)]
    assert str(inner.id) not in checkpoint.after.tasks
    assert (again.upserts, again.deletes, again.compared) == ([], [], 1)  # the body's dict-valued state


def test_a_restored_instance_tracks_from_its_rows_and_a_replaced_workflow_is_compared_whole(tmp_path: Path) -> None:
    core = wide_instance(tmp_path)
    persisted = core.live.persisted
    texts = {ref.hash: encode_value(ref.value) for m in persisted.tasks.values() for ref in (*m.data.values(),)}
    texts |= {ref.hash: encode_value(ref.value) for m in persisted.tasks.values() for ref in m.internal.values()}
    texts |= {ref.hash: encode_value(ref.value) for scope in persisted.workflow_data.values() for ref in scope.values()}
    spec = core.live.workflow.spec
    rows = [m.row for m in persisted.tasks.values()]

    workflow, restored = restore(
        spec,
        core.live.workflow.subprocess_specs,
        persisted.frame,
        rows,
        texts.__getitem__,
        script_engine=core.live.workflow.script_engine,
    )
    untouched = capture(workflow, restored, build_frame)
    replaced = capture(workflow, core.live.persisted, build_frame)

    assert (untouched.upserts, untouched.deletes, untouched.compared) == ([], [], 1)
    assert replaced.compared == len(rows), "another workflow object than the memory's: every task is compared"
    assert workflow.get_task_from_id(UUID(rows[0].id)) is not None
