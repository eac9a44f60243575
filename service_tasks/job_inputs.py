"""Reading and validating the job variables that the built-in handlers share.

Database and region names end up in file paths and SQL identifiers, so they
are checked against a strict allow-list before anything touches the disk or a
server. A bad name can never succeed on retry, so it is a
:class:`NonRetryableError` (an incident at once) whose message says what is
allowed, instead of a transient failure that would be retried pointlessly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.handlers import NonRetryableError

NAME_RULE = "only ASCII letters, digits, '_' and '-', 1 to 63 characters"
_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,63}")


def validate_name(kind: str, value: object) -> str:
    """Return ``value`` if it is a valid database or region name, else refuse it."""
    if not isinstance(value, str):
        raise NonRetryableError(f"{kind} name must be a string, got {type(value).__name__} {value!r}; use {NAME_RULE}")
    if not _NAME_RE.fullmatch(value):
        raise NonRetryableError(f"invalid {kind} name {value!r}: use {NAME_RULE}")
    return value


def required_name(variables: Mapping[str, Any], variable: str) -> str:
    """The validated name held by job variable ``variable``."""
    if variable not in variables or variables[variable] is None:
        raise NonRetryableError(
            f"job variable '{variable}' is missing; set it on the process instance or map it with an input parameter"
        )
    return validate_name(variable, variables[variable])


def region_list(variables: Mapping[str, Any]) -> list[str]:
    """The regions a replication spans, the primary first, without duplicates.

    Taken from ``regions`` (a list of names) or, when that is absent, from the
    ``region`` field of each entry in ``regionDatabases`` (what a multi-instance
    ``create-database`` collects), so both example models work unchanged.
    """
    raw = variables.get("regions")
    if raw is None:
        raw = _regions_from_databases(variables.get("regionDatabases"))
    if isinstance(raw, (str, bytes)) or not isinstance(raw, (list, tuple)):
        raise NonRetryableError(f"job variable 'regions' must be a list of region names, got {raw!r}")
    if not raw:
        raise NonRetryableError("job variable 'regions' is empty; list at least one region, the primary first")
    regions: list[str] = []
    for item in raw:
        name = validate_name("region", item)
        if name not in regions:
            regions.append(name)
    return regions


def _regions_from_databases(entries: object) -> list[object]:
    if entries is None:
        raise NonRetryableError(
            "neither job variable 'regions' nor 'regionDatabases' is set; pass the region names, the primary first"
        )
    if not isinstance(entries, (list, tuple)):
        raise NonRetryableError(f"job variable 'regionDatabases' must be a list, got {entries!r}")
    regions: list[object] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or "region" not in entry:
            raise NonRetryableError(
                "each entry of 'regionDatabases' must be an object with a 'region' "
                f"field (as create-database returns), got {entry!r}"
            )
        regions.append(entry["region"])
    return regions
