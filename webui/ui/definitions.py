"""Dashboard, deploy page, definition page with its start form."""

from __future__ import annotations

import math
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as HttpResponse

from engine.forms import FormValidationError
from engine.limits import parse_json
from steadyflow.errors import InvalidInputError, ModelValidationError
from webui.api.definitions import deployment_answer, uploaded_files
from webui.auth import requires
from webui.input_gate import checked_value, checked_variables, limits
from webui.services import services
from webui.ui import bp

VARIABLE_TYPES = ("string", "number", "boolean", "json")
_FORM_CONTROLS = frozenset({"csrf_token", "business_key", "version", "start_form"})
"""Inputs of the start form that are not its fields."""


def _fragment_or_page(template: str, **context: Any) -> str:
    """The whole page, or only its live part when the page's script asks for ``?fragment=1``."""
    return render_template(template, fragment=request.args.get("fragment") == "1", **context)


@bp.get("/")
def dashboard() -> str:
    q = services().queries
    definitions = q.definitions()
    totals = {state: sum(d["counts"][state] for d in definitions) for state in ("running", "incident", "completed")}
    return _fragment_or_page(
        "ui/dashboard.html",
        definitions=definitions,
        totals=totals,
        incidents=q.recent_incidents(8),
        failed=q.recent_failed(5),
    )


@bp.route("/deploy", methods=["GET", "POST"])
@requires("admin")
def deploy() -> HttpResponse | str:
    if request.method == "GET":
        return render_template("ui/deploy.html", result=None, error=None)
    try:
        result, _ = deployment_answer(uploaded_files())
    except ModelValidationError as exc:
        problems = [p.as_dict() for p in exc.problems]
        body = render_template("ui/deploy.html", result=None, error=exc.message, problems=problems)
        return Response(body, status=400)
    return render_template("ui/deploy.html", result=result, error=None)


@bp.get("/definitions/<key>")
def definition(key: str) -> str:
    entry = services().queries.definition(key)
    version = request.args.get("version", type=int)
    selected = next((v for v in entry["versions"] if v["version"] == version), None) if version else None
    return _fragment_or_page("ui/definition.html", **_page(key, entry, selected))


def _page(key: str, entry: dict[str, Any], selected: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    """What the definition page shows; the start form is the shown version's (the latest unless one is picked)."""
    shown = selected or entry["versions"][0]  # newest first; the outline is parsed once per version, then cached
    start_fields = services().queries.outline(shown["id"]).start_forms.get(key, [])
    context: dict[str, Any] = {
        "d": entry,
        "selected": selected,
        "types": VARIABLE_TYPES,
        "error": None,
        "form": {},
        "field_errors": {},
        "start_fields": [f.as_dict() for f in start_fields],
        "start_version": shown["version"],
    }
    return context | extra


def start_variables(form: Any) -> dict[str, Any]:
    """Variables from the start form: a JSON object, then typed name/value rows on top of it."""
    variables: dict[str, Any] = {}
    text = form.get("variables_json", "").strip()
    if text:
        parsed = parse_json(text, "the variables", limits())
        if not isinstance(parsed, dict):
            raise InvalidInputError('the variables must be a JSON object, like {"regions": ["eu", "us"]}')
        variables.update(parsed)
    for name, kind, raw in zip(
        form.getlist("var_name"), form.getlist("var_type"), form.getlist("var_value"), strict=False
    ):
        name = name.strip()
        if not name:
            continue
        variables[name] = typed_value(name, kind, raw)
    return checked_variables(variables)


def typed_value(name: str, kind: str, raw: str) -> Any:
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            raise InvalidInputError(f"variable '{name}': {raw!r} is not a number") from None
        if not math.isfinite(number):
            raise InvalidInputError(f"variable '{name}': {raw!r} is not a finite number")
        whole = int(number) if number.is_integer() and "." not in raw else number
        checked_value(whole, f"variable '{name}'")
        return whole
    if kind == "boolean":
        if raw.strip().lower() not in ("true", "false"):
            raise InvalidInputError(f"variable '{name}': write true or false, not {raw!r}")
        return raw.strip().lower() == "true"
    if kind == "json":
        return parse_json(raw, f"variable '{name}'", limits())
    checked_value(raw, f"variable '{name}'")
    return raw


@bp.post("/definitions/<key>/start")
@requires("operator")
def start(key: str) -> HttpResponse:
    entry = services().queries.definition(key)
    business_key = request.form.get("business_key", "").strip() or None
    version = request.form.get("version", type=int)
    try:
        if request.form.get("start_form") == "1":
            values = {name: value for name, value in request.form.items() if name not in _FORM_CONTROLS}
            instance = services().tasklist.start(key, values, business_key=business_key, version=version)
        else:
            instance = services().engine.start(
                key, start_variables(request.form), business_key=business_key, version=version
            )
    except InvalidInputError as exc:
        selected = next((v for v in entry["versions"] if v["version"] == version), None)  # the one submitted
        if isinstance(exc, FormValidationError):
            extra: dict[str, Any] = {"error": "Please fix the marked fields.", "field_errors": exc.field_errors}
        else:
            extra = {"error": exc.message}
        body = render_template("ui/definition.html", **_page(key, entry, selected, form=request.form, **extra))
        return Response(body, status=400)
    flash(f"Started instance {instance.id[:8]} of {key}.", "ok")
    return redirect(url_for("ui.instance", instance_id=instance.id))
