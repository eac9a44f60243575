"""Camunda 7's user task variables: what an open task sees, its own (local) ones, and its form variables.

``/task/{id}/variables`` is everything visible from the task (the process scope, then any
enclosing scope, then the task's own); ``/task/{id}/localVariables`` only the task's own scope:
its input mappings' targets and the variables created through ``localVariables`` (kept with the
task, never propagated: gone when it completes, as Camunda 7's task-local variables). Setting a
variable through ``variables`` changes it in the nearest scope holding it, else creates it in the
process. steadyflow never removes variables, so a deletion is refused with what to do instead.
Unknown or completed tasks are 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, jsonify

from engine.forms import typed_default
from engine.tasklist import Tasklist
from steadyflow.errors import NotFoundError
from webui.auth import requires
from webui.engine_rest import bp
from webui.engine_rest.context import rest
from webui.engine_rest.errors import RestError, not_found
from webui.engine_rest.request_input import arg_list, json_body
from webui.engine_rest.start_forms import C7_TYPES
from webui.engine_rest.typed_values import decode_value, encode_value, encode_variables
from webui.engine_rest.variables import modification_request
from webui.input_gate import checked_for_instance


def tasklist() -> Tasklist:
    return Tasklist(rest().engine, rest().outlines)


def open_task(task_id: str) -> dict[str, Any]:
    try:
        return tasklist().task(task_id)
    except NotFoundError as exc:
        raise not_found(f"Cannot find task with id {task_id}: it was completed, cancelled, or never existed") from exc


def _variables(task_id: str, *, local: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    task = open_task(task_id)
    found = rest().engine.task_variables(task["instance_id"], task_id)
    return task, found.local if local else found.visible


def _one(task_id: str, name: str, *, local: bool) -> Response:
    _, variables = _variables(task_id, local=local)
    if name not in variables:
        scope = "task local variable" if local else "task variable"
        raise not_found(f"{scope} with name {name} does not exist in task {task_id}")
    return jsonify(encode_value(variables[name]))


def _set(task_id: str, values: dict[str, Any], *, local: bool) -> None:
    task = open_task(task_id)
    if values:
        rest().engine.set_task_variables(
            task["instance_id"], task_id, checked_for_instance(task["instance_id"], values), local=local
        )


def _refuse_deletion(task_id: str, names: list[Any]) -> RestError:
    return RestError(
        400,
        f"Cannot delete variables {names} of task {task_id}: steadyflow does not remove variables; set them to null "
        "instead",
        "BadUserRequestException",
    )


# Each view serves ``variables`` (local=False) and ``localVariables`` (local=True).
_BOTH = (("variables", False), ("localVariables", True))
View = TypeVar("View", bound=Callable[..., Any])


def _routes(method: str, path: str) -> Callable[[View], View]:
    def register(view: View) -> View:
        for segment, local in _BOTH:
            bp.add_url_rule(
                f"/task/<task_id>/{segment}{path}",
                endpoint=f"{view.__name__}_{segment}",
                view_func=view,
                methods=[method],
                defaults={"local": local},
            )
        return view

    return register


@_routes("GET", "")
def get_task_variables(task_id: str, local: bool) -> Response:
    return jsonify(encode_variables(_variables(task_id, local=local)[1]))


@_routes("GET", "/<name>")
def get_task_variable(task_id: str, name: str, local: bool) -> Response:
    return _one(task_id, name, local=local)


@_routes("PUT", "/<name>")
@requires("operator")
def put_task_variable(task_id: str, name: str, local: bool) -> tuple[str, int]:
    _set(task_id, {name: decode_value(name, json_body(required=True))}, local=local)
    return "", 204


@_routes("POST", "")
@requires("operator")
def modify_task_variables(task_id: str, local: bool) -> tuple[str, int]:
    modifications, deletions = modification_request()
    open_task(task_id)
    if deletions:
        raise _refuse_deletion(task_id, deletions)
    _set(task_id, modifications, local=local)
    return "", 204


@_routes("DELETE", "/<name>")
@requires("operator")
def delete_task_variable(task_id: str, name: str, local: bool) -> tuple[str, int]:
    open_task(task_id)
    raise _refuse_deletion(task_id, [name])


@bp.get("/task/<task_id>/form-variables")
def get_task_form_variables(task_id: str) -> Response:
    """The task's form fields typed as the form declares them, each holding its variable's value or its default."""
    task, visible = _variables(task_id, local=False)
    wanted = arg_list("variableNames")
    fields = tasklist().queries.outline(task["element_definition_id"]).forms.get(task["element_id"], [])
    if not fields:
        return jsonify(encode_variables(visible, None if wanted is None else list(wanted)))
    answer = {}
    for f in fields:
        if wanted is not None and f.id not in wanted:
            continue
        value = visible[f.id] if f.id in visible else typed_default(f)
        answer[f.id] = {"type": C7_TYPES.get(f.type, "String"), "value": value, "valueInfo": {}}
    return jsonify(answer)
