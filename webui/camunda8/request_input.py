"""Reading /v2 request bodies strictly: every field's type checked before anything changes.

Unknown fields are ignored, as Camunda ignores them. Bodies go through the
input gate (``engine.limits``) shared with the other APIs: NaN, Infinity, deep nesting,
invalid Unicode, NUL and oversized variables are a 400 problem.
"""

from __future__ import annotations

from typing import Any

from flask import request

from engine.limits import INT64_MAX
from webui.camunda8.problems import C8Problem, bad_request
from webui.input_gate import checked_variables, request_json


def json_body(*, required: bool = True) -> dict[str, Any]:
    """The request's JSON object ({} for an empty optional body)."""
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise bad_request("The request needs a JSON object body")
        return {}
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise C8Problem(415, f"Send the body as application/json, not '{request.mimetype or 'none'}'")
    body = request_json()  # the input gate: bounded depth, finite numbers, valid Unicode, no NUL
    if not isinstance(body, dict):
        raise bad_request(f"The request body must be a JSON object, not {type(body).__name__}")
    return body


def text(body: dict[str, Any], name: str, *, required: bool = False, where: str = "") -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"No {where}{name} provided")
        return None
    if not isinstance(value, str):
        raise bad_request(f"{where}{name} must be a string, not {type(value).__name__}")
    if required and not value:
        raise bad_request(f"{where}{name} must not be empty")
    return value


def number(
    body: dict[str, Any], name: str, *, minimum: int | None = None, maximum: int = INT64_MAX, where: str = ""
) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{where}{name} must be a whole number, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise bad_request(f"{where}{name} must be at least {minimum}, not {value}")
    if value > maximum:
        raise bad_request(f"{where}{name} must be at most {maximum}, not {value}")
    return value


def flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad_request(f"{name} must be true or false, not {type(value).__name__}")
    return value


def key(body: dict[str, Any], name: str, *, where: str = "") -> str | None:
    """A key field: a string of digits (or, leniently, a whole number)."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT64_MAX:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and 0 < len(value) <= 19:
        return value
    raise bad_request(f"{where}{name} must be a key: a string of up to 19 digits, not {value!r}")


def names(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{name} must be a list of variable names")
    return list(value)


def variables(body: dict[str, Any], name: str = "variables") -> dict[str, Any]:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise bad_request(f"{name} must be a JSON object of name -> value, not {type(value).__name__}")
    return checked_variables(value or {}, name)


def obj(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{name} must be a JSON object, not {type(value).__name__}")
    return value


def tenant(value: Any, where: str = "tenantId") -> None:
    """steadyflow has one tenant, Camunda's default; accept its names, refuse others."""
    if value is None or value in ("", "<default>"):
        return
    if not isinstance(value, str):
        raise bad_request(f"{where} must be a string")
    raise bad_request(f"Tenant '{value}' does not exist: steadyflow has one tenant, '<default>'")


def page(body: dict[str, Any]) -> tuple[int, int]:
    """``page.from`` and ``page.limit`` of a search (defaults 0 and 100)."""
    raw = obj(body, "page")
    start = number(raw, "from", minimum=0, maximum=1_000_000, where="page.") or 0
    limit = number(raw, "limit", minimum=1, maximum=10_000, where="page.")
    return start, 100 if limit is None else limit
