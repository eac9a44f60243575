"""The task index answers SpiffWorkflow's task queries as its tree walk does, in the walk's order."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from bpmn.parser import parse_model
from bpmn.script_engine import ExpressionEngine
from bpmn.specs.task_index import new_task_id
from engine.spiff import verification
from engine.spiff.restore import new_workflow
from engine.spiff.workflow import TaskIndexMismatchError

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _flow(flow_id: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'


def _model(branches: int, inner: int) -> bytes:
    """A fork into user tasks and an embedded subprocess that forks into user tasks of its own."""
    parts = [
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" id="d" targetNamespace="t"><bpmn:process id="p" isExecutable="true">',
        '<bpmn:startEvent id="start" />',
        _flow("f0", "start", "fork"),
        '<bpmn:parallelGateway id="fork" /><bpmn:parallelGateway id="join" />',
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start" />',
        _flow("s0", "s_start", "s_fork"),
        '<bpmn:parallelGateway id="s_fork" /><bpmn:parallelGateway id="s_join" />',
    ]
    for i in range(inner):
        parts += [
            f'<bpmn:userTask id="s{i}" />',
            _flow(f"sa{i}", "s_fork", f"s{i}"),
            _flow(f"sb{i}", f"s{i}", "s_join"),
        ]
    parts += [_flow("s9", "s_join", "s_end"), '<bpmn:endEvent id="s_end" /></bpmn:subProcess>']
    parts += [_flow("fsa", "fork", "sub"), _flow("fsb", "sub", "join")]
    for i in range(branches):
        parts += [f'<bpmn:userTask id="u{i}" />', _flow(f"fa{i}", "fork", f"u{i}"), _flow(f"fb{i}", f"u{i}", "join")]
    parts += [_flow("fz", "join", "end"), '<bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>']
    return "".join(parts).encode()


def _running(branches: int = 6, inner: int = 4) -> Any:
    model = parse_model(_model(branches, inner), "p.bpmn").processes["p"]
    workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=ExpressionEngine())
    workflow.do_engine_steps()
    return workflow


def _walked(workflow: Any, **kwargs: Any) -> list[Any]:
    return [t.id for t in BpmnWorkflow.get_tasks(workflow, **kwargs)]


def _indexed(workflow: Any, **kwargs: Any) -> list[Any]:
    return [t.id for t in workflow.get_tasks(**kwargs)]


QUERIES: list[dict[str, Any]] = [
    {"state": TaskState.READY},
    {"state": TaskState.WAITING},
    {"state": TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR},
    {"state": TaskState.READY, "skip_subprocesses": True},
    {"spec_name": "u3"},
    {"state": TaskState.NOT_FINISHED_MASK},
]


@pytest.mark.parametrize("query", QUERIES, ids=[str(sorted(q)) for q in QUERIES])
def test_indexed_queries_equal_the_tree_walk_as_user_tasks_complete(query: dict[str, Any]) -> None:
    workflow = _running()
    ready = workflow.get_tasks(state=TaskState.READY)
    assert len(ready) == 10  # six user tasks at the top, four inside the subprocess
    for task in [*ready[::3], *ready[1::3], *ready[2::3]]:
        assert _indexed(workflow, **query) == _walked(workflow, **query)
        task.run()
        workflow.do_engine_steps()
    assert _indexed(workflow, **query) == _walked(workflow, **query)
    assert workflow.is_completed()


def test_ready_tasks_come_in_the_walks_order_subprocess_first_then_siblings() -> None:
    workflow = _running(branches=3, inner=2)
    names = [t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY)]
    assert names == [t.task_spec.name for t in BpmnWorkflow.get_tasks(workflow, state=TaskState.READY)]
    assert sorted(names) == ["s0", "s1", "u0", "u1", "u2"]


def test_a_ready_task_below_a_predicted_one_is_left_out_as_the_walk_leaves_it_out() -> None:
    workflow = _running(branches=3, inner=0)
    task = next(t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.name == "u1")
    parent = task.parent
    parent._set_state(TaskState.LIKELY)  # no model does this; the walk does not descend below it

    found = _indexed(workflow, state=TaskState.READY)

    assert task.id not in found
    assert found == _walked(workflow, state=TaskState.READY)


def test_completion_is_read_from_the_index_and_agrees_with_the_walk() -> None:
    workflow = _running(branches=2, inner=1)
    assert not workflow.is_completed()
    for task in workflow.get_tasks(state=TaskState.READY):
        task.run()
    workflow.do_engine_steps()
    assert workflow.is_completed()


def test_the_verification_switch_catches_an_index_that_lost_a_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "ON", True)
    workflow = _running(branches=3, inner=1)
    lost = workflow.get_tasks(state=TaskState.READY)[1]
    workflow.tasks.by_state[TaskState.READY].discard(lost.id)

    with pytest.raises(TaskIndexMismatchError, match="task index disagrees"):
        workflow.get_tasks(state=TaskState.READY)


def _multi_instance_model() -> bytes:
    return (
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" '
        'targetNamespace="t"><bpmn:process id="mi" isExecutable="true"><bpmn:startEvent id="start" />'
        + _flow("f1", "start", "work")
        + '<bpmn:userTask id="work"><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>'
        '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" />'
        "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
        + _flow("f2", "work", "end")
        + '<bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>'
    ).encode()


def test_instances_of_a_multi_instance_activity_share_its_values_instead_of_copying_them() -> None:
    model = parse_model(_multi_instance_model(), "mi.bpmn").processes["mi"]
    workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=ExpressionEngine())
    items = list(range(50))
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(items=items, meta={"owner": "ops"})
    workflow.do_engine_steps()

    instances = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.name == "work [child]"]
    activity = instances[0].parent

    assert len(instances) == 50
    assert all(t.data["items"] is activity.data["items"] for t in instances)
    assert sorted(t.data["item"] for t in instances) == items


def test_a_shared_value_is_copied_before_a_merge_changes_it_in_place() -> None:
    model = parse_model(_multi_instance_model(), "mi.bpmn").processes["mi"]
    workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=ExpressionEngine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(items=[1, 2, 3], meta={"owner": "ops"})
    workflow.do_engine_steps()
    first, second, _ = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.name == "work [child]"]
    shared_meta = first.data["meta"]
    activity = first.parent
    activity.data["meta"] = {"owner": "ops", "region": "eu"}  # the activity's value changes (another instance's output)

    first._inherit_data()  # SpiffWorkflow does this whenever it updates a waiting task

    assert first.data["meta"] == {"owner": "ops", "region": "eu"}
    assert second.data["meta"] is shared_meta
    assert shared_meta == {"owner": "ops"}


def _plain_spiff_workflow(branches: int = 6, inner: int = 4) -> Any:
    model = parse_model(_model(branches, inner), "p.bpmn").processes["p"]
    return BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=ExpressionEngine())


def _shape(task: Any) -> tuple[Any, ...]:
    """What a task is, without its random id and creation time: spec, state, data, branch, parent's spec."""
    parent = task.parent
    return (
        task.task_spec.name,
        task.state,
        task.data,
        task.internal_data,
        task.triggered,
        task.thread_id,
        parent.task_spec.name if parent is not None else None,
        [child.task_spec.name for child in task.children],
    )


def test_tasks_built_by_the_index_are_what_spiffworkflows_constructor_builds() -> None:
    ours, spiffs = _running(), _plain_spiff_workflow()
    spiffs.do_engine_steps()
    assert [_shape(t) for t in ours.get_tasks()] == [_shape(t) for t in BpmnWorkflow.get_tasks(spiffs)]
    built = next(iter(ours.tasks.values()))
    plain = next(iter(spiffs.tasks.values()))
    assert set(vars(plain)) <= set(vars(built)), "every attribute SpiffWorkflow's constructor sets is set"


def test_a_task_built_by_the_index_is_filed_by_spec_state_and_filing_order() -> None:
    workflow = _running()
    index = workflow.tasks
    fork = next(t for t in index.values() if t.task_spec.name == "fork")
    children = fork.children
    assert [index.position(c.id) for c in children] == sorted(index.position(c.id) for c in children)
    for child in children:
        assert child.id in index.by_spec[child.task_spec.name]
        assert child.id in index.by_state[child.state]
        assert sum(child.id in ids for ids in index.by_state.values()) == 1


def test_a_task_written_again_after_a_checkpoint_is_touched_again() -> None:
    workflow = _running()
    task = workflow.get_tasks(state=TaskState.READY)[0]
    index = task.workflow.tasks
    task.triggered = True
    assert task.id in index.touched
    index.forget_changes()
    assert task.id not in index.touched
    task.triggered = False
    assert index.touched == {task.id}
    index.forget_changes()
    _ = task.data  # whoever reads the dict may change it in place
    assert index.touched == {task.id}


def test_a_removed_task_leaves_every_state_set_of_the_index() -> None:
    workflow = _running()
    index = workflow.tasks
    future = next(t for t in index.values() if t.state == TaskState.FUTURE and not t.children)
    workflow._remove_task(future.id)
    assert all(future.id not in ids for ids in index.by_state.values())
    assert future.id in index.removed and future.id not in index


def test_task_ids_are_random_version_four_uuids_like_uuid4s() -> None:
    ids = [new_task_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for uid in ids[:50]:
        again = UUID(str(uid))
        assert (uid.version, uid.variant, again, hash(again)) == (4, "specified in RFC 4122", uid, hash(uid))
        assert uid.is_safe == again.is_safe
    assert len({str(uid)[:8] for uid in ids}) > 1900, "the leading bits vary"
