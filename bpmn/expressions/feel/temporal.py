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
years-months durations -> :class:`YearsMonthsDuration`. A value beyond
Python's (a year outside 1..9999, a fraction finer than microseconds) is one
of :mod:`wide_temporal`'s types instead. Zone ids are looked
up with :mod:`zoneinfo` after a strict syntax check, so no file path can be
smuggled in through a zone name.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from bpmn.expressions.feel import wide_temporal
from bpmn.expressions.feel.wide_temporal import WideDate, WideDateTime, WideDuration, WideTime
from bpmn.expressions.values import YearsMonthsDuration

AnyDate = date | WideDate
AnyTime = time | WideTime
AnyDateTime = datetime | WideDateTime

_DATE = r"(?P<year>-?(?:[1-9]\d{4,8}|\d{4}))-(?P<month>\d{2})-(?P<day>\d{2})"
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


def parse_date(text: str) -> AnyDate | None:
    match = _DATE_RE.fullmatch(text)
    if not match:
        return None
    return wide_temporal.make_date(int(match["year"]), int(match["month"]), int(match["day"]))


def _clock_nanos(match: re.Match[str]) -> int | None:
    """Nanoseconds since midnight of the match's clock; None for an hour, minute or second out of range."""
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    fraction = int((match["fraction"] or "").ljust(9, "0"))
    return (hour * 3600 + minute * 60 + second) * wide_temporal.SECOND_NS + fraction


def _zone_of(match: re.Match[str]) -> tuple[bool, tzinfo | None]:
    """(valid, zone): a zone text that names no zone is invalid."""
    if not match["zone"]:
        return True, None
    zone = zone_from_text(match["zone"])
    return zone is not None, zone


def parse_time(text: str) -> AnyTime | None:
    match = _TIME_RE.fullmatch(text)
    if not match:
        return None
    nanos = _clock_nanos(match)
    valid, zone = _zone_of(match)
    return wide_temporal.make_time(nanos, zone) if nanos is not None and valid else None


def parse_datetime(text: str) -> AnyDateTime | None:
    """A date-time; a bare date means midnight (as feel-scala accepts it)."""
    only_date = parse_date(text)
    if only_date is not None:
        return wide_temporal.make_datetime(only_date.year, only_date.month, only_date.day, 0, None)
    match = _DATETIME_RE.fullmatch(text)
    if not match:
        return None
    nanos = _clock_nanos(match)
    valid, zone = _zone_of(match)
    if nanos is None or not valid:
        return None
    return wide_temporal.make_datetime(int(match["year"]), int(match["month"]), int(match["day"]), nanos, zone)


def parse_duration(text: str) -> timedelta | WideDuration | YearsMonthsDuration | None:
    """``P1Y2M`` -> YearsMonthsDuration; ``P1DT2H`` -> timedelta (or a wide duration); mixed -> None."""
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
    hours = (int(match["weeks"] or 0) * 7 + int(match["days"] or 0)) * 24 + int(match["hours"] or 0)
    seconds = (hours * 60 + int(match["minutes"] or 0)) * 60 + int(whole)
    nanos = seconds * wide_temporal.SECOND_NS + int(fraction.ljust(9, "0"))
    return wide_temporal.make_duration(sign * nanos)


def parse_temporal_literal(text: str) -> object | None:
    """Interpret the text of an ``@"..."`` literal by its shape."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text.partition("@")[0]:  # not the T of a zone such as @Etc/GMT
        return parse_datetime(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


def zone_suffix(zone: tzinfo | None, offset: timedelta | None) -> str:
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


def format_date(value: AnyDate) -> str:
    return wide_temporal.format_ymd(value.year, value.month, value.day)


def format_time(value: AnyTime) -> str:
    if isinstance(value, WideTime):
        return value.isoformat()
    return _clock(value) + zone_suffix(value.tzinfo, value.utcoffset())


def format_datetime(value: AnyDateTime) -> str:
    if isinstance(value, WideDateTime):
        return value.isoformat()
    return f"{format_date(value)}T{_clock(value)}" + zone_suffix(value.tzinfo, value.utcoffset())


def format_duration(value: timedelta | WideDuration) -> str:
    """ISO text like FEEL prints it: ``P1DT2H``, ``PT0.5S``, ``-P3D``, ``PT0S``."""
    nanos = wide_temporal.duration_nanos(value)
    return wide_temporal.format_duration_nanos(nanos or 0)
