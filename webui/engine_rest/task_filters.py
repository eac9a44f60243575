"""Camunda 7's task query (query string or JSON body) as a filter over the tasklist's open user tasks.

steadyflow has no candidate users or groups: every operator may claim any open task, so a
``candidateUser`` or ``candidateGroup`` filter finds the unassigned tasks (and, with
``includeAssignedTasks``, the assigned ones too), as Camunda answers for a user who is a
candidate everywhere. Open tasks are never suspended, have no due or follow-up date, and all
have Camunda's default priority, so those filters keep everything or nothing and those sort
orders keep the default one (oldest first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from webui.engine_rest.errors import bad_request
from webui.engine_rest.instance_filters import Params

DEFAULT_PRIORITY = 50
SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda r: r["task_id"],
    "name": lambda r: r["name"],
    "nameCaseInsensitive": lambda r: str(r["name"]).lower(),
    "created": lambda r: r["created_at"],
    "lastUpdated": lambda r: r["claimed_at"] or r["created_at"],
    "assignee": lambda r: r["assignee"] or "",
    "instanceId": lambda r: r["instance_id"],
    "executionId": lambda r: r["task_id"],
    "processInstanceId": lambda r: r["instance_id"],
    "taskDefinitionKey": lambda r: r["element_id"],
    "priority": lambda r: DEFAULT_PRIORITY,
    "dueDate": lambda r: 0,
    "followUpDate": lambda r: 0,
    "description": lambda r: 0,
    "tenantId": lambda r: 0,
}

Check = Callable[[dict[str, Any]], bool]


@dataclass
class TaskFilter:
    """The checks one query makes on a task row (with ``name`` and ``definition_key`` of its own model)."""

    checks: list[Check] = field(default_factory=list)
    nothing: bool = False
    """True when a filter excludes every open task (suspended ones, a priority other than the default)."""

    def matches(self, row: dict[str, Any]) -> bool:
        return not self.nothing and all(check(row) for check in self.checks)


def like(pattern: str, *, ignore_case: bool = False) -> Callable[[str | None], bool]:
    """SQL LIKE as Camunda applies it: ``%`` any run of characters, ``_`` one character."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    compiled = re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))
    return lambda value: value is not None and compiled.fullmatch(value) is not None


def _column_like(column: str, pattern: str, ignore_case: bool) -> Check:
    matcher = like(pattern, ignore_case=ignore_case)
    return lambda row: matcher(row[column])


def task_filter(body: dict[str, Any] | None) -> TaskFilter:
    p = Params(body)
    found = TaskFilter()
    add = found.checks.append

    def one_of(column: str, *names: str) -> None:
        wanted: set[str] | None = None
        for name in names:
            values = p.names(name) if name.endswith("In") else ((v,) if (v := p.text(name)) else None)
            if values is not None:
                wanted = set(values) if wanted is None else wanted & set(values)
        if wanted is not None:
            chosen = frozenset(wanted)
            add(lambda r: r[column] in chosen)

    one_of("task_id", "taskId", "taskIdIn")
    one_of("instance_id", "processInstanceId", "processInstanceIdIn")
    one_of("element_definition_id", "processDefinitionId", "processDefinitionIdIn")
    one_of("definition_key", "processDefinitionKey", "processDefinitionKeyIn")
    one_of("element_id", "taskDefinitionKey", "taskDefinitionKeyIn")
    one_of("business_key", "processInstanceBusinessKey", "processInstanceBusinessKeyIn")
    one_of("assignee", "assignee", "assigneeIn")
    for name, column, ignore_case in (
        ("processInstanceBusinessKeyLike", "business_key", False),
        ("assigneeLike", "assignee", False),
        ("nameLike", "name", True),
        ("taskDefinitionKeyLike", "element_id", False),
    ):
        if (pattern := p.text(name)) is not None:
            add(_column_like(column, pattern, ignore_case))
    if (task_name := p.text("name")) is not None:
        add(lambda r: str(r["name"]).lower() == task_name.lower())
    excluded = frozenset(p.names("assigneeNotIn") or ())
    if excluded:
        add(lambda r: r["assignee"] not in excluded)
    if p.flag("unassigned"):
        add(lambda r: r["assignee"] is None)
    if p.flag("assigned"):
        add(lambda r: r["assignee"] is not None)
    candidate = p.text("candidateUser") or p.text("candidateGroup") or p.names("candidateGroups")
    if candidate and not p.flag("includeAssignedTasks"):
        add(lambda r: r["assignee"] is None)
    found.nothing = p.flag("suspended") or _priority(p, body) not in (None, DEFAULT_PRIORITY)
    return found


def _priority(p: Params, body: dict[str, Any] | None) -> int | None:
    value = p.text("priority") if body is None else body.get("priority")
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(
            f"Cannot set query parameter 'priority' to value '{value}': it must be a whole number"
        ) from None
