"""Cron expressions as Camunda 8 timer cycles write them (Spring style, seconds first).

``0 0 9 * * MON-FRI`` = at 09:00:00 on weekdays. Five fields (no seconds) are
accepted too. Supported per field: ``*``, ``?``, numbers, names (JAN, MON),
ranges ``a-b``, lists ``a,b`` and steps ``*/n`` / ``a-b/n``. Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_LIMIT = timedelta(days=366 * 5)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError(f"step {step} must be at least 1")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    return int(text)


@dataclass(frozen=True)
class Cron:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    def next_after(self, moment: datetime) -> datetime:
        """The first matching instant strictly after ``moment``."""
        current = moment.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        end = current + _LIMIT
        while current < end:
            if current.month not in self.months:
                current = (current.replace(day=1, hour=0, minute=0, second=0) + timedelta(days=32)).replace(day=1)
                continue
            if not self._day_matches(current):
                current = current.replace(hour=0, minute=0, second=0) + timedelta(days=1)
                continue
            if current.hour not in self.hours:
                current = current.replace(minute=0, second=0) + timedelta(hours=1)
                continue
            if current.minute not in self.minutes:
                current = current.replace(second=0) + timedelta(minutes=1)
                continue
            if current.second not in self.seconds:
                current += timedelta(seconds=1)
                continue
            return current
        raise ValueError("the cron expression never fires")

    def _day_matches(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7
        if self.any_day and self.any_weekday:
            return True
        if self.any_day:
            return weekday in self.weekdays
        if self.any_weekday:
            return moment.day in self.days
        return moment.day in self.days or weekday in self.weekdays


def parse_cron(text: str) -> Cron:
    """Parse a cron expression; ValueError with what is wrong otherwise."""
    parts = text.split()
    if len(parts) == 5:
        parts = ["0", *parts]
    if len(parts) != 6:
        raise ValueError(f"{text!r} has {len(parts)} fields; a cron expression has 6 (sec min hour day month weekday)")
    sec, minute, hour, day, month, weekday = parts
    weekday_names = {**_DAYS, "7": 0}
    return Cron(
        seconds=_field(sec, 0, 59),
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        days=_field(day, 1, 31),
        months=_field(month, 1, 12, _MONTHS),
        weekdays=frozenset(v % 7 for v in _field(weekday.replace("7", "0"), 0, 6, weekday_names)),
        any_day=day in ("*", "?"),
        any_weekday=weekday in ("*", "?"),
    )


def is_cron(text: str) -> bool:
    value = text.strip()
    return bool(value) and not value.upper().startswith(("R", "P")) and len(value.split()) in (5, 6)
