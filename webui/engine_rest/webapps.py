"""Where Camunda Modeler links after a deploy or start: the well-known webapps document and its paths.

Modeler fetches ``/.well-known/camunda-automation-platform/webapps`` without
credentials and links to ``<cockpitUrl>process-instance/<id>`` and
``<cockpitUrl>repository?deploymentsQuery=...``; those paths redirect to our
instance and definition pages.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from webui.engine_rest.context import rest

webapps_bp = Blueprint("engine_rest_webapps", __name__)
COCKPIT_PATH = "/camunda/"
WELL_KNOWN_ENDPOINT = "engine_rest_webapps.well_known"


@webapps_bp.get("/.well-known/camunda-automation-platform/webapps")
def well_known() -> Response:
    root = request.host_url.rstrip("/")
    return jsonify(
        {
            "adminUrl": root + url_for("ui.change_password"),
            "cockpitUrl": root + COCKPIT_PATH,
            "tasklistUrl": root + url_for("ui.tasks"),
        }
    )


@webapps_bp.get(COCKPIT_PATH + "process-instance/<instance_id>")
def cockpit_instance(instance_id: str) -> BaseResponse:
    return redirect(url_for("ui.instance", instance_id=instance_id))


@webapps_bp.get(COCKPIT_PATH + "repository")
def cockpit_repository() -> BaseResponse:
    """The definition page of the deployment in ``deploymentsQuery`` (Cockpit's repository filter)."""
    deployment_id = None
    try:
        filters = json.loads(request.args.get("deploymentsQuery", "[]"))
        deployment_id = next((f.get("value") for f in filters if isinstance(f, dict) and f.get("type") == "id"), None)
    except (ValueError, TypeError):
        deployment_id = None
    for record in rest().queries.definitions():
        if record.deployment_id == deployment_id:
            return redirect(url_for("ui.definition", key=record.key))
    return redirect(url_for("ui.dashboard"))
