"""Which values cross the sandbox boundary: the ones the engine can store as process variables.

Both directions use the same rule, so a variable that goes in can come back
out unchanged: None, bool, int, float (finite, as the engine's codec refuses
NaN and infinity), str, and lists (tuples become lists) and dicts with text
keys of those, nested at most ``MAX_DEPTH`` levels (which also stops cycles).
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 100
_SCALARS = (bool, int, str)
# Types that look like data: a script binding one of them means to produce a
# value, so an unstorable one is an error rather than a helper left behind.
DATA_TYPES: tuple[type, ...] = (type(None), bool, int, float, str, list, tuple, dict)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unstorable_reason(value: Any, where: str, depth: int = 0) -> str | None:
    """Why ``value`` (found at ``where``) cannot be a process variable, or None if it can."""
    kind = type(value)
    if value is None or kind in _SCALARS:
        return None
    if kind is float:
        return None if math.isfinite(value) else f"{_short(where)} is {value!r}, which JSON cannot store"
    if depth >= MAX_DEPTH and kind in (list, tuple, dict):
        return f"{_short(where)} is nested more than {MAX_DEPTH} levels deep (or contains itself)"
    if kind is list or kind is tuple:
        for index, item in enumerate(value):
            reason = unstorable_reason(item, f"{where}[{index}]", depth + 1)
            if reason is not None:
                return reason
        return None
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return f"{_short(where)} has the key {_short(repr(key))}, but only text keys can be stored"
            reason = unstorable_reason(item, f"{where}[{_short(repr(key))}]", depth + 1)
            if reason is not None:
                return reason
        return None
    article = "an" if kind.__name__[0] in "aeiou" else "a"
    return f"{_short(where)} is {article} {kind.__name__}"


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys, so equal values give equal text; ValueError if unstorable.

    Text equality also tells ``1`` from ``1.0`` and ``True``, which ``==`` does not.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
