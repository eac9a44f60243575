"""ISO 8601 durations, the notation of BPMN timers and retry intervals."""

from __future__ import annotations

import re

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$",
    re.I,
)
_SECONDS = {
    "years": 365 * 86400.0,
    "months": 30 * 86400.0,
    "weeks": 7 * 86400.0,
    "days": 86400.0,
    "hours": 3600.0,
    "minutes": 60.0,
    "seconds": 1.0,
}


def parse_duration_seconds(text: str) -> float:
    """``PT5M`` -> 300.0. Years and months count as 365 and 30 days (for intervals only)."""
    value = text.strip()
    match = _DURATION.match(value)
    if not match or value.upper() in ("P", "PT") or value.upper().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT30S or P1D")
    total = 0.0
    for name, unit in _SECONDS.items():
        part = match.group(name)
        if part:
            total += float(part.replace(",", ".")) * unit
    return -total if match.group("sign") else total
