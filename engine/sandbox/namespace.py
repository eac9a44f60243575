"""The globals a script runs in: its variables, pure helpers, and RestrictedPython's guards.

Code compiled by :mod:`engine.sandbox.policy` reaches attributes, items and
iterators only through the ``_getattr_``-style names defined here, so these
functions are the last line of the language-level defence. The builtins are an
allow-list: everything a script may call is named below, and nothing here can
reach a module, a file, a frame or a type's internals.
"""

from __future__ import annotations

import math
import operator
import types
from collections.abc import Callable, Mapping
from typing import Any

from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector

# From RestrictedPython's safe_builtins we drop class building, attribute
# writes by name, id() (memory addresses), and the exceptions that are not
# errors: a script must not be able to catch or raise the sandbox's own stop.
_DROPPED_SAFE_BUILTINS = frozenset(
    {"__build_class__", "setattr", "delattr", "id", "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"}
)

# Pure helpers RestrictedPython leaves out because they iterate in C, bypassing
# ``_getiter_``; our ``_getiter_`` is plain ``iter``, so nothing is bypassed.
_PURE_HELPERS: dict[str, Any] = {
    "all": all,
    "any": any,
    "dict": dict,
    "enumerate": enumerate,
    "filter": filter,
    "frozenset": frozenset,
    "list": list,
    "map": map,
    "max": max,
    "min": min,
    "reversed": reversed,
    "set": set,
    "sorted": sorted,
    "sum": sum,
    "tuple": tuple,
    "zip": zip,
    "RecursionError": RecursionError,
    # A plain namespace, not the module: no loader or spec, and writes to it are refused by _write_.
    "math": types.SimpleNamespace(**{name: getattr(math, name) for name in dir(math) if not name.startswith("_")}),
}

_INPLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}

# Names the guards occupy; a variable may never replace one.
GUARD_NAMES = frozenset(
    {
        "__builtins__",
        "_getattr_",
        "_getitem_",
        "_getiter_",
        "_iter_unpack_sequence_",
        "_unpack_sequence_",
        "_write_",
        "_inplacevar_",
        "_apply_",
        "_print_",
    }
)


def script_builtins() -> dict[str, Any]:
    """The builtins a script sees: RestrictedPython's safe set, trimmed, plus pure helpers."""
    allowed = {name: value for name, value in safe_builtins.items() if name not in _DROPPED_SAFE_BUILTINS}
    allowed.update(_PURE_HELPERS)
    return allowed


def _inplace_var(operator_text: str, target: Any, value: Any) -> Any:
    """``x += y`` becomes ``x = _inplacevar_("+=", x, y)``; values are plain, so no further guard."""
    return _INPLACE_OPERATORS[operator_text](target, value)


def _getitem(container: Any, key: Any) -> Any:
    """Item access is safe on the plain values a script can hold; slicing included."""
    return container[key]


def _apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls with ``*args``/``**kwargs`` are routed here; the callee is already guarded."""
    return function(*args, **kwargs)


def script_globals(variables: Mapping[str, Any]) -> dict[str, Any]:
    """A fresh global namespace: guards first, then the variables (which cannot shadow a guard)."""
    namespace: dict[str, Any] = {
        "__builtins__": script_builtins(),
        "_getattr_": safer_getattr_raise,
        "_getitem_": _getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplace_var,
        "_apply_": _apply,
        "_print_": PrintCollector,
    }
    for name, value in variables.items():
        if not name.startswith("_"):
            namespace[name] = value
    return namespace
