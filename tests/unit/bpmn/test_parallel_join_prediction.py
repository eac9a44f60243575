"""A parallel join builds the path after it once, when it fires, not once per arriving branch."""

from __future__ import annotations

from collections import Counter
from typing import Any

from SpiffWorkflow.util.task import TaskState

from bpmn.parser import parse_model
from bpmn.script_engine import ExpressionEngine
from engine.spiff.restore import new_workflow

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BRANCHES = 6


def _flow(flow_id: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'


def _running() -> Any:
    """A fork into user tasks, a join, then a user task 'after' and the end."""
    parts = [
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" id="d" targetNamespace="t"><bpmn:process id="p" isExecutable="true">',
        '<bpmn:startEvent id="start" />',
        _flow("f0", "start", "fork"),
        '<bpmn:parallelGateway id="fork" /><bpmn:parallelGateway id="join" />',
    ]
    for i in range(BRANCHES):
        parts += [f'<bpmn:userTask id="u{i}" />', _flow(f"fa{i}", "fork", f"u{i}"), _flow(f"fb{i}", f"u{i}", "join")]
    parts += [_flow("fz", "join", "after"), '<bpmn:userTask id="after" />', _flow("fy", "after", "end")]
    parts += ['<bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>']
    model = parse_model("".join(parts).encode(), "p.bpmn").processes["p"]
    workflow = new_workflow(model.spec, model.subprocess_specs, script_engine=ExpressionEngine())
    workflow.do_engine_steps()
    return workflow


def _specs(workflow: Any) -> Counter[str]:
    return Counter(task.task_spec.name for task in workflow.tasks.values())


def _complete(workflow: Any, element_id: str, **values: Any) -> None:
    (task,) = [t for t in workflow.tasks.values() if t.task_spec.name == element_id and t.state == TaskState.READY]
    task.data.update(values)
    task.run()
    workflow.do_engine_steps()


def test_a_join_still_waiting_has_no_copy_of_the_path_after_it_below_any_branch() -> None:
    workflow = _running()

    specs = _specs(workflow)

    assert all(specs[f"u{i}"] == 1 for i in range(BRANCHES))  # the fork predicted every branch
    assert specs["join"] == BRANCHES
    assert specs["after"] == 0 and specs["end"] == 0


def test_the_join_fires_once_after_the_last_branch_with_every_branch_s_values() -> None:
    workflow = _running()

    for i in range(BRANCHES - 1):
        _complete(workflow, f"u{i}", **{f"v{i}": i})
        assert _specs(workflow)["after"] == 0
    _complete(workflow, f"u{BRANCHES - 1}", **{f"v{BRANCHES - 1}": BRANCHES - 1})

    (after,) = [t for t in workflow.tasks.values() if t.task_spec.name == "after"]
    assert after.state == TaskState.READY
    assert {key: after.data[key] for key in after.data if key.startswith("v")} == {f"v{i}": i for i in range(BRANCHES)}
    assert [t.state for t in workflow.tasks.values() if t.task_spec.name == "end"] == [TaskState.FUTURE]
    _complete(workflow, "after")
    assert workflow.completed
