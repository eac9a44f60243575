"""Reading Camunda 7 requests: JSON bodies, query parameters, paging and sorting, with C7-style 400s."""

from __future__ import annotations

from typing import Any

from flask import request

from engine.limits import MAX_COUNT, bounded_int
from steadyflow.errors import InvalidInputError
from webui.engine_rest.errors import bad_request
from webui.input_gate import request_json

MAX_PAGE = 10_000


def json_body(*, required: bool = False) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body unless ``required``)."""
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise bad_request("The request needs a JSON object body")
        return {}
    if request.mimetype and request.mimetype not in ("application/json", "text/plain") and not request.is_json:
        raise bad_request(f"Send the body as JSON with 'Content-Type: application/json', not {request.mimetype}")
    value = request_json()
    if not isinstance(value, dict):
        raise bad_request(f"The request body must be a JSON object, not {type(value).__name__}")
    return value


def body_str(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"'{name}' is required")
        return None
    if not isinstance(value, str):
        raise bad_request(f"'{name}' must be a string, not {type(value).__name__}")
    return value


def body_int(
    body: dict[str, Any],
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int = MAX_COUNT,
) -> int | None:
    """A whole number field within [minimum, maximum] (counts default to Java's int range, as Camunda's)."""
    value = body.get(name)
    if value is None:
        return default
    return bounded_int(value, name, minimum=-MAX_COUNT - 1 if minimum is None else minimum, maximum=maximum)


def body_bool(body: dict[str, Any], name: str, default: bool = False) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"'{name}' must be true or false, not {value!r}")
    return value


def body_str_list(body: dict[str, Any], name: str) -> tuple[str, ...] | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v for v in value.split(",") if v)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"'{name}' must be a list of strings")
    return tuple(value)


def arg_str(name: str) -> str | None:
    value = request.args.get(name)
    return value if value else None


def arg_list(name: str) -> tuple[str, ...] | None:
    value = request.args.get(name)
    if value is None:
        return None
    return tuple(v for v in value.split(",") if v)


def arg_bool(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):
        raise bad_request(f"Cannot set query parameter '{name}' to value '{value}': use true or false")
    return value.lower() == "true"


def arg_int(name: str, default: int | None = None, *, minimum: int = -MAX_COUNT - 1) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        return bounded_int(value, name, minimum=minimum, maximum=MAX_COUNT)
    except InvalidInputError as exc:
        raise bad_request(f"Cannot set query parameter '{name}' to value '{value}': {exc.message}") from None


def paging(source: dict[str, Any] | None = None) -> tuple[int, int | None]:
    """(firstResult, maxResults) from the query string, or from a JSON query body."""
    if source is None:
        first = arg_int("firstResult", 0) or 0
        max_results = arg_int("maxResults")
    else:
        first = body_int(source, "firstResult", 0) or 0
        max_results = body_int(source, "maxResults")
    if first < 0 or (max_results is not None and max_results < 0):
        raise bad_request("firstResult and maxResults must not be negative")
    return first, min(max_results, MAX_PAGE) if max_results is not None else None


def sorting(allowed: set[str], source: dict[str, Any] | None = None) -> tuple[str | None, bool]:
    """(sortBy, descending) from ``sortBy``/``sortOrder`` or a body's ``sorting`` list; both or neither."""
    if source is not None and isinstance(source.get("sorting"), list) and source["sorting"]:
        first = source["sorting"][0]
        if not isinstance(first, dict):
            raise bad_request("'sorting' must be a list of {sortBy, sortOrder} objects")
        sort_by, order = first.get("sortBy"), first.get("sortOrder")
    elif source is not None:
        sort_by, order = source.get("sortBy"), source.get("sortOrder")
    else:
        sort_by, order = request.args.get("sortBy"), request.args.get("sortOrder")
    if sort_by is None and order is None:
        return None, False
    if sort_by is None or order is None:
        raise bad_request("Only a single sorting parameter specified. sortBy and sortOrder required")
    if sort_by not in allowed:
        raise bad_request(f"Cannot set query parameter 'sortBy' to value '{sort_by}'; use one of {sorted(allowed)}")
    if order not in ("asc", "desc"):
        raise bad_request(f"Cannot set query parameter 'sortOrder' to value '{order}'; use asc or desc")
    return str(sort_by), order == "desc"


def page(items: list[Any], first: int, max_results: int | None) -> list[Any]:
    end = None if max_results is None else first + max_results
    return items[first:end]
