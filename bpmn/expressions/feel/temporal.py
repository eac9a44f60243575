"""Reading and printing FEEL dates, times and durations.

FEEL writes temporal values as ISO 8601 text (``@"2024-01-31"``,
``date and time("2024-01-31T10:00:00@Europe/Berlin")``, ``duration("P1DT2H")``)
and prints them back in the same form. The parsers here accept exactly those
shapes with anchored regular expressions (no ``strptime`` locale surprises)
and return ``None`` for anything else, which the callers turn into FEEL
``null`` or, for ``@"..."`` literals, into a syntax error at deploy time.

Mapping onto Python: ``date`` -> :class:`datetime.date`; local and zoned
``time`` -> :class:`datetime.time` (zoned ones carry ``tzinfo``); ``date and
time`` -> :class:`datetime.datetime`, timezone-aware only when the text names
an offset or a zone; days-time durations -> :class:`datetime.timedelta`;
years-months durations -> :class:`YearsMonthsDuration`. Zone ids are looked
up with :mod:`zoneinfo` after a strict syntax check, so no file path can be
smuggled in through a zone name.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from bpmn.expressions.values import YearsMonthsDuration

_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = (
    r"(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
)
_ZONE = r"(?P<zone>[Zz]|[+-]\d{2}:\d{2}(?::\d{2})?|@[^\s@]{1,64})?"

_DATE_RE = re.compile(_DATE)
_TIME_RE = re.compile(_TIME + _ZONE)
_DATETIME_RE = re.compile(_DATE + "T" + _TIME + _ZONE)
_ZONE_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,30}(?:/[A-Za-z0-9_+\-]{1,30}){0,3}")
_OFFSET_RE = re.compile(r"([+-])(\d{2}):(\d{2})(?::(\d{2}))?")
_DURATION_RE = re.compile(
    r"(?P<sign>-)?P(?!\Z)"
    r"(?:(?P<years>\d{1,9})Y)?(?:(?P<months>\d{1,9})M)?"
    r"(?:(?P<weeks>\d{1,9})W)?(?:(?P<days>\d{1,9})D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d{1,9})H)?(?:(?P<minutes>\d{1,9})M)?"
    r"(?:(?P<seconds>\d{1,9}(?:\.\d{0,9})?)S)?)?"
)


def zone_from_text(text: str) -> tzinfo | None:
    """``Z``, ``+01:00`` or a zone id (with or without ``@``) as a tzinfo."""
    if text in ("Z", "z"):
        return UTC
    offset = _OFFSET_RE.fullmatch(text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        hours, minutes = int(offset.group(2)), int(offset.group(3))
        seconds = int(offset.group(4) or 0)
        if hours > 18 or minutes > 59 or seconds > 59:
            return None
        return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))
    zone_id = text[1:] if text.startswith("@") else text
    if not _ZONE_ID_RE.fullmatch(zone_id) or ".." in zone_id:
        return None
    if zone_id in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(zone_id)
    except (ValueError, OSError, KeyError):
        return None


def parse_date(text: str) -> date | None:
    match = _DATE_RE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def _time_parts(match: re.Match[str]) -> time | None:
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    zone: tzinfo | None = None
    if match["zone"]:
        zone = zone_from_text(match["zone"])
        if zone is None:
            return None
    try:
        return time(
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int(fraction),
            tzinfo=zone,
        )
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    match = _TIME_RE.fullmatch(text)
    return _time_parts(match) if match else None


def parse_datetime(text: str) -> datetime | None:
    """A date-time; a bare date means midnight (as feel-scala accepts it)."""
    only_date = parse_date(text)
    if only_date is not None:
        return datetime(only_date.year, only_date.month, only_date.day)
    match = _DATETIME_RE.fullmatch(text)
    if not match:
        return None
    day = parse_date(f"{match['year']}-{match['month']}-{match['day']}")
    clock = _time_parts(match)
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock)


def parse_duration(text: str) -> timedelta | YearsMonthsDuration | None:
    """``P1Y2M`` -> YearsMonthsDuration; ``P1DT2H`` -> timedelta; mixed -> None."""
    match = _DURATION_RE.fullmatch(text)
    if not match or text.endswith("T"):
        return None
    sign = -1 if match["sign"] else 1
    calendar = match["years"] is not None or match["months"] is not None
    clock = any(match[key] is not None for key in ("weeks", "days", "hours", "minutes", "seconds"))
    if calendar and clock:
        return None
    if calendar:
        months = int(match["years"] or 0) * 12 + int(match["months"] or 0)
        return YearsMonthsDuration(sign * months)
    seconds_text = match["seconds"] or "0"
    whole, _, fraction = seconds_text.partition(".")
    try:
        value = timedelta(
            weeks=int(match["weeks"] or 0),
            days=int(match["days"] or 0),
            hours=int(match["hours"] or 0),
            minutes=int(match["minutes"] or 0),
            seconds=int(whole),
            microseconds=int(fraction.ljust(6, "0")[:6]),
        )
    except OverflowError:
        return None
    return -value if sign < 0 else value


def parse_temporal_literal(text: str) -> object | None:
    """Interpret the text of an ``@"..."`` literal by its shape."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text.partition("@")[0]:  # not the T of a zone such as @Etc/GMT
        return parse_datetime(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


def _zone_suffix(zone: tzinfo | None, offset: timedelta | None) -> str:
    if isinstance(zone, ZoneInfo):
        return "@" + zone.key
    if offset is None:
        return ""
    if not offset:
        return "Z"
    sign = "-" if offset < timedelta(0) else "+"
    total = int(abs(offset).total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + (f":{seconds:02d}" if seconds else "")


def _clock(value: time | datetime) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text


def format_date(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def format_time(value: time) -> str:
    return _clock(value) + _zone_suffix(value.tzinfo, value.utcoffset())


def format_datetime(value: datetime) -> str:
    return f"{format_date(value)}T{_clock(value)}" + _zone_suffix(value.tzinfo, value.utcoffset())


def format_duration(value: timedelta) -> str:
    """ISO text like FEEL prints it: ``P1DT2H``, ``PT0.5S``, ``-P3D``, ``PT0S``."""
    micros = value // timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    days, rest = divmod(abs(micros), 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, fraction = divmod(rest, 1_000_000)
    text = f"{days}D" if days else ""
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or fraction:
        clock += f"{seconds}" + ("." + f"{fraction:06d}".rstrip("0") if fraction else "") + "S"
    if clock:
        text += "T" + clock
    return f"{sign}P{text or 'T0S'}"
