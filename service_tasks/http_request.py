"""Reading the REST connector's request from job variables.

The names are the targets of the Camunda REST connector template's input
mappings (``method``, ``url``, ``headers``, ``queryParameters``, ``body``,
``authentication``, ``connectionTimeoutInSeconds``, ``readTimeoutInSeconds``,
``followRedirects``). Every problem here is in the model or its data and
cannot be fixed by retrying, so it is a :class:`NonRetryableError` naming the
variable.

Bodies follow Camunda: ``GET`` sends none; text is sent as it is; anything
else is JSON, or a form when ``Content-Type`` says
``application/x-www-form-urlencoded``; ``Content-Type`` defaults to
``application/json`` whenever a body is sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from engine.handlers import NonRetryableError
from service_tasks.http_auth import read_authentication
from service_tasks.http_redaction import SENSITIVE_NAME, Redactor, safe_url, url_secrets

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DEFAULT_TIMEOUT_S = 20.0
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class HttpRequest:
    """One validated request, ready to send."""

    method: str
    url: str
    headers: dict[str, str]
    query: list[tuple[str, str]]
    content: bytes | None
    connect_timeout_s: float | None
    """None waits forever (Camunda's 0)."""
    read_timeout_s: float | None
    follow_redirects: bool
    redactor: Redactor

    @property
    def shown_url(self) -> str:
        """The URL as messages may show it."""
        return safe_url(self.url)


def read_request(variables: Mapping[str, Any]) -> HttpRequest:
    """Validate the connector's job variables into an :class:`HttpRequest`."""
    auth = read_authentication(variables.get("authentication"))
    url = _url(variables.get("url"))
    headers = _text_map(variables.get("headers"), "headers")
    query = _query(variables.get("queryParameters"))
    secrets = [*auth.secrets, *url_secrets(url)]
    secrets += [v for k, v in headers.items() if SENSITIVE_NAME.search(k)]
    secrets += [v for k, v in query if SENSITIVE_NAME.search(k)]
    headers.update(auth.headers)  # the Authentication section wins over a hand-written header
    query.extend(auth.query.items())
    method = _method(variables.get("method"))
    content = _content(method, variables.get("body"), headers)
    return HttpRequest(
        method=method,
        url=url,
        headers=headers,
        query=query,
        content=content,
        connect_timeout_s=_timeout(variables, "connectionTimeoutInSeconds"),
        read_timeout_s=_timeout(variables, "readTimeoutInSeconds"),
        follow_redirects=_flag(variables.get("followRedirects"), "followRedirects"),
        redactor=Redactor().with_secrets(secrets).with_url(url),
    )


def _method(value: object) -> str:
    method = value.upper() if isinstance(value, str) else value
    if method is None:
        return "GET"
    if method not in METHODS:
        raise NonRetryableError(f"job variable 'method' must be one of {', '.join(METHODS)}, got {value!r}")
    return str(method)


def _url(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise NonRetryableError(
            "job variable 'url' is missing or not text; set the URL in the REST connector's HTTP endpoint section"
        )
    url = value.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise NonRetryableError(f"job variable 'url' is not a valid URL: {safe_url(url)}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise NonRetryableError(
            f"job variable 'url' must be an absolute http:// or https:// URL, got {safe_url(url) or '(empty)'}"
        )
    return url


def _text_map(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise NonRetryableError(
            f"job variable '{name}' must be an object of names to values, got {type(value).__name__}; "
            'write it as a FEEL context such as ={"Accept": "application/json"}'
        )
    result: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            continue
        result[str(key)] = _scalar_text(item, f"{name}.{key}")
    return result


def _query(value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise NonRetryableError(
            f"job variable 'queryParameters' must be an object of names to values, got {type(value).__name__}"
        )
    pairs: list[tuple[str, str]] = []
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        pairs += [(str(key), _scalar_text(i, f"queryParameters.{key}")) for i in items if i is not None]
    return pairs


def _scalar_text(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise NonRetryableError(f"'{where}' must be text, a number or a boolean, got {type(value).__name__}")


def _content(method: str, body: object, headers: dict[str, str]) -> bytes | None:
    if method == "GET" or body is None:
        return None
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if content_type is None:
        headers["Content-Type"] = content_type = "application/json"
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, Mapping) and content_type.split(";")[0].strip().lower() == _FORM:
        return urlencode(_text_map(body, "body")).encode("ascii")
    try:
        # default=str matches how the engine stores variables (dates as ISO text).
        return json.dumps(body, default=str, allow_nan=False).encode("utf-8")
    except ValueError as exc:
        raise NonRetryableError(f"job variable 'body' cannot be sent as JSON: {exc}") from None


def _timeout(variables: Mapping[str, Any], name: str) -> float | None:
    value = variables.get(name)
    if value is None or value == "":
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds < 0:
        raise NonRetryableError(
            f"job variable '{name}' must be a number of seconds >= 0 (0 waits forever), got {value!r}"
        )
    return None if seconds == 0 else seconds


def _flag(value: object, name: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise NonRetryableError(f"job variable '{name}' must be true or false, got {value!r}")
