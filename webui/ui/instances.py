"""Instances list (filters, sorting, paging) and the live instance page with its operator actions."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from engine.batch import check_batch, run_batch
from engine.limits import parse_json
from engine.queries import INSTANCE_STATES
from steadyflow.errors import ConflictError, InvalidInputError
from webui.api.instances import instance_detail, instance_page_from_args
from webui.auth import requires
from webui.input_gate import checked_variables, limits
from webui.services import services
from webui.ui import bp

FILTER_ARGS = (
    "state",
    "key",
    "definition_id",
    "business_key",
    "var_name",
    "var_value",
    "started_after",
    "started_before",
)


HISTORY_ARGS = ("activity", "task", "before")


def _page_url(**changes: Any) -> str:
    args: dict[str, Any] = {k: v for k, v in request.args.items() if v not in ("", None)}
    args.update(changes)
    return url_for("ui.instances", **{k: v for k, v in args.items() if v not in ("", None)})


@bp.get("/instances")
def instances() -> HttpResponse | str:
    definitions = services().queries.definitions()
    filters = {name: request.args.get(name, "") for name in FILTER_ARGS}
    try:
        page = instance_page_from_args()
        error = None
    except InvalidInputError as exc:
        page = {"items": [], "total": 0, "page": 1, "per_page": 50, "sort": "started_at", "order": "desc"}
        error = exc.message
    pages = max(1, -(-page["total"] // page["per_page"]))
    body = render_template(
        "ui/instances.html",
        page=page,
        pages=pages,
        filters=filters,
        definitions=definitions,
        states=INSTANCE_STATES,
        page_url=_page_url,
        error=error,
    )
    return Response(body, status=400 if error else 200)


@bp.post("/instances/batch")
@requires("operator")
def batch() -> HttpResponse:
    """Retry or cancel the instances ticked on the list; back to the same filtered page."""
    back = request.form.get("back", "")
    target = back if back.startswith("/instances") and not back.startswith("//") else url_for("ui.instances")
    try:
        action, ids = check_batch(request.form.get("action"), request.form.getlist("ids"))
    except InvalidInputError as exc:
        flash(exc.message, "error")
        return redirect(target)
    result = run_batch(services().engine, action, ids, reason="cancelled in the web UI (batch)")
    verb = {"retry": "Retried", "cancel": "Cancelled"}[action]
    flash(f"{verb} {len(result.done)} instance(s).", "ok" if result.done else "error")
    if result.refused:
        shown = "; ".join(f"{i[:8]}: {why}" for i, why in list(result.refused.items())[:5])
        more = f" (and {len(result.refused) - 5} more)" if len(result.refused) > 5 else ""
        flash(f"{len(result.refused)} not {verb.lower()}: {shown}{more}", "error")
    return redirect(target)


def diagram_calls(detail: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Call activity element -> the children (process and version) it ran, linked, for the diagram's overlays."""
    own = detail["instance"]["definition_id"]
    found: dict[str, dict[str, dict[str, str]]] = {}
    for activity in detail["activities"]:
        called = activity.get("called")
        if called is None or activity.get("definition_id") != own:
            continue  # a call inside a called child is not an element of this diagram
        label = f"{called['name'] or called['key']} v{called['version']}"
        url = url_for("ui.definition", key=called["key"], version=called["version"])
        found.setdefault(activity["element_id"], {})[called["definition_id"]] = {"label": label, "url": url}
    return {element: list(calls.values()) for element, calls in found.items()}


@bp.get("/instances/<instance_id>")
def instance(instance_id: str) -> str:
    detail = instance_detail(instance_id)
    history_args = {k: request.args[k] for k in HISTORY_ARGS if request.args.get(k)}
    return render_template(
        "ui/instance.html",
        d=detail,
        calls=diagram_calls(detail),
        fragment=request.args.get("fragment") == "1",
        history_args=history_args,
        decisions=services().engine.decisions.evaluations(instance_id=instance_id),
    )


def _back(instance_id: str) -> HttpResponse:
    return redirect(url_for("ui.instance", instance_id=instance_id))


@bp.post("/instances/<instance_id>/retry")
@requires("operator")
def retry(instance_id: str) -> HttpResponse:
    try:
        count = services().engine.retry(instance_id)
        flash(f"Retrying {count} incident(s).", "ok")
    except ConflictError as exc:
        flash(exc.message, "error")
    return _back(instance_id)


@bp.post("/instances/<instance_id>/cancel")
@requires("operator")
def cancel(instance_id: str) -> HttpResponse:
    try:
        services().engine.cancel(instance_id, reason=request.form.get("reason") or "cancelled in the web UI")
        flash("Instance cancelled.", "ok")
    except ConflictError as exc:
        flash(exc.message, "error")
    return _back(instance_id)


@bp.post("/instances/<instance_id>/variables")
@requires("operator")
def set_variable(instance_id: str) -> HttpResponse:
    name = request.form.get("name", "").strip()
    raw = request.form.get("value", "")
    try:
        if not name:
            raise InvalidInputError("give the variable a name")
        try:
            json.loads(raw)
        except ValueError:
            raise InvalidInputError(
                f"the value of '{name}' is not JSON: write \"text\" in quotes, 42, true, or [1, 2]"
            ) from None
        except RecursionError:
            pass  # too deep: the gate says so with the limit
        variables = checked_variables({name: parse_json(raw, f"the value of '{name}'", limits())})
        services().engine.set_variables(instance_id, variables)
        flash(f"Variable {name} saved.", "ok")
    except (InvalidInputError, ConflictError) as exc:
        flash(exc.message, "error")
    return _back(instance_id)
