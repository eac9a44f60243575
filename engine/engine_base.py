"""What every service of the engine checks the same way: variables handed in by callers."""

from __future__ import annotations

import json
from typing import Any

from steadyflow.errors import InvalidInputError


def check_variables(variables: Any, what: str = "variables") -> dict[str, Any]:
    """Variables must be a JSON object with string names; say exactly what is wrong otherwise."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InvalidInputError(f"{what} must be a JSON object of name -> value, not {type(variables).__name__}")
    for name in variables:
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"{what}: every variable needs a non-empty string name (got {name!r})")
    try:
        json.dumps(variables, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be plain JSON values: {exc}") from exc
    return dict(variables)
