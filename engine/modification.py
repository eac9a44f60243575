"""Instance modification: cancel activity instances, start tokens before or after elements, move tokens.

One request is one step: every instruction is checked against the instance as it is inside that
step, and the first one that does not fit (an unknown element, a token that is not there, an
element with several outgoing flows) refuses the whole request with the reason, before anything
changed. Then the instructions run in order, the instance runs to its next wait, and the step
records an ``InstanceModified`` event with what was done. An instance left without a token ends
as cancelled, as Camunda ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import history
from engine.engine_base import check_variables
from engine.spiff import modify
from engine.step_core import StepContext
from steadyflow.errors import ConflictError, InvalidInputError, NotFoundError

KINDS = ("cancel", "startBefore", "startAfter", "move")


@dataclass(frozen=True)
class Instruction:
    """One change: ``cancel`` (an activity instance, or every instance of an element), ``startBefore`` /
    ``startAfter`` an element, or ``move`` the tokens of one element (or one instance) to another."""

    kind: str
    element_id: str | None = None
    """cancel / move: the element whose instances go; start: where the token starts."""
    activity_instance_id: str | None = None
    """cancel / move: one activity instance (task id) instead of all of an element."""
    target: str | None = None
    """move: the element the token goes to."""
    variables: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        for key, value in (
            ("elementId", self.element_id),
            ("activityInstanceId", self.activity_instance_id),
            ("targetElementId", self.target),
        ):
            if value is not None:
                out[key] = value
        if self.variables:
            out["variables"] = sorted(self.variables)
        return out


def _text(raw: dict[str, Any], name: str, where: str) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{where}: '{name}' must be a string, not {type(value).__name__}")
    return value


def parse_instructions(raw: Any) -> list[Instruction]:
    """Our JSON form (``/api/v1``, the UI) into instructions, or a 400 naming the instruction and field."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInputError(
            'send {"instructions": [{"type": "move", "elementId": "A", "targetElementId": "B"}, ...]} '
            f"with at least one instruction; types: {', '.join(KINDS)}"
        )
    if len(raw) > 100:
        raise InvalidInputError(f"at most 100 instructions per modification, not {len(raw)}")
    out = []
    for index, item in enumerate(raw):
        where = f"instruction {index + 1}"
        if not isinstance(item, dict):
            raise InvalidInputError(f"{where} must be an object like {{'type': 'cancel', 'elementId': 'A'}}")
        kind = item.get("type")
        if kind not in KINDS:
            raise InvalidInputError(f"{where}: 'type' must be one of {', '.join(KINDS)}, not {kind!r}")
        variables = item.get("variables") or {}
        if not isinstance(variables, dict):
            raise InvalidInputError(f"{where}: 'variables' must be an object of name -> value")
        out.append(
            Instruction(
                kind,
                element_id=_text(item, "elementId", where),
                activity_instance_id=_text(item, "activityInstanceId", where),
                target=_text(item, "targetElementId", where),
                variables=check_variables(variables),
            )
        )
    for index, instruction in enumerate(out):
        check_shape(instruction, f"instruction {index + 1}")
    return out


def check_shape(instruction: Instruction, where: str) -> None:
    """The fields each kind needs, whichever API the instruction came by."""
    if instruction.kind in ("cancel", "move"):
        if (instruction.element_id is None) == (instruction.activity_instance_id is None):
            raise InvalidInputError(
                f"{where} ({instruction.kind}) needs 'elementId' or 'activityInstanceId', one of them"
            )
        if instruction.kind == "cancel" and instruction.variables:
            raise InvalidInputError(f"{where}: a cancel takes no variables")
    elif instruction.element_id is None:
        raise InvalidInputError(f"{where} ({instruction.kind}) needs 'elementId': the element the token starts at")
    if instruction.kind == "move" and instruction.target is None:
        raise InvalidInputError(f"{where} (move) needs 'targetElementId': the element the token moves to")


def modification(instructions: list[Instruction], reason: str | None) -> Callable[[StepContext], list[dict[str, Any]]]:
    """The trigger of one modification step; it returns the instructions as carried out."""

    def trigger(ctx: StepContext) -> list[dict[str, Any]]:
        if ctx.instance.state != "running":
            raise ConflictError(
                f"instance {ctx.instance.id} is {ctx.instance.state}; only running instances can be modified "
                "(rewind an ended one to a step first)"
            )
        workflow = ctx.workflow
        plan = [
            _plan(workflow, ctx.instance.id, instruction, index + 1) for index, instruction in enumerate(instructions)
        ]
        for action in plan:
            action(ctx)
        if not modify.has_active_tokens(workflow):
            ctx.advance = False
            workflow.cancel()
            ctx.final_state = "cancelled"
            ctx.record(history.instance_modified([i.as_json() for i in instructions], reason))
            ctx.record(history.instance_cancelled("the modification left no token"))
        else:
            ctx.record(history.instance_modified([i.as_json() for i in instructions], reason))
        ctx.jobs_created = True
        return [i.as_json() for i in instructions]

    return trigger


Action = Callable[[StepContext], None]


def _plan(workflow: Any, instance_id: str, instruction: Instruction, number: int) -> Action:
    """Check one instruction against the workflow as it is now; the action it returns carries it out."""
    where = f"instruction {number} ({instruction.kind})"
    if instruction.kind == "cancel":
        return _cancel_action(_tasks_to_cancel(workflow, instance_id, instruction, where))
    if instruction.kind == "move":
        tasks = _tasks_to_cancel(workflow, instance_id, instruction, where)
        assert instruction.target is not None
        scope, spec = _start_scope(workflow, instance_id, instruction.target, where)
        cancel_them = _cancel_action(tasks)
        data = {**modify.scope_data(scope), **instruction.variables}

        def move(ctx: StepContext) -> None:
            cancel_them(ctx)
            modify.start_before(scope, spec, data)

        return move
    assert instruction.element_id is not None
    element = instruction.element_id
    if instruction.kind == "startAfter":
        scope, _ = _start_scope(workflow, instance_id, element, where)
        following = modify.following_specs(scope.spec, element)
        if len(following) != 1:
            raise InvalidInputError(
                f"{where}: element '{element}' has {len(following)} outgoing sequence flows; start before one of "
                "the elements they lead to instead"
            )
        spec = following[0]
    else:
        scope, spec = _start_scope(workflow, instance_id, element, where)
    data = {**modify.scope_data(scope), **instruction.variables}  # as the tokens saw them before any change

    def start(ctx: StepContext) -> None:
        modify.start_before(scope, spec, data)

    return start


def _cancel_action(tasks: list[Any]) -> Action:
    def cancel(ctx: StepContext) -> None:
        for task in tasks:
            if not modify.is_active(task):
                continue  # an earlier instruction (or its body's cancellation) already took it
            for removed in modify.cancel(task):
                if modify.task_of(ctx.workflow, str(removed.id)) is None:
                    # dropped from the tree, so the checkpoint will not see it end: say so here
                    ctx.record(history.activity_cancelled(removed.task_spec.bpmn_id, str(removed.id)))

    return cancel


def _tasks_to_cancel(workflow: Any, instance_id: str, instruction: Instruction, where: str) -> list[Any]:
    if instruction.activity_instance_id is not None:
        task = modify.task_of(workflow, instruction.activity_instance_id)
        if task is None or getattr(task.task_spec, "bpmn_id", None) is None:
            raise NotFoundError(
                f"{where}: instance {instance_id} has no activity instance {instruction.activity_instance_id}; "
                "see its activity instances on the instance page or in GET /api/v1/instances/ID"
            )
        if not modify.is_active(task):
            raise ConflictError(
                f"{where}: activity instance {instruction.activity_instance_id} ('{task.task_spec.bpmn_id}') has "
                "already ended; there is no token to cancel"
            )
        return [task]
    element = instruction.element_id
    assert element is not None
    _known(workflow, instance_id, element, where)
    found = [modify.task_of(workflow, t.task_id) for t in modify.tokens(workflow) if t.element_id == element]
    if not found:
        active = sorted({t.element_id for t in modify.tokens(workflow)})
        raise ConflictError(
            f"{where}: no token is at element '{element}' of instance {instance_id}; tokens are at: "
            f"{', '.join(active) or 'none'}"
        )
    return found


def _known(workflow: Any, instance_id: str, element: str, where: str) -> None:
    if modify.defined_anywhere(workflow, element) is None:
        raise InvalidInputError(
            f"{where}: element '{element}' is not in the model of instance {instance_id}; check the id in the "
            "diagram (ids are case-sensitive)"
        )


def _start_scope(workflow: Any, instance_id: str, element: str, where: str) -> tuple[Any, Any]:
    _known(workflow, instance_id, element, where)
    scopes = modify.scope_specs(workflow, element)
    if not scopes:
        owner = modify.defined_anywhere(workflow, element)
        raise ConflictError(
            f"{where}: element '{element}' lies in subprocess '{owner}', which is not running in instance "
            f"{instance_id}; start a token before that subprocess instead"
        )
    if len(scopes) > 1:
        raise ConflictError(
            f"{where}: subprocess '{modify.defined_anywhere(workflow, element)}' runs {len(scopes)} times in "
            f"instance {instance_id}; start before the subprocess, or cancel all but one first"
        )
    return scopes[0]
