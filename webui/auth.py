"""Who is asking: session login for pages, HTTP basic and bearer tokens for the APIs, roles, CSRF.

Every request but ``/health``, the login page and static assets needs a user.
A session-authenticated request that changes something must carry the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``);
basic and bearer requests carry no cookies, so they need none.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.wrappers import Response

from engine.access_tokens import ACCESS_PREFIX
from engine.accounts import Accounts, UserRecord, role_allows
from webui import throttle
from webui.oauth import user_for_access_token
from webui.throttle import record_login, refuse_if_throttled

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_ENDPOINTS = {
    "health",
    "favicon",
    "static",
    "vendor",
    "ui.login",
    "engine_rest_webapps.well_known",
    "oauth.token",
}
"""Besides: Camunda Modeler's well-known webapps document, which it fetches without credentials, and the
OAuth token endpoint, which checks the client credentials it is sent itself."""
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_PREFIXES = ("/api/", "/engine-rest/", "/rest/", "/v2/")


class CsrfError(Forbidden):
    description = "the form is out of date or was not sent by this site (missing or wrong CSRF token); reload the page"


class PasswordChangeRequired(Forbidden):
    description = "this account still has its one-time password; log in to the web UI and choose a new one first"


def accounts() -> Accounts:
    return cast(Accounts, current_app.extensions["steadyflow.accounts"])


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def login_session(user: UserRecord) -> None:
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["pwd"] = user.password_changed_at
    csrf_token()


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIXES)


def _from_header(header: str) -> tuple[UserRecord | None, str]:
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        if value.startswith(ACCESS_PREFIX):
            return user_for_access_token(value), "bearer"
        return accounts().user_for_token(value), "bearer"
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, "basic"
        username, sep, password = decoded.partition(":")
        if not sep:
            return None, "basic"
        refuse_if_throttled(username)
        user = accounts().authenticate(username, password)
        record_login(username, user is not None)
        if user is None:
            return None, "basic"
        if user.must_change_password:
            raise PasswordChangeRequired()
        return user, "basic"
    return None, scheme.lower() or "none"


def _from_session() -> UserRecord | None:
    user_id = session.get("uid")
    if not isinstance(user_id, str):
        return None
    user = accounts().user_by_id(user_id)
    # A removed user, or a password changed elsewhere, ends every session of that user.
    if user is None or session.get("pwd") != user.password_changed_at:
        session.clear()
        return None
    return user


def csrf_token_matches() -> bool:
    """Whether the request carries this session's CSRF token (header or form field)."""
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf")
    return isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())


def _check_csrf() -> None:
    if not csrf_token_matches():
        raise CsrfError()


def authenticate() -> Response | None:
    """``before_request``: set ``g.user`` or answer 401 / redirect to the login page."""
    g.user = None
    g.auth_method = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    if not header.strip() and _c8_no_auth():
        g.user, g.auth_method = C8_NO_AUTH_USER, "none"
        return None
    if header and is_api_request():
        user, method = _from_header(header)
        if user is None:
            raise Unauthorized(f"the {method} credentials were not accepted; check the user name and password or token")
        g.user, g.auth_method = user, method
        return None
    user = _from_session()
    if user is None:
        if is_api_request():
            raise Unauthorized("log in first: send HTTP basic credentials or 'Authorization: Bearer <token>'")
        return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
    g.user, g.auth_method = user, "session"
    if request.method not in SAFE_METHODS:
        _check_csrf()
    if user.must_change_password and request.endpoint not in ("ui.change_password", "ui.logout"):
        if is_api_request():
            raise PasswordChangeRequired()
        return redirect(url_for("ui.change_password"))
    return None


C8_NO_AUTH_USER = UserRecord(
    id="c8-no-auth",
    username="c8-no-auth",
    password_hash="",
    role="admin",
    must_change_password=False,
    created_at=0.0,
    password_changed_at=0.0,
)
"""Who a credential-less /v2 request is under ``serve --c8-no-auth`` (Camunda Modeler's zero-configuration default)."""


def _c8_no_auth() -> bool:
    """``serve --c8-no-auth``: /v2 requests without credentials from this machine are let in.

    The CLI only allows it on a loopback listener; the peer address is checked
    here as well, so a proxy or a wrong bind cannot open /v2 to the network.
    """
    if not current_app.config.get("C8_NO_AUTH") or not request.path.startswith("/v2/"):
        return False
    if not _is_loopback(request.remote_addr or ""):
        return False
    _refuse_browser_requests_from_other_sites()
    return True


class NoAuthCrossSiteRequest(Forbidden):
    pass


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_without_port(host: str) -> str:
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _refuse_browser_requests_from_other_sites() -> None:
    """A loopback peer is not enough: a web page can make the browser on this machine send requests.

    A multipart POST needs no CORS preflight, and DNS rebinding points a foreign
    name at 127.0.0.1; so the Host must name loopback and a browser's Origin /
    Sec-Fetch-Site must not be another site. Camunda Modeler sends no Origin or a loopback one.
    """
    if not _is_loopback(_host_without_port(request.headers.get("Host", ""))):
        raise NoAuthCrossSiteRequest(
            "--c8-no-auth only answers requests addressed to localhost, 127.0.0.1 or [::1];"
            " use that address or send credentials"
        )
    origin = request.headers.get("Origin")
    if origin is not None and not _is_loopback(urlsplit(origin).hostname or ""):
        raise NoAuthCrossSiteRequest(
            f"--c8-no-auth refuses requests from the web origin {origin!r}; send credentials instead"
        )
    if request.headers.get("Sec-Fetch-Site", "").lower() in ("cross-site", "same-site"):
        raise NoAuthCrossSiteRequest(
            "--c8-no-auth refuses requests a browser sent on behalf of another site; send credentials instead"
        )


def current_user() -> UserRecord:
    return cast(UserRecord, g.user)


def can(role: str) -> bool:
    user = g.get("user")
    return user is not None and role_allows(user.role, role)


def requires(role: str) -> Callable[[F], F]:
    """Refuse the view with 403 unless the user's role is at least ``role``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(role):
                raise Forbidden(f"this needs the {role} role; you are {current_user().role}")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def init_app(app: Flask, accounts_: Accounts) -> None:
    app.extensions["steadyflow.accounts"] = accounts_
    throttle.init_app(app)
    app.before_request(authenticate)
    app.jinja_env.globals.update(csrf_token=csrf_token, can=can)


__all__ = ["can", "csrf_token", "current_user", "init_app", "login_session", "requires"]
