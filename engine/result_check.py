"""Check what a handler returned before it joins a results batch: plain JSON, or a precise reason why not.

A value that cannot be stored must fail its own job where the handler returned it; found
later, while the batch is written, it would sink every other result of that batch. The
same goes for values past the engine's variable caps (engine/limits.py), which the edges
apply to client input: a handler is one more way in.
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Mapping
from typing import Any

from engine.limits import InputLimits, check_variables
from steadyflow.errors import InvalidInputError

MAX_DEPTH = 200
"""Deeper values are refused: they are almost always a structure that contains itself."""

_HINTS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    ((datetime.datetime, datetime.date, datetime.time), "return ISO text instead (value.isoformat())"),
    (datetime.timedelta, "return a number of seconds or ISO 8601 duration text instead"),
    ((set, frozenset), "return a list instead"),
    ((bytes, bytearray, memoryview), "return text instead (base64 for binary data)"),
    (decimal.Decimal, "return a number or its text instead"),
)


def _describe(value: Any) -> str:
    for types, hint in _HINTS:
        if isinstance(value, types):
            return f"is a {type(value).__name__}; {hint}"
    return f"is a {type(value).__name__}; return plain JSON values (dict, list, str, int, float, bool, None)"


def _nul_problem(text: str, where: str) -> str | None:
    # PostgreSQL text and JSON cannot hold U+0000; stored, it would sink the whole results batch.
    at = text.find("\x00")
    if at < 0:
        return None
    return f"{where} holds a NUL character (\\x00) at position {at}; PostgreSQL cannot store it, remove it first"


def _problem(value: Any, where: str, depth: int) -> str | None:
    if isinstance(value, str):
        return _nul_problem(value, where)
    if value is None or isinstance(value, (bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} is {value!r}; return a finite number or None instead"
    if depth >= MAX_DEPTH:
        return f"{where} is nested deeper than {MAX_DEPTH} levels (does it contain itself?)"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} has a key {key!r} of type {type(key).__name__}; use text keys"
            if found := _nul_problem(key, f"a key of {where}"):
                return found
            if found := _problem(item, f"{where}[{key!r}]", depth + 1):
                return found
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if found := _problem(item, f"{where}[{index}]", depth + 1):
                return found
        return None
    return f"{where} {_describe(value)}"


def result_problem(job_type: str, result: object) -> str | None:
    """Why ``result`` (a handler's return value) cannot be stored as variables, or None when it can."""
    if result is None:
        return None
    if not isinstance(result, Mapping):
        return f"handler for job type {job_type} returned a {type(result).__name__}, not a mapping of variables"
    for name, value in result.items():
        if not isinstance(name, str) or not name or "\x00" in name:
            return (
                f"handler for job type {job_type} returned a variable name {name!r};"
                " names must be non-empty text without NUL characters"
            )
        if found := _problem(value, f"variable '{name}'", 0):
            return f"handler for job type {job_type} returned a value that is not JSON: {found}"
    return None


def result_refusal(job_type: str, result: Mapping[str, Any] | None, limits: InputLimits) -> InvalidInputError | None:
    """Why the JSON ``result`` is refused by the variable caps or the input checks, or None when it is not.

    A value past the per-value cap, the result past the per-request cap, a lone surrogate or a
    number past 64 bits. Call after :func:`result_problem` found ``result`` to be JSON. The cap on
    the instance's variables together is not checked here: it would cost sizing them all per job.
    """
    if not result:
        return None
    try:
        check_variables(result, "variables", limits)
    except InvalidInputError as exc:
        return type(exc)(f"handler for job type {job_type} returned a result the engine does not store: {exc}")
    return None
