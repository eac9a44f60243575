"""Read models for the web UI and API: definitions with counts, instance pages, change feeds.

Built over an :class:`~engine.engine.Engine` without changing it: the web layer
creates one ``Queries`` per engine. Results are plain JSON-ready data.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from typing import Any

from engine.engine import Engine
from engine.forms import ModelOutline, read_outline
from engine.spiff.codec import content_hash, encode_value
from engine.store import queries as sql
from engine.store.queries import SORTABLE, InstanceFilter
from engine.store.records import DefinitionRecord
from steadyflow.errors import InvalidInputError, NotFoundError

INSTANCE_STATES = ("running", "incident", "completed", "cancelled", "failed")
MAX_PAGE_SIZE = 200
CHANGE_SLACK_S = 10.0
"""A step stamps ``updated_at`` when it starts but is visible when it commits; looking back this far
catches steps that committed after a newer one (clients compare row versions, so repeats are harmless)."""


def variable_hash(value: Any) -> str:
    """The content address under which the engine stores ``value`` (see engine.spiff.codec)."""
    return content_hash(encode_value(value))


def parse_variable_value(text: str) -> Any:
    """A filter value as typed: JSON when it parses (42, true, "x", [1]), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


class Queries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.db = engine.db
        self._outlines: dict[str, ModelOutline] = {}
        self._lock = threading.Lock()

    # -- definitions -----------------------------------------------------------
    def definition_records(self) -> list[DefinitionRecord]:
        with self.db.read() as conn:
            return self.engine.store.definitions(conn)

    def definition_record(self, definition_id: str) -> DefinitionRecord:
        with self.db.read() as conn:
            found = self.engine.store.definition(conn, definition_id)
        if found is None:
            raise NotFoundError(f"process definition {definition_id} does not exist; see /api/v1/definitions")
        return found

    def definitions(self) -> list[dict[str, Any]]:
        """Every process key with its versions and instance counts, newest version first."""
        with self.db.read() as conn:
            records = self.engine.store.definitions(conn)
            counts = sql.definition_state_counts(conn)
        by_key: dict[str, dict[str, Any]] = {}
        for record in records:
            entry = by_key.setdefault(record.key, {"key": record.key, "versions": [], "counts": _zero_counts()})
            version_counts = _zero_counts() | counts.get(record.id, {})
            entry["versions"].insert(0, asdict(record) | {"counts": version_counts})
            entry["name"] = record.name or entry.get("name")
            entry["latest_version"] = record.version
            entry["latest_id"] = record.id
            entry["deployed_at"] = record.deployed_at
            for state, count in version_counts.items():
                entry["counts"][state] += count
        return sorted(by_key.values(), key=lambda e: str(e["key"]))

    def definition(self, key: str) -> dict[str, Any]:
        for entry in self.definitions():
            if entry["key"] == key:
                return entry
        self.engine.definitions.resolve(key)  # raises NotFoundError with a "did you mean"
        raise NotFoundError(f"process '{key}' is not deployed")

    def definition_xml(self, definition_id: str) -> tuple[str, str]:
        record = self.definition_record(definition_id)
        with self.db.read() as conn:
            return self.engine.store.deployment_xml(conn, record.deployment_id)

    def outline(self, definition_id: str) -> ModelOutline:
        """Element names and user task forms of a definition (read once per process, then cached)."""
        cached = self._outlines.get(definition_id)
        if cached is not None:
            return cached
        xml, filename = self.definition_xml(definition_id)
        outline = read_outline(xml.encode("utf-8"), filename)
        with self._lock:
            self._outlines[definition_id] = outline
        return outline

    def element_counts(self, definition_ids: list[str]) -> dict[str, dict[str, int]]:
        """Active / completed / incidents per element over the definitions' instances (their own elements only)."""
        calls = sorted({c for d in definition_ids for c in self.outline(d).call_activities})
        with self.db.read() as conn:
            return sql.element_counts(conn, definition_ids, calls)

    # -- instances -------------------------------------------------------------
    def instance_page(
        self,
        *,
        state: str | None = None,
        definition_key: str | None = None,
        definition_id: str | None = None,
        business_key: str | None = None,
        variable_name: str | None = None,
        variable_value: str | None = None,
        started_after: float | None = None,
        started_before: float | None = None,
        sort: str = "started_at",
        order: str = "desc",
        page: int = 1,
        per_page: int = 50,
    ) -> dict[str, Any]:
        if state and state not in INSTANCE_STATES:
            raise InvalidInputError(f"state {state!r} is unknown; use one of {', '.join(INSTANCE_STATES)}")
        if sort not in SORTABLE:
            raise InvalidInputError(f"cannot sort by {sort!r}; use one of {', '.join(SORTABLE)}")
        if order not in ("asc", "desc"):
            raise InvalidInputError(f"order must be 'asc' or 'desc', not {order!r}")
        if page < 1 or not 1 <= per_page <= MAX_PAGE_SIZE:
            raise InvalidInputError(f"page must be >= 1 and per_page between 1 and {MAX_PAGE_SIZE}")
        if variable_value is not None and not variable_name:
            raise InvalidInputError("a variable filter needs the variable's name as well as its value")
        wanted = variable_hash(parse_variable_value(variable_value)) if variable_name and variable_value else None
        filters = InstanceFilter(
            state=state,
            definition_key=definition_key or None,
            definition_id=definition_id or None,
            business_key_prefix=business_key or None,
            started_after=started_after,
            started_before=started_before,
            variable_name=variable_name if wanted else None,
            variable_hash=wanted,
        )
        with self.db.read() as conn:
            items, total = sql.instance_page(
                conn, filters, sort=sort, descending=order == "desc", limit=per_page, offset=(page - 1) * per_page
            )
        return {"items": items, "total": total, "page": page, "per_page": per_page, "sort": sort, "order": order}

    def instance_head(self, instance_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            found = sql.instance_heads(conn, [instance_id])
        if not found:
            raise NotFoundError(f"process instance {instance_id} does not exist")
        return found[0]

    def changes(self, since: float | None, limit: int = 200) -> dict[str, Any]:
        """What changed at or after ``since`` (a token from an earlier answer); cheap enough to poll every second."""
        with self.db.read() as conn:
            token = sql.latest_change(conn)
            changed = sql.changed_since(conn, since - CHANGE_SLACK_S, limit) if since is not None else []
        return {"token": token, "instances": changed, "truncated": len(changed) >= limit, "at": time.time()}

    # -- dashboard -------------------------------------------------------------
    def recent_incidents(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return sql.recent_incidents(conn, limit)

    def recent_failed(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return sql.recent_failed_instances(conn, limit)


def _zero_counts() -> dict[str, int]:
    return {"running": 0, "incident": 0, "completed": 0, "cancelled": 0, "failed": 0}
