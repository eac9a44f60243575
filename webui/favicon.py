"""``/favicon.ico``: browsers ask for it on every page, logged in or not, so it is public."""

from __future__ import annotations

from flask import Flask, send_from_directory
from werkzeug.wrappers import Response

ICON_MAX_AGE_S = 86_400


def init_app(app: Flask) -> None:
    def favicon() -> Response:
        folder = f"{app.static_folder}/img"
        return send_from_directory(folder, "favicon.png", mimetype="image/png", max_age=ICON_MAX_AGE_S)

    app.add_url_rule("/favicon.ico", "favicon", favicon, methods=["GET"])
