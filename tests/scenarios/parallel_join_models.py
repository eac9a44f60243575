"""Small models around a parallel join, built from flows: for the tests of the join's deferred prediction."""

from __future__ import annotations

from engine.engine import Engine

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    body = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'


def chain(*pairs: tuple[str, str]) -> str:
    """Flows named after their ends, one per (source, target)."""
    return "".join(flow(f"f_{source}_{target}", source, target) for source, target in pairs)


def process(process_id: str, body: str, messages: tuple[str, ...] = ()) -> bytes:
    declared = "".join(f'<bpmn:message id="{name}" name="{name}" />' for name in messages)
    return (
        f'<bpmn:definitions xmlns:bpmn="{BPMN}" id="d_{process_id}" targetNamespace="t">{declared}'
        f'<bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'
    ).encode()


def deploy_model(engine: Engine, process_id: str, body: str, messages: tuple[str, ...] = ()) -> None:
    engine.deploy([(f"{process_id}.bpmn", process(process_id, body, messages))])


FORK_JOIN = (
    '<bpmn:startEvent id="start" /><bpmn:parallelGateway id="fork" /><bpmn:parallelGateway id="join" />'
    '<bpmn:userTask id="a" /><bpmn:userTask id="b" /><bpmn:userTask id="c" /><bpmn:userTask id="after" />'
    '<bpmn:endEvent id="end" />'
    + chain(("start", "fork"), ("fork", "a"), ("fork", "b"), ("fork", "c"))
    + chain(("a", "join"), ("b", "join"), ("c", "join"), ("join", "after"), ("after", "end"))
)
"""start -> fork -> user tasks a, b, c -> join -> user task 'after' -> end."""


def open_tasks(engine: Engine, instance_id: str) -> list[str]:
    return sorted(task["element_id"] for task in engine.user_tasks(instance_id))


def complete(engine: Engine, instance_id: str, element_id: str, variables: dict[str, object] | None = None) -> None:
    (task,) = [t for t in engine.user_tasks(instance_id) if t["element_id"] == element_id]
    engine.complete_user_task(instance_id, task["task_id"], variables or {})
