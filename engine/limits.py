"""The input gate: what every edge (/api/v1, /engine-rest, the CLI, the /v2 API) accepts before anything changes.

Input that the store cannot keep, or that breaks a later read, is refused here
with a message saying where it is and what to send instead: JSON nested deeper
than the limit (checked on the raw text, so a 100,000-deep body never reaches
the recursive parser), numbers that are not finite or do not fit a signed
64-bit integer, text with NUL characters (PostgreSQL text cannot hold them) or lone
surrogates (they cannot be written as UTF-8), variable names longer than
1,000 characters,
and variables larger than the configured caps. Durations and counts given by
clients are bounded so that ``now + duration`` stays a time every reader can
format.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bpmn.expressions.limits import MAX_STRING_LENGTH, ExpressionLimits
from steadyflow.errors import InvalidInputError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MAX = 2**31 - 1
MAX_COUNT = INT32_MAX
"""Paging offsets, page sizes, page numbers and retry counts: Camunda 7 keeps them as Java ints."""
MAX_DURATION_MS = 10 * 366 * 24 * 3600 * 1000
"""Lock durations, retry timeouts and other client-given delays: at most ten years, in milliseconds."""
MIN_YEAR, MAX_YEAR = 1900, 9998
"""Dates outside these years are refused: the store keeps times as seconds since 1970 and every reader
must be able to turn them back into a local date (year 1 or 9999 overflow in some time zones)."""

MAX_NAME_LENGTH = 1000
"""Characters in a variable name. Camunda 7 stores names as VARCHAR(255); this is more generous
but keeps error messages and indexes small."""

# The scan for json_depth, linear in the body's length by construction: outside strings a single
# character class is searched forward from where the last match stopped; a string's rest is matched
# once with possessive quantifiers (Python 3.11+), which never backtrack, so an unterminated string
# with many escapes costs one pass, not one pass per quote.
_OUTSIDE_STRING = re.compile(r'["\[\]{}]')
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.DOTALL)


def _env_int(name: str, default: int, unit: str = "bytes (or levels)") -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInputError(f"{name}={raw!r} must be a whole number of {unit}") from None
    if value <= 0:
        raise InvalidInputError(f"{name}={raw!r} must be positive (a whole number of {unit})")
    return value


def expression_limits_from_env() -> ExpressionLimits:
    """The expression output limits an operator set: STEADYFLOW_MAX_EXPRESSION_TEXT characters per string.

    One evaluation may build ten such strings in total (the default ratio), so lowering the
    one limit lowers the memory an expression can take with it.
    """
    longest = _env_int("STEADYFLOW_MAX_EXPRESSION_TEXT", MAX_STRING_LENGTH, "characters")
    return ExpressionLimits(max_string_length=longest, max_total_text=longest * 10)


@dataclass(frozen=True)
class InputLimits:
    """Caps on client input; each can be set by an environment variable (shown) or passed in."""

    max_json_depth: int = field(default_factory=lambda: _env_int("STEADYFLOW_MAX_JSON_DEPTH", 64))
    """STEADYFLOW_MAX_JSON_DEPTH: nesting levels of a request body or JSON variable value."""
    max_variable_bytes: int = field(default_factory=lambda: _env_int("STEADYFLOW_MAX_VARIABLE_BYTES", 1024 * 1024))
    """STEADYFLOW_MAX_VARIABLE_BYTES: one variable's value as UTF-8 JSON (default 1 MiB)."""
    max_variables_bytes: int = field(
        default_factory=lambda: _env_int("STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES", 16 * 1024 * 1024)
    )
    """STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES: all variables sent in one request (default 16 MiB)."""


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text``, without parsing it (strings skipped).

    One pass from left to right: outside a string the next quote or bracket is found; at a quote the
    string's rest (escapes included) is skipped. An unterminated string ends the scan; json.loads then
    reports the syntax error with its position.
    """
    depth = deepest = pos = 0
    while (found := _OUTSIDE_STRING.search(text, pos)) is not None:
        char, pos = found.group(), found.end()
        if char == '"':
            rest = _STRING_REST.match(text, pos)
            if rest is None:
                break
            pos = rest.end()
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_json(text: str | bytes, what: str = "the request body", limits: InputLimits | None = None) -> Any:
    """``text`` parsed as JSON and checked by :func:`check_value`; InvalidInputError saying what is wrong."""
    limits = limits or InputLimits()
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                f"{what} is not UTF-8 text (byte {exc.start}): send JSON encoded as UTF-8"
            ) from None
    depth = json_depth(text)
    if depth > limits.max_json_depth:
        raise InvalidInputError(
            f"{what} nests arrays/objects {depth} levels deep; at most {limits.max_json_depth} are allowed"
        )
    try:
        # NaN, Infinity and 1e999 parse as non-finite floats; check_value refuses them naming where they are.
        value = json.loads(text)
    except RecursionError:
        raise InvalidInputError(f"{what} nests arrays/objects too deeply") from None
    except ValueError as exc:
        raise InvalidInputError(f"{what} is not valid JSON: {exc}") from None
    check_value(value, what, limits)
    return value


_Path = tuple["_Path | str", "str | int"]
"""Where a value sits: (parent, key or index), the root being the caller's ``where`` text. Kept as
links and rendered only for a refusal, so a long key over a long list is not copied per element."""


def _render(path: _Path | str) -> str:
    parts: list[str] = []
    while isinstance(path, tuple):
        path, key = path
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append("." + (key if len(key) <= 80 else f"{key[:80]}...({len(key)} characters)"))
    return path + "".join(reversed(parts))


def check_value(value: Any, where: str, limits: InputLimits | None = None) -> None:
    """Refuse what the store cannot keep: deep nesting, NUL or lone surrogates, non-finite or >64-bit numbers."""
    limits = limits or InputLimits()
    stack: list[tuple[_Path | str, Any, int]] = [(where, value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if depth > limits.max_json_depth:
            raise InvalidInputError(f"{_render(path)} nests more than {limits.max_json_depth} levels deep")
        if isinstance(item, str):
            _check_text_at(item, path)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise InvalidInputError(
                    f"{_render(path)}: {item} does not fit a signed 64-bit integer; "
                    "send it as a string or a smaller number"
                )
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidInputError(
                    f"{_render(path)}: {item} is not a finite number (NaN, Infinity and numbers beyond about "
                    "1.8e308 cannot be stored); send a finite number or null"
                )
        elif isinstance(item, Mapping):
            for key, child in item.items():
                name = str(key)
                if _text_problem(name) is not None:
                    check_text(name, f"{_render(path)}: the name")
                stack.append(((path, name), child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend(((path, i), child, depth + 1) for i, child in enumerate(item))


def _text_problem(text: str) -> int | None:
    """The index of the first character the store cannot keep (NUL or a lone surrogate), or None."""
    if "\x00" in text:
        return text.index("\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _check_text_at(text: str, path: _Path | str) -> None:
    if _text_problem(text) is not None:
        check_text(text, _render(path))


def check_text(text: str, where: str) -> None:
    """Refuse text the store cannot keep, naming its position: a NUL character (PostgreSQL text cannot
    hold one) or a lone surrogate such as \\ud800 (it has no UTF-8 form)."""
    at = _text_problem(text)
    if at is None:
        return
    if text[at] == "\x00":
        raise InvalidInputError(
            f"{where} holds a NUL character (\\u0000) at character {at}: the store cannot keep it in text; "
            "remove it, or send binary data encoded (for example as base64)"
        )
    raise InvalidInputError(
        f"{where} holds a lone surrogate (\\u{ord(text[at]):04x}) at character {at}: "
        "send valid Unicode text (surrogates must come in pairs)"
    )


def value_size(value: Any) -> int:
    """A value's size as the store keeps it: UTF-8 JSON bytes."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def check_variables(variables: Mapping[str, Any], where: str = "variables", limits: InputLimits | None = None) -> None:
    """Refuse variables that are malformed (see check_value) or larger than the caps, naming the largest."""
    limits = limits or InputLimits()
    for name in variables:
        if len(str(name)) > MAX_NAME_LENGTH:
            raise InvalidInputError(
                f"{where}: a variable name is {len(str(name))} characters long (it starts {str(name)[:40]!r}); "
                f"at most {MAX_NAME_LENGTH} are allowed: use a shorter name"
            )
    check_value(dict(variables), where, limits)
    total = 0
    for name, value in variables.items():
        size = value_size(value)
        if size > limits.max_variable_bytes:
            raise VariableTooLargeError(
                f"variable {name!r} is {size} bytes as JSON; one value may have at most {limits.max_variable_bytes} "
                "bytes (STEADYFLOW_MAX_VARIABLE_BYTES): keep large data outside and store a reference"
            )
        total += size
    if total > limits.max_variables_bytes:
        raise VariableTooLargeError(
            f"the {where} are {total} bytes as JSON together; at most {limits.max_variables_bytes} are allowed "
            "(STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES): keep large data outside and store references"
        )


def check_instance_total(
    existing: Mapping[str, Any], changes: Mapping[str, Any], limits: InputLimits | None = None
) -> None:
    """Refuse ``changes`` when the instance's variables with them applied would pass the per-instance cap."""
    limits = limits or InputLimits()
    merged = {**existing, **changes}
    total = sum(value_size(value) for value in merged.values())
    if total > limits.max_variables_bytes:
        raise VariableTooLargeError(
            f"with these changes the instance's variables would be {total} bytes as JSON; at most "
            f"{limits.max_variables_bytes} are allowed (STEADYFLOW_MAX_INSTANCE_VARIABLES_BYTES): "
            "keep large data outside and store references"
        )


class VariableTooLargeError(InvalidInputError):
    code = "variable_too_large"


def bounded_int(value: Any, name: str, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """A whole number from a client, within [minimum, maximum]; ``name`` says which field in the refusal."""
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidInputError(f"'{name}' must be a whole number, not {value!r}") from None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"'{name}' must be a whole number, not {value!r}")
    if not minimum <= value <= maximum:
        raise InvalidInputError(f"'{name}' must be between {minimum} and {maximum}, not {value}")
    return value


def bounded_float(value: Any, name: str, *, minimum: float, maximum: float) -> float:
    """A finite number from a client (a string is parsed), within [minimum, maximum]."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InvalidInputError(f"'{name}' must be a number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"'{name}' must be a finite number, not {value!r}")
    if not minimum <= value <= maximum:
        raise InvalidInputError(f"'{name}' must be between {minimum:g} and {maximum:g}, not {value:g}")
    return float(value)


MIN_EPOCH_S = -2_208_988_800.0  # 1900-01-01 UTC
MAX_EPOCH_S = 253_370_764_800.0  # 9999-01-01 UTC


def check_epoch(seconds: float, name: str) -> float:
    """A time in seconds since 1970 that every reader can format as a date (years 1900 to 9998)."""
    return bounded_float(seconds, name, minimum=MIN_EPOCH_S, maximum=MAX_EPOCH_S)
