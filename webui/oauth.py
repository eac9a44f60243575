"""``POST /oauth/token``: the OAuth 2.0 client credentials grant, for Camunda 8 clients set up for OAuth.

The client id is a steadyflow user name and the client secret one of that
user's API tokens (``steadyflow users token NAME``); the answer is a bearer
access token valid for an hour (``engine.access_tokens``), which every API then
accepts. Credentials come in the form body (``client_id``, ``client_secret``) or
as HTTP basic; ``audience`` and ``scope`` are accepted and ignored. Errors are
RFC 6749 section 5.2 JSON (``error``, ``error_description``); failed attempts are
throttled like wrong passwords.
"""

from __future__ import annotations

import base64
import binascii
from typing import cast

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.wrappers import Response

from engine.access_tokens import LIFETIME_S, AccessTokens
from engine.accounts import Accounts, UserRecord
from webui.throttle import record_login, refuse_if_throttled

EXTENSION = "steadyflow.access_tokens"
oauth_bp = Blueprint("oauth", __name__)


def _error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="steadyflow"'
    return response


def _credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep else None
    form_id, form_secret = request.form.get("client_id"), request.form.get("client_secret")
    return (form_id, form_secret) if form_id and form_secret else None


@oauth_bp.post("/oauth/token")
def token() -> Response:
    if request.mimetype != "application/x-www-form-urlencoded":
        return _error(400, "invalid_request", "send the token request as application/x-www-form-urlencoded")
    grant = request.form.get("grant_type")
    if grant != "client_credentials":
        return _error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
    credentials = _credentials()
    if credentials is None:
        return _error(400, "invalid_request", "send client_id (a user name) and client_secret (its API token)")
    client_id, secret = credentials
    refuse_if_throttled(client_id)
    access = access_tokens().issue(client_id, secret)
    record_login(client_id, access is not None)
    if access is None:
        return _error(401, "invalid_client", "client_secret is not an API token of the user named by client_id")
    response = jsonify({"access_token": access, "token_type": "Bearer", "expires_in": LIFETIME_S})
    response.headers["Cache-Control"] = "no-store"
    return response


def access_tokens() -> AccessTokens:
    return cast(AccessTokens, current_app.extensions[EXTENSION])


def user_for_access_token(value: str) -> UserRecord | None:
    return access_tokens().user_for(value)


def init_app(app: Flask, accounts: Accounts) -> None:
    app.extensions[EXTENSION] = AccessTokens(accounts)
    app.register_blueprint(oauth_bp)
