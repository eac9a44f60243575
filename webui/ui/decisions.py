"""Decision pages: every deployed decision, and one decision's table with the matched rules of an evaluation."""

from __future__ import annotations

from dataclasses import asdict

from flask import render_template, request
from werkzeug.exceptions import NotFound

from webui.services import services
from webui.ui import bp


@bp.get("/decisions")
def decisions() -> str:
    rows = services().engine.decisions.latest_of_each()
    return render_template("ui/decisions.html", decisions=[asdict(r) | {"evaluations": n} for r, n in rows])


@bp.get("/decisions/<key>")
def decision(key: str) -> str:
    registry = services().engine.decisions
    version = request.args.get("version", type=int)
    record, xml, filename = registry.definition(key, version)
    evaluations = registry.evaluations(key=key)
    wanted = request.args.get("evaluation")
    chosen = next((e for e in evaluations if e["id"] == wanted), None) if wanted else None
    if wanted and chosen is None:
        raise NotFound(f"decision '{key}' has no recorded evaluation {wanted} among its latest; pick one below")
    chosen = chosen or (evaluations[0] if evaluations else None)
    own = next((d for d in chosen["record"] if d["decision_id"] == key), None) if chosen else None
    return render_template(
        "ui/decision.html",
        record=asdict(record),
        versions=[asdict(v) for v in registry.versions(key)],
        filename=filename,
        xml=xml,
        evaluations=evaluations,
        chosen=chosen,
        matched=[r["id"] for r in own["matched_rules"]] if own else [],
        dmn_js_available=_dmn_js(),
    )


def _dmn_js() -> bool:
    from webui import assets

    return assets.has_asset("dmn-js", "dmn-viewer.production.min.js")
