"""ISO 8601 durations, the notation of BPMN timers and retry intervals.

A timer counts years and months on the calendar, from the instant it starts, as
Camunda does (Java's ``Calendar.add`` in Camunda 7, ``Period`` in Camunda 8):
``P1M`` from January 31 is February 28 (or 29), the month's last day when the
day does not exist; ``P1Y`` from February 29 is February 28. Years and months
are added first, then weeks and days (on the wall clock of the start's zone),
then the time part. Retry intervals, which have no start date, count a year as
365 days and a month as 30 (:func:`parse_duration_seconds`).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, timedelta

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


@dataclass(frozen=True)
class IsoDuration:
    """A parsed ISO 8601 duration: calendar months, days and seconds, each kept apart."""

    months: float
    """Years times 12 plus months."""
    days: float
    """Weeks times 7 plus days."""
    seconds: float
    """The time part (after ``T``)."""
    negative: bool = False

    def approx_seconds(self) -> float:
        """The length with a month of 30 days (for intervals that have no start)."""
        total = self.months * _SECONDS["months"] + self.days * 86400.0 + self.seconds
        return -total if self.negative else total


def parse_duration(text: str) -> IsoDuration:
    """``P1Y2M3DT4H`` -> months 14, days 3, seconds 14400; a clear error for anything else."""
    value = text.strip()
    match = _DURATION.match(value)
    if not match or value.upper() in ("P", "PT", "-P", "-PT") or value.upper().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT30S, P1D or P1M")

    def part(name: str) -> float:
        found = match.group(name) if match else None
        return float(found.replace(",", ".")) if found else 0.0

    return IsoDuration(
        months=part("years") * 12 + part("months"),
        days=part("weeks") * 7 + part("days"),
        seconds=part("hours") * 3600 + part("minutes") * 60 + part("seconds"),
        negative=bool(match.group("sign")),
    )


def parse_duration_seconds(text: str) -> float:
    """``PT5M`` -> 300.0. Years and months count as 365 and 30 days (for intervals only, never timers)."""
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


def add_duration(start: datetime, duration: IsoDuration | str) -> datetime:
    """``start`` moved by ``duration`` on the calendar (see the module docstring)."""
    parsed = parse_duration(duration) if isinstance(duration, str) else duration
    sign = -1 if parsed.negative else 1
    whole_months = int(parsed.months)
    try:
        moved = _add_months(start, sign * whole_months)
        fraction = parsed.months - whole_months
        extra_days = fraction * monthrange(moved.year, moved.month)[1] if fraction else 0.0
        return moved + sign * timedelta(days=parsed.days + extra_days, seconds=parsed.seconds)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"{start.isoformat()} moved by {duration!r} is outside the calendar (year 1 to 9999)") from exc


def _add_months(start: datetime, months: int) -> datetime:
    if not months:
        return start
    index = start.year * 12 + start.month - 1 + months
    year, month = index // 12, index % 12 + 1
    if not 1 <= year <= 9999:
        raise ValueError(f"year {year}")
    return start.replace(year=year, month=month, day=min(start.day, monthrange(year, month)[1]))


__all__ = ["IsoDuration", "add_duration", "parse_duration", "parse_duration_seconds"]
