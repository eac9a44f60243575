"""Request parsing shared by the API's endpoints: JSON bodies and query parameters, with clear 4xx."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from engine.limits import MAX_COUNT, MAX_YEAR, MIN_YEAR, check_epoch
from steadyflow.errors import InvalidInputError
from webui.input_gate import request_json


def json_body(*, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; 415 when it is not JSON, 400 when it does not parse or is not an object."""
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise InvalidInputError("the request needs a JSON object body, for example {}")
        return {}
    if not request.is_json:
        raise UnsupportedMediaType(
            f"send the body as JSON with 'Content-Type: application/json', not {request.mimetype or 'no type'}"
        )
    value = request_json()
    if not isinstance(value, dict):
        raise InvalidInputError(f"the request body must be a JSON object, not {type(value).__name__}")
    return value


def optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"'{name}' must be a string, not {type(value).__name__}")
    return value


def arg_int(name: str, default: int, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """A whole-number query parameter within [minimum, maximum]."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInputError(f"query parameter '{name}' must be a whole number, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise InvalidInputError(f"query parameter '{name}' must be between {minimum} and {maximum}, not {raw}")
    return value


def arg_float(name: str) -> float | None:
    """A time in seconds since 1970 (``since``): finite and within the years every reader can show."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return check_epoch(float(raw), f"query parameter {name}")
    except ValueError:
        raise InvalidInputError(f"query parameter '{name}' must be a number, not {raw!r}") from None


def arg_time(name: str) -> float | None:
    """A time as seconds since the epoch or as an ISO 8601 date / date-time (local time if no zone)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return check_epoch(float(raw), f"query parameter {name}")
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInputError(
            f"query parameter '{name}' must be a date like 2026-01-31 or 2026-01-31T08:00, not {raw!r}"
        ) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidInputError(f"query parameter '{name}': the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return parsed.timestamp()


def arg_str(name: str) -> str | None:
    raw = request.args.get(name, "").strip()
    return raw or None
