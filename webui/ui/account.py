"""Log in, log out, change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as HttpResponse

from steadyflow.errors import InvalidInputError
from webui.auth import csrf_token_matches, current_user, login_session
from webui.services import services
from webui.throttle import record_login, refuse_if_throttled
from webui.ui import bp


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another host."""
    if not target:
        return url_for("ui.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ui.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> HttpResponse | str:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not csrf_token_matches():
            # Login CSRF: another site must not log this browser in to an account of its choosing.
            return Response(
                render_template(
                    "ui/login.html", error="The login form was out of date; please log in again.", username=username
                ),
                status=403,
            )
        refuse_if_throttled(username or None)
        user = services().accounts.authenticate(username, password) if username and password else None
        record_login(username or None, user is not None)
        if user is not None:
            login_session(user)
            return redirect(_safe_next(request.args.get("next")))
        return Response(
            render_template("ui/login.html", error="Wrong user name or password.", username=username), status=401
        )
    return render_template("ui/login.html", error=None, username="")


@bp.post("/logout")
def logout() -> HttpResponse:
    session.clear()
    return redirect(url_for("ui.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> HttpResponse | str:
    user = current_user()
    error = None
    if request.method == "POST":
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        if services().accounts.authenticate(user.username, current) is None:
            error = "The current password is wrong."
        elif new != request.form.get("confirm_password", ""):
            error = "The new passwords do not match."
        elif new == current:
            error = "Choose a password different from the current one."
        else:
            try:
                services().accounts.set_password(user.username, new)
            except InvalidInputError as exc:
                error = exc.message
            else:
                login_session(services().accounts.user(user.username))
                flash("Password changed.", "ok")
                return redirect(url_for("ui.dashboard"))
    status = 400 if error else 200
    return Response(render_template("ui/password.html", error=error, forced=user.must_change_password), status=status)
