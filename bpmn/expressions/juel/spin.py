"""Camunda Spin's JSON API inside JUEL: ``S(x)``, ``.prop("a")``, ``.elements()``, ``.stringValue()`` ...

Camunda 7 models read JSON variables in conditions with Spin, for example
``${S(order).prop("priority").stringValue() == "high"}`` or
``${S(order).prop("items").elements().size() > 0}``. We run exactly that
vocabulary and nothing else: the function ``S`` (and its alias ``JSON``) and
the node methods in :data:`NODE_METHODS`, each written here by hand over plain
JSON values, so no Java or Python method is ever looked up by name. Calling a
Spin method on a JSON variable without ``S(...)`` works too, as it does on a
Camunda ``Json`` variable.

Errors follow Spin: reading a missing property or the wrong kind of value
fails (``prop("missing")`` is an error, not null); ``hasProp`` and the ``is...``
methods ask first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bpmn.expressions.juel.coercion import CoercionError

FUNCTIONS = frozenset({"S", "JSON"})
"""Spin's entry points for JSON; ``XML(...)`` is not supported."""

NODE_METHODS = frozenset(
    {
        "prop",
        "hasProp",
        "elements",
        "fieldNames",
        "stringValue",
        "numberValue",
        "boolValue",
        "value",
        "isNull",
        "isString",
        "isNumber",
        "isBoolean",
        "isValue",
        "isArray",
        "isObject",
        "toString",
    }
)
LIST_METHODS = frozenset({"size", "isEmpty", "get", "contains"})
"""The ``java.util.List`` methods Camunda models call on ``elements()`` and on list variables."""

METHODS = NODE_METHODS | LIST_METHODS


@dataclass(frozen=True, slots=True)
class SpinJson:
    """A Spin JSON node: a view on one JSON value (object, array, string, number, boolean or null)."""

    value: Any


def unwrap(value: Any) -> Any:
    """The plain JSON value of a result: Spin nodes (also inside lists) become what they hold."""
    if isinstance(value, SpinJson):
        return value.value
    if isinstance(value, list) and any(isinstance(item, SpinJson) for item in value):
        return [unwrap(item) for item in value]
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def spin_function(name: str, args: Sequence[Any]) -> SpinJson:
    """``S(x)`` / ``JSON(x)``: parse JSON text, or view a JSON variable (object or array) as a node."""
    if name not in FUNCTIONS:
        raise CoercionError(f"{name}(...) is not a Spin function; use S(...) for JSON")
    if len(args) != 1:
        raise CoercionError(f"{name}(...) takes one argument (JSON text or a JSON variable), got {len(args)}")
    (arg,) = args
    if isinstance(arg, SpinJson):
        return arg
    if isinstance(arg, str):
        try:
            return SpinJson(json.loads(arg, parse_constant=_refuse_constant))
        except (ValueError, RecursionError) as exc:
            raise CoercionError(f"{name}(...) got text that is not JSON ({str(exc)[:80]})") from None
    if isinstance(arg, (Mapping, list, tuple)):
        return SpinJson(arg)
    raise CoercionError(f"{name}(...) reads JSON text or a JSON object or array variable, not a {_kind(arg)} value")


def _one_text(method: str, args: Sequence[Any]) -> str:
    if len(args) != 1 or not isinstance(args[0], str):
        raise CoercionError(f'{method}(...) takes one property name in quotes, for example {method}("status")')
    return args[0]


def _no_args(method: str, args: Sequence[Any]) -> None:
    if args:
        raise CoercionError(f"{method}() takes no arguments, got {len(args)}")


def _typed(method: str, wanted: str, check: Callable[[Any], bool]) -> Callable[[Any, Sequence[Any]], Any]:
    def read(value: Any, args: Sequence[Any]) -> Any:
        _no_args(method, args)
        if not check(value):
            raise CoercionError(f"{method}() needs a JSON {wanted}, but the node holds a {_kind(value)}")
        return value

    return read


def _prop(value: Any, args: Sequence[Any]) -> SpinJson:
    name = _one_text("prop", args)
    if not isinstance(value, Mapping):
        raise CoercionError(f'prop("{name[:50]}") needs a JSON object, but the node holds a {_kind(value)}')
    if name not in value:
        raise CoercionError(f"the JSON object has no property '{name[:50]}' (ask with hasProp first)")
    return SpinJson(value[name])


def _has_prop(value: Any, args: Sequence[Any]) -> bool:
    name = _one_text("hasProp", args)
    return isinstance(value, Mapping) and name in value


def _elements(value: Any, args: Sequence[Any]) -> list[SpinJson]:
    _no_args("elements", args)
    if not isinstance(value, (list, tuple)):
        raise CoercionError(f"elements() needs a JSON array, but the node holds a {_kind(value)}")
    return [SpinJson(item) for item in value]


def _field_names(value: Any, args: Sequence[Any]) -> list[str]:
    _no_args("fieldNames", args)
    if not isinstance(value, Mapping):
        raise CoercionError(f"fieldNames() needs a JSON object, but the node holds a {_kind(value)}")
    return [str(key) for key in value]


def _scalar(value: Any, args: Sequence[Any]) -> Any:
    _no_args("value", args)
    if isinstance(value, (Mapping, list, tuple)):
        raise CoercionError(f"value() reads a string, number, boolean or null; the node holds a {_kind(value)}")
    return value


def _to_string(value: Any, args: Sequence[Any]) -> str:
    _no_args("toString", args)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _is(kind: str) -> Callable[[Any, Sequence[Any]], bool]:
    def check(value: Any, args: Sequence[Any]) -> bool:
        _no_args(f"is{kind.capitalize()}", args)
        return _kind(value) == kind

    return check


def _is_value(value: Any, args: Sequence[Any]) -> bool:
    _no_args("isValue", args)
    return _kind(value) in ("string", "number", "boolean", "null")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_NODE: dict[str, Callable[[Any, Sequence[Any]], Any]] = {
    "prop": _prop,
    "hasProp": _has_prop,
    "elements": _elements,
    "fieldNames": _field_names,
    "stringValue": _typed("stringValue", "string", lambda v: isinstance(v, str)),
    "numberValue": _typed("numberValue", "number", _is_number),
    "boolValue": _typed("boolValue", "boolean", lambda v: isinstance(v, bool)),
    "value": _scalar,
    "isNull": _is("null"),
    "isString": _is("string"),
    "isNumber": _is("number"),
    "isBoolean": _is("boolean"),
    "isArray": _is("array"),
    "isObject": _is("object"),
    "isValue": _is_value,
    "toString": _to_string,
}


def _list_method(items: Sequence[Any], method: str, args: Sequence[Any]) -> Any:
    if method == "size":
        _no_args("size", args)
        return len(items)
    if method == "isEmpty":
        _no_args("isEmpty", args)
        return not items
    if method == "contains":
        if len(args) != 1:
            raise CoercionError(f"contains(...) takes one value, got {len(args)}")
        wanted = unwrap(args[0])
        return any(unwrap(item) == wanted for item in items)
    if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], int):
        raise CoercionError("get(...) takes one whole-number index")
    index = args[0]
    if not 0 <= index < len(items):
        raise CoercionError(f"get({index}) is outside the list of {len(items)} elements")
    return items[index]


def call_method(base: Any, method: str, args: Sequence[Any]) -> Any:
    """``base.method(args)`` for the Spin and list methods above; anything else is refused."""
    if method in LIST_METHODS:
        items = base.value if isinstance(base, SpinJson) else base
        if not isinstance(items, (list, tuple)):
            raise CoercionError(f"{method}() needs a list, but the value is a {_kind(unwrap(items))}")
        return _list_method(items, method, args)
    if method not in _NODE:
        raise CoercionError(f"{method}() is not a Spin JSON method")
    value = base.value if isinstance(base, SpinJson) else base
    if not isinstance(base, SpinJson) and not isinstance(base, (Mapping, list, tuple)):
        raise CoercionError(
            f"{method}() is a Spin JSON method: call it on S(variable) or a JSON variable, not a {_kind(base)} value"
        )
    return _NODE[method](value, args)


__all__ = ["FUNCTIONS", "METHODS", "SpinJson", "call_method", "spin_function", "unwrap"]
