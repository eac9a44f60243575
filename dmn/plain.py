"""FEEL values as plain JSON (history records and process variables take nothing else)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from bpmn.expressions import WIDE_TEMPORAL, YearsMonthsDuration


def plain(value: Any) -> Any:
    """Dates, times and durations as ISO 8601 text; lists and contexts copied; JSON values unchanged."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, WIDE_TEMPORAL):
        return value.isoformat()
    if isinstance(value, YearsMonthsDuration):
        years, months = divmod(abs(value.months), 12)
        return f"{'-' if value.months < 0 else ''}P{years}Y{months}M"
    return str(value)


def _duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}P{int(days)}DT{int(hours)}H{int(minutes)}M{secs:g}S"
