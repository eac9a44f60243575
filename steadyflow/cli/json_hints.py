"""What to type instead, when a ``--var NAME=JSON`` value is not JSON."""

from __future__ import annotations

import json
import re

_BARE = re.compile(r"^[^\"'\[\]{}]+$")


def json_hint(name: str, text: str) -> str:
    """A corrected ``--var`` the user can paste: quoted strings inside lists and objects, or a quoted string."""
    value = text.strip()
    if value.startswith("[") and value.endswith("]"):
        items = [_item(part) for part in _split(value[1:-1])]
        fixed = "[" + ", ".join(items) + "]"
        return f"quote each string in the list: --var '{name}={fixed}'"
    if value.startswith("{"):
        return f'write keys and strings in double quotes: --var \'{name}={{"key": "value", "count": 3}}\''
    if "'" in value:
        return f"JSON strings take double quotes: --var '{name}={json.dumps(value.strip(chr(39)))}'"
    return f"strings need double quotes: --var '{name}={json.dumps(text)}'"


def _split(inner: str) -> list[str]:
    return [part.strip() for part in inner.split(",") if part.strip()]


def _item(part: str) -> str:
    """One list item as JSON: kept when it already is (42, true, "x"), quoted when it is a bare word."""
    try:
        json.loads(part)
        return part
    except ValueError:
        word = part.strip().strip("'\"")
        return json.dumps(word) if _BARE.match(word) or word else '""'
