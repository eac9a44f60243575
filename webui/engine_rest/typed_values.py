"""Camunda 7 typed variables <-> steadyflow's plain JSON variables.

Camunda sends and expects ``{"name": {"value": ..., "type": "String", "valueInfo": {}}}``.
steadyflow keeps variables as plain JSON values, so decoding checks the value
against its declared type and keeps the plain value (``Json`` text is parsed,
a ``Date`` is kept as Camunda's date text); encoding derives the type from the
value: null -> Null, bool -> Boolean, whole numbers -> Integer or Long,
other numbers -> Double, text -> String (Date when it is Camunda's date format),
lists and objects -> Json (their JSON text, as Camunda's Spin JSON values are).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.limits import MAX_YEAR, MIN_YEAR, parse_json
from steadyflow.errors import InvalidInputError
from webui.engine_rest.errors import bad_request
from webui.input_gate import checked_variables, limits

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
SUPPORTED = ("String", "Boolean", "Integer", "Short", "Long", "Double", "Date", "Json", "Null", "Object")
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")
JSON_FORMAT = "application/json"


def format_date(value: datetime) -> str:
    """Camunda's date format, e.g. ``2013-01-23T13:59:43.000+0200``."""
    if value.tzinfo is None:
        value = value.astimezone()
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}" + value.strftime("%z")


def format_timestamp(seconds: float | None) -> str | None:
    return format_date(datetime.fromtimestamp(seconds).astimezone()) if seconds is not None else None


def parse_date(text: str, what: str) -> datetime:
    """A date in Camunda's format (or any ISO 8601 date-time); 400 naming ``what`` otherwise."""
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return _in_range(datetime.strptime(text, pattern), text, what)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(
            f"Cannot convert value '{text}' of {what} to a Date: use the format yyyy-MM-dd'T'HH:mm:ss.SSSZ, "
            "e.g. 2013-01-23T13:59:43.000+0200"
        ) from None
    return _in_range(parsed, text, what)


def _in_range(value: datetime, text: str, what: str) -> datetime:
    # Year 1 or 9999 overflow when turned into local time or seconds since 1970: refuse them here.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise bad_request(
            f"Cannot convert value '{text}' of {what} to a Date: the year must be {MIN_YEAR} to {MAX_YEAR}"
        )
    return value


def _whole(value: Any, type_: str, name: str, bounds: tuple[int, int]) -> int:
    if isinstance(value, bool):
        raise bad_request(f"Cannot convert value '{value}' of type '{type_}' of variable '{name}': not a number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise bad_request(f"Cannot convert value '{value}' of variable '{name}' to type {type_}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise bad_request(f"Cannot convert value '{value}' of variable '{name}' to type {type_}")
    return value


def _double(value: Any, name: str) -> float | int:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise bad_request(f"Cannot convert value '{value}' of variable '{name}' to type Double") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad_request(f"Cannot convert value '{value}' of variable '{name}' to type Double")
    return value


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_request(f"Cannot convert value '{value}' of variable '{name}' to type Boolean")


def _json_text(value: Any, name: str, type_: str) -> Any:
    if not isinstance(value, str):
        return value  # already structured: accept it as it is
    try:
        return parse_json(value, f"the {type_} value of variable '{name}'", limits())
    except InvalidInputError as exc:
        raise bad_request(f"Cannot deserialize value of variable '{name}' of type {type_}: {exc.message}") from None


def decode_value(name: str, typed: Any) -> Any:
    """One typed variable (``{"value": ..., "type": ...}``) as the plain value steadyflow stores."""
    if not isinstance(typed, dict):
        raise bad_request(f'Variable \'{name}\' must be an object like {{"value": ..., "type": "String"}}')
    value = typed.get("value")
    type_ = typed.get("type")
    if type_ is None or type_ == "":
        return value
    if not isinstance(type_, str):
        raise bad_request(f"The type of variable '{name}' must be a string")
    kind = type_[:1].upper() + type_[1:]
    if kind not in SUPPORTED:
        raise bad_request(f"Unsupported value type '{type_}' of variable '{name}'; use one of {', '.join(SUPPORTED)}")
    if value is None or kind == "Null":
        return None
    if kind == "String":
        if isinstance(value, dict | list):
            raise bad_request(f"Cannot convert value of variable '{name}' to type String: it is structured")
        return value if isinstance(value, str) else json.dumps(value)
    if kind == "Boolean":
        return _boolean(value, name)
    if kind in ("Integer", "Short"):
        return _whole(value, kind, name, INT32 if kind == "Integer" else (-(2**15), 2**15 - 1))
    if kind == "Long":
        return _whole(value, kind, name, INT64)
    if kind == "Double":
        return _double(value, name)
    if kind == "Date":
        if not isinstance(value, str):
            raise bad_request(f"Cannot convert value '{value}' of variable '{name}' to type Date")
        return format_date(parse_date(value, f"variable '{name}'"))
    if kind == "Object":
        info = typed.get("valueInfo") or {}
        if not isinstance(info, dict) or info.get("serializationDataFormat", JSON_FORMAT) != JSON_FORMAT:
            raise bad_request(
                f"Variable '{name}': only Object values serialized as {JSON_FORMAT} are supported; "
                "send it as type Json instead"
            )
    return _json_text(value, name, kind)


def decode_variables(variables: Any, what: str = "variables") -> dict[str, Any]:
    """A Camunda variables map (null or ``{name: typed value}``) as plain values."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise bad_request(f"'{what}' must be an object mapping variable names to typed values")
    decoded = {str(name): decode_value(str(name), typed) for name, typed in variables.items()}
    return checked_variables(decoded, f"'{what}'")


def encode_value(value: Any) -> dict[str, Any]:
    """A plain value as Camunda's typed value."""
    if value is None:
        return {"type": "Null", "value": None, "valueInfo": {}}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value, "valueInfo": {}}
    if isinstance(value, int):
        return {"type": "Integer" if INT32[0] <= value <= INT32[1] else "Long", "value": value, "valueInfo": {}}
    if isinstance(value, float):
        return {"type": "Double", "value": value, "valueInfo": {}}
    if isinstance(value, str):
        return {"type": "Date" if DATE_TEXT.match(value) else "String", "value": value, "valueInfo": {}}
    return {"type": "Json", "value": json.dumps(value, ensure_ascii=False), "valueInfo": {}}


def encode_variables(variables: Mapping[str, Any], names: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Variables as Camunda's typed map; ``names`` keeps only those (None: all)."""
    wanted = variables if names is None else {n: variables[n] for n in names if n in variables}
    return {name: encode_value(value) for name, value in wanted.items()}
