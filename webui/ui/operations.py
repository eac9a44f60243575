"""The operator's tools as forms: rewind an instance to a step, move its tokens, migrate a version's instances."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from engine.limits import parse_json
from engine.modification import Instruction, check_shape
from steadyflow.errors import InvalidInputError, SteadyflowError
from webui.auth import requires
from webui.input_gate import checked_for_instance, limits
from webui.services import services
from webui.ui import bp


def _back(instance_id: str) -> HttpResponse:
    return redirect(url_for("ui.instance", instance_id=instance_id))


def _json_object(raw: str, what: str) -> dict[str, Any]:
    if not raw.strip():
        return {}
    value = parse_json(raw, what, limits())
    if not isinstance(value, dict):
        raise InvalidInputError(f'{what} must be a JSON object like {{"name": "value"}}')
    return value


@bp.post("/instances/<instance_id>/rewind")
@requires("operator")
def rewind(instance_id: str) -> HttpResponse:
    raw = request.form.get("step", "")
    try:
        if not raw.isdigit():
            raise InvalidInputError("pick a step on the time line first")
        services().engine.rewind(instance_id, int(raw), reason=request.form.get("reason") or "rewound in the web UI")
        flash(f"Restarted from step {raw}; its later work runs again.", "ok")
    except SteadyflowError as exc:
        flash(exc.message, "error")
    return _back(instance_id)


@bp.post("/instances/<instance_id>/modify")
@requires("operator")
def modify(instance_id: str) -> HttpResponse:
    form = request.form
    kind = form.get("kind", "")
    try:
        variables = _json_object(form.get("variables", ""), "the variables")
        instruction = Instruction(
            kind,
            element_id=form.get("element") or None,
            activity_instance_id=form.get("activity_instance") or None,
            target=form.get("target") or None,
            variables=checked_for_instance(instance_id, variables),
        )
        if kind not in ("cancel", "startBefore", "startAfter", "move"):
            raise InvalidInputError("choose what to do: move, cancel, start before or start after")
        check_shape(instruction, "the modification")
        services().engine.modify(instance_id, [instruction], reason=form.get("reason") or "modified in the web UI")
        flash("Tokens changed.", "ok")
    except SteadyflowError as exc:
        flash(exc.message, "error")
    return _back(instance_id)


@bp.post("/definitions/<key>/migrate")
@requires("operator")
def migrate(key: str) -> HttpResponse:
    form = request.form
    source = form.get("source", "")
    back = redirect(url_for("ui.definition", key=key, version=form.get("source_version") or None))
    try:
        mapping = {str(k): v for k, v in _json_object(form.get("mapping", ""), "the mapping").items()}
        engine = services().engine
        plan = engine.migration_plan(source, form.get("target", ""), mapping)
        ids = engine.migrations.running_on(plan.source.id)
        if not ids:
            flash(f"Version {plan.source.version} has no running instance to migrate.", "error")
            return back
        result = engine.migrate(plan, ids)
        if result.migrated:
            flash(f"Migrated {len(result.migrated)} instance(s) to version {plan.target.version}.", "ok")
        if result.refused:
            shown = "; ".join(f"{i[:8]}: {why}" for i, why in list(result.refused.items())[:5])
            flash(f"{len(result.refused)} not migrated: {shown}", "error")
    except SteadyflowError as exc:
        flash(exc.message, "error")
    return back
