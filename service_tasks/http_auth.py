"""The REST connector's ``authentication`` input, as Camunda's template writes it.

The template maps ``authentication.type`` and friends, which arrive as one
nested object::

    {"type": "noAuth"}
    {"type": "basic", "username": "...", "password": "..."}
    {"type": "bearer", "token": "..."}
    {"type": "apiKey", "name": "...", "value": "...", "apiKeyLocation": "headers" | "query"}

(``location`` is accepted for ``apiKeyLocation``.) The OAuth types of the
template are refused with a hint: fetch the token in an earlier task and pass
it as a bearer token. Every credential becomes a secret of the redactor, so
no message or log line shows it.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.handlers import NonRetryableError

AUTH_TYPES = ("noAuth", "basic", "bearer", "apiKey")
_OAUTH_TYPES = ("oauth-client-credentials-flow", "oauth-refresh-token")
_API_KEY_LOCATIONS = ("headers", "query")


@dataclass(frozen=True)
class Authentication:
    """What an authentication adds to a request, and the values to hide."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


def read_authentication(value: object) -> Authentication:
    """Turn the ``authentication`` job variable into headers or query parameters."""
    if value is None:
        return Authentication()
    if not isinstance(value, Mapping):
        raise NonRetryableError(
            f"job variable 'authentication' must be an object with a 'type', got {type(value).__name__}; "
            "map authentication.type (and its fields) as the REST connector template does"
        )
    kind = value.get("type") or "noAuth"
    if kind == "noAuth":
        return Authentication()
    if kind == "basic":
        return _basic(value)
    if kind == "bearer":
        token = _required_text(value, "token", "bearer")
        return Authentication(headers={"Authorization": f"Bearer {token}"}, secrets=(token,))
    if kind == "apiKey":
        return _api_key(value)
    if kind in _OAUTH_TYPES:
        raise NonRetryableError(
            f"authentication type '{kind}' is not supported by steadyflow's REST connector; "
            "fetch the access token in an earlier task and use authentication type 'bearer'"
        )
    raise NonRetryableError(f"unknown authentication type {kind!r}; use one of: {', '.join(AUTH_TYPES)}")


def _basic(value: Mapping[str, Any]) -> Authentication:
    username = _required_text(value, "username", "basic")
    password = value.get("password")
    if password is None:
        password = ""
    if not isinstance(password, str):
        raise NonRetryableError(
            f"authentication.password must be text, got {type(password).__name__}; the value is not shown"
        )
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return Authentication(headers={"Authorization": f"Basic {encoded}"}, secrets=(password, encoded))


def _api_key(value: Mapping[str, Any]) -> Authentication:
    name = _required_text(value, "name", "apiKey", secret=False)
    key = _required_text(value, "value", "apiKey")
    location = value.get("apiKeyLocation", value.get("location")) or "headers"
    if location == "headers":
        return Authentication(headers={name: key}, secrets=(key,))
    if location == "query":
        return Authentication(query={name: key}, secrets=(key,))
    raise NonRetryableError(
        f"authentication.apiKeyLocation must be one of {', '.join(_API_KEY_LOCATIONS)}, got {location!r}"
    )


def _required_text(value: Mapping[str, Any], field_name: str, kind: str, *, secret: bool = True) -> str:
    text = value.get(field_name)
    if isinstance(text, str) and text:
        return text
    # A wrong-typed secret is still a secret: describe it, never echo it.
    shown = f"got {type(text).__name__}" if secret else f"got {text!r}"
    raise NonRetryableError(
        f"authentication type '{kind}' needs authentication.{field_name} as non-empty text ({shown}); "
        f"map it in the REST connector's Authentication section"
    )
