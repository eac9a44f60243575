"""The input gate as the HTTP APIs use it: request bodies and variables checked against the app's limits.

/api/v1, /engine-rest and the coming /v2 API read bodies through ``request_json``
so that depth, numbers, Unicode and sizes are refused the same way everywhere,
before any endpoint changes anything. The limits are ``InputLimits`` from the
environment unless the app was created with ``config={"INPUT_LIMITS": ...}``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request

from engine.limits import InputLimits, check_instance_total, check_value, check_variables, parse_json

EXTENSION = "steadyflow.input_limits"


def init_app(app: Flask) -> None:
    configured = app.config.get("INPUT_LIMITS")
    app.extensions[EXTENSION] = configured if isinstance(configured, InputLimits) else InputLimits()


def limits() -> InputLimits:
    found = current_app.extensions.get(EXTENSION)
    return found if isinstance(found, InputLimits) else InputLimits()


def request_json() -> Any:
    """The request body parsed and checked (the caller has made sure it is not empty)."""
    return parse_json(request.get_data(cache=True), "the request body", limits())


def checked_variables(variables: Mapping[str, Any], where: str = "variables") -> dict[str, Any]:
    """``variables`` after the gate's checks: valid values, within the per-value and per-request caps."""
    check_variables(variables, where, limits())
    return dict(variables)


def checked_for_instance(instance_id: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """``variables`` checked, and checked to keep the instance's variables within the per-instance cap."""
    checked = checked_variables(variables)
    if checked:
        engine = current_app.extensions["steadyflow"].engine
        check_instance_total(engine.variables(instance_id), checked, limits())
    return checked


def checked_value(value: Any, where: str) -> Any:
    check_value(value, where, limits())
    return value


def without_database_location(message: str) -> str:
    """``message`` with the database's URL and file path replaced: clients must not learn where it lives."""
    services = current_app.extensions.get("steadyflow")
    db = getattr(getattr(services, "engine", None), "db", None)
    if db is None:
        return message
    names = {str(db.url), str(db.safe_url)}
    if db.is_sqlite:
        path = str(db.url).removeprefix("sqlite:///")
        names |= {path, os.path.abspath(path)} if path and path != ":memory:" else set()
    for name in sorted(names, key=len, reverse=True):
        if name:
            message = message.replace(name, "the database")
    return message
