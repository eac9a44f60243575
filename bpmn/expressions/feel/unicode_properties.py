"""XPath's ``\\p{...}`` and ``\\P{...}`` escapes as Python character classes.

XPath (F&O 3.1, 5.6.1, after XML Schema's regular expressions) names two
kinds of character sets that Python's ``re`` lacks: Unicode blocks
(``\\p{IsBasicLatin}``, the ranges of :mod:`unicode_blocks`) and general
categories (``\\p{L}``, ``\\p{Lu}``, ``\\p{Nd}``, read from Python's
``unicodedata``); ``\\P`` is the complement. Each becomes a class of code
point ranges: ``[...]`` on its own, or the ranges alone inside a class
(``[\\p{L}0-9]``). The expansion runs after the safety analysis, which
sees ``\\p{L}`` as one atom, so a long class of ranges is not mistaken
for a long pattern. An unknown name makes the pattern invalid (None).
"""

from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache

from bpmn.expressions.feel.unicode_blocks import BLOCKS

_MAX_CODE_POINT = sys.maxunicode
_CATEGORIES = frozenset(
    [
        "Lu",
        "Ll",
        "Lt",
        "Lm",
        "Lo",
        "Mn",
        "Mc",
        "Me",
        "Nd",
        "Nl",
        "No",
        "Pc",
        "Pd",
        "Ps",
        "Pe",
        "Pi",
        "Pf",
        "Po",
        "Sm",
        "Sc",
        "Sk",
        "So",
        "Zs",
        "Zl",
        "Zp",
        "Cc",
        "Cf",
        "Co",
        "Cn",
        "Cs",
    ]
)
# Names XML Schema 1.0 gave blocks that Unicode has since renamed.
_OLD_BLOCK_NAMES = {
    "greek": "greekandcoptic",
    "combiningmarksforsymbols": "combiningdiacriticalmarksforsymbols",
    "cyrillicsupplementary": "cyrillicsupplement",
    "privateuse": "privateusearea",
}

Ranges = tuple[tuple[int, int], ...]


def _loose(name: str) -> str:
    """UAX #44 loose matching: case, spaces, hyphens and underscores do not count."""
    return "".join(ch for ch in name.lower() if ch not in " -_")


_BLOCKS_BY_NAME = {_loose(name): ((start, end),) for start, end, name in BLOCKS}


@lru_cache(maxsize=64)
def property_ranges(name: str) -> Ranges | None:
    """The code point ranges ``\\p{name}`` matches; None for a name XPath does not define."""
    if name.startswith("Is"):
        key = _loose(name[2:])
        return _BLOCKS_BY_NAME.get(_OLD_BLOCK_NAMES.get(key, key))
    if name in _CATEGORIES or (len(name) == 1 and any(c.startswith(name) for c in _CATEGORIES)):
        return _category_ranges(name)
    return None


def _category_ranges(prefix: str) -> Ranges:
    """Ranges of the code points whose general category starts with ``prefix`` (``L`` or ``Lu``)."""
    ranges = sorted(r for category, found in _all_categories().items() if category.startswith(prefix) for r in found)
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and merged[-1][1] + 1 == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


@lru_cache(maxsize=1)
def _all_categories() -> dict[str, list[tuple[int, int]]]:
    """Every general category's ranges, from one pass over the code points (done once, when first needed)."""
    found: dict[str, list[tuple[int, int]]] = {}
    start, current = 0, unicodedata.category("\0")
    for code in range(1, _MAX_CODE_POINT + 2):
        category = unicodedata.category(chr(code)) if code <= _MAX_CODE_POINT else ""
        if category != current:
            found.setdefault(current, []).append((start, code - 1))
            start, current = code, category
    return found


def _complement(ranges: Ranges) -> Ranges:
    result: list[tuple[int, int]] = []
    next_start = 0
    for start, end in ranges:
        if start > next_start:
            result.append((next_start, start - 1))
        next_start = end + 1
    if next_start <= _MAX_CODE_POINT:
        result.append((next_start, _MAX_CODE_POINT))
    return tuple(result)


def _code(point: int) -> str:
    return f"\\U{point:08X}"


def _class_body(ranges: Ranges) -> str:
    return "".join(_code(a) if a == b else f"{_code(a)}-{_code(b)}" for a, b in ranges)


def expand_properties(pattern: str) -> str | None:
    """``pattern`` with every ``\\p{...}``/``\\P{...}`` replaced by its ranges; None for an unknown name."""
    if "\\p" not in pattern and "\\P" not in pattern:
        return pattern
    out: list[str] = []
    depth = 0  # inside how many classes (a subtraction nests one)
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and pattern.startswith(("\\p{", "\\P{"), i):
            close = pattern.find("}", i)
            ranges = None if close < 0 else property_ranges(pattern[i + 3 : close])
            if ranges is None or close < 0:
                return None
            if pattern[i + 1] == "P":
                ranges = _complement(ranges)
            body = _class_body(ranges)
            out.append(body if depth else f"[{body}]" if body else "(?!)")
            i = close + 1
            continue
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        out.append(ch)
        i += 1
    return "".join(out)
