"""Who am I, and the OpenAPI document."""

from __future__ import annotations

from flask import g, jsonify, request
from werkzeug.wrappers import Response

from webui.api import bp
from webui.api.openapi import document
from webui.auth import csrf_token, current_user


@bp.get("/me")
def me() -> Response:
    user = current_user()
    body = {"username": user.username, "role": user.role, "auth": g.auth_method}
    if g.auth_method == "session":
        body["csrf_token"] = csrf_token()
    return jsonify(body)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document(request.host_url.rstrip("/") + (bp.url_prefix or "")))
