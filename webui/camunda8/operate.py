"""Links Camunda Modeler builds to Operate, landing on our pages.

After a deploy Modeler offers ``{operateUrl}/processes?process=<id>&version=<v>``,
after a start ``{operateUrl}/processes/<processInstanceKey>``; its default
operateUrl for a local cluster is ``http://localhost:8080/operate``. These are
UI pages: the browser's session (or the login page) applies, as for every page.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from steadyflow.errors import NotFoundError
from webui.camunda8.context import c8

operate_bp = Blueprint("camunda8_operate", __name__)


@operate_bp.get("/operate")
@operate_bp.get("/operate/")
@operate_bp.get("/operate/processes")
def processes() -> Response:
    process_id = request.args.get("process")
    if process_id:
        version = request.args.get("version", type=int)
        if version:
            return redirect(url_for("ui.definition", key=process_id, version=version))
        return redirect(url_for("ui.definition", key=process_id))
    return redirect(url_for("ui.dashboard"))


@operate_bp.get("/operate/processes/<instance_key>")
def process_instance(instance_key: str) -> Response:
    try:
        instance_id = c8().keys.row(instance_key, "instance", "Process instance")
    except NotFoundError as exc:
        raise NotFound(exc.message) from exc
    return redirect(url_for("ui.instance", instance_id=instance_id))
