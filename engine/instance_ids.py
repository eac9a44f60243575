"""An instance named by the short id the UI shows (its first characters), as by its full id."""

from __future__ import annotations

import re

from engine.engine import Engine
from engine.store import monitor_queries as sql
from steadyflow.errors import InvalidInputError, NotFoundError

FULL_ID = 36
MIN_PREFIX = 4
_PREFIX = re.compile(r"[0-9a-fA-F-]+")


def resolve_instance_id(engine: Engine, text: str) -> str:
    """The full id of the one instance whose id is or starts with ``text``."""
    wanted = text.strip().lower()
    if len(wanted) >= FULL_ID:
        return wanted
    if len(wanted) < MIN_PREFIX or not _PREFIX.fullmatch(wanted):
        raise NotFoundError(
            f"process instance {text!r} does not exist; give its id or at least its first {MIN_PREFIX} "
            "characters, as 'steadyflow instances' and the web UI show them"
        )
    with engine.db.read() as conn:
        found = sql.instance_ids_with_prefix(conn, wanted)
    if not found:
        raise NotFoundError(f"no process instance id starts with {wanted!r}; list them with 'steadyflow instances'")
    if len(found) > 1:
        raise InvalidInputError(
            f"more than one process instance id starts with {wanted!r} ({', '.join(f[:13] for f in found)}...); "
            "give more of the id"
        )
    return found[0]
