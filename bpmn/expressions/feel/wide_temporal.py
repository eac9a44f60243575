"""FEEL temporal values that Python's ``datetime`` cannot hold: any year, nanoseconds.

DMN 1.5 (10.3.2.3) takes its dates, times and durations from XML Schema,
whose years are unbounded (``-999999999-12-31``, ``99999-12-31T11:22:33``)
and whose seconds carry any fraction (``10:15:30.123456789``). Python's
``date`` holds years 1..9999 and its clocks microseconds, so a value beyond
either becomes one of the small immutable types here. They are *canonical*:
every constructor below (:func:`make_date`, :func:`make_time`,
:func:`make_datetime`, :func:`make_duration`) returns the ordinary Python
value whenever it fits, so a value has exactly one representation and the
rest of the interpreter (and the engine's variables) keeps seeing ``date``,
``time``, ``datetime`` and ``timedelta`` in every ordinary case.

Years are limited to +/-999,999,999 (Java's ``LocalDate`` range, which the
TCK's extremes use). Calendars are the proleptic Gregorian one, day numbers
counted from 1970-01-01. A named zone's offset in a year Python cannot hold
is the offset of the same moment 400*k years nearer (the Gregorian calendar
repeats every 400 years to the weekday, so rules such as "last Sunday of
March" land on the same days): years after 9999 use the zone's current rules,
years before 1 its local mean time, as the tz database gives for the far past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

YEAR_LIMIT = 999_999_999
SECOND_NS = 1_000_000_000
DAY_NS = 86_400 * SECOND_NS
_CYCLE_DAYS = 146_097  # days in 400 Gregorian years
_EPOCH_TO_MARCH_0000 = 719_468  # days from 0000-03-01 to 1970-01-01
_TIMEDELTA_MAX_NS = (timedelta.max // timedelta(microseconds=1)) * 1000


@dataclass(frozen=True, slots=True)
class WideDate:
    """A FEEL date whose year is outside 1..9999."""

    year: int
    month: int
    day: int

    def isoformat(self) -> str:
        return format_ymd(self.year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class WideTime:
    """A FEEL time with a fraction finer than microseconds (``nanos`` of the day)."""

    nanos: int
    zone: tzinfo | None

    def isoformat(self) -> str:
        from bpmn.expressions.feel.temporal import zone_suffix

        return format_clock(self.nanos) + zone_suffix(self.zone, fixed_offset(self.zone))


@dataclass(frozen=True, slots=True)
class WideDateTime:
    """A FEEL date and time beyond Python's: a year outside 1..9999 or nanoseconds."""

    year: int
    month: int
    day: int
    nanos: int
    zone: tzinfo | None

    def isoformat(self) -> str:
        from bpmn.expressions.feel.temporal import zone_suffix

        offset = None if self.zone is None else offset_at(self.zone, days_from_civil(*self.ymd), self.nanos)
        shown = None if offset is None else timedelta(seconds=offset)
        return f"{format_ymd(*self.ymd)}T{format_clock(self.nanos)}" + zone_suffix(self.zone, shown)

    @property
    def ymd(self) -> tuple[int, int, int]:
        return (self.year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class WideDuration:
    """A FEEL days-and-time duration finer than microseconds or longer than ``timedelta``."""

    nanos: int

    def isoformat(self) -> str:
        return format_duration_nanos(self.nanos)


WIDE_TEMPORAL = (WideDate, WideTime, WideDateTime, WideDuration)


def is_wide(value: object) -> bool:
    return isinstance(value, WIDE_TEMPORAL)


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the given proleptic Gregorian date (negative before).

    Counts from a year that starts in March, so the leap day is the last day
    of its year and every month's offset within the year is a linear formula.
    """
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * _CYCLE_DAYS + day_of_era - _EPOCH_TO_MARCH_0000


def civil_from_days(days: int) -> tuple[int, int, int]:
    """The inverse of :func:`days_from_civil`."""
    days += _EPOCH_TO_MARCH_0000
    era = days // _CYCLE_DAYS
    day_of_era = days - era * _CYCLE_DAYS
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return (year_of_era + era * 400 + (month <= 2), month, day)


def valid_ymd(year: int, month: int, day: int) -> bool:
    return abs(year) <= YEAR_LIMIT and 1 <= month <= 12 and 1 <= day <= days_in_month(year, month)


def make_date(year: int, month: int, day: int) -> date | WideDate | None:
    """The date, as Python's ``date`` when it fits; None when it does not exist."""
    if not valid_ymd(year, month, day):
        return None
    if 1 <= year <= 9999:
        return date(year, month, day)
    return WideDate(year, month, day)


def make_time(nanos: int, zone: tzinfo | None) -> time | WideTime | None:
    """A time of day from nanoseconds since midnight; None outside 0..24h."""
    if not 0 <= nanos < DAY_NS:
        return None
    if nanos % 1000:
        return WideTime(nanos, zone)
    seconds, micros = divmod(nanos // 1000, 1_000_000)
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micros, tzinfo=zone)


def make_datetime(year: int, month: int, day: int, nanos: int, zone: tzinfo | None) -> datetime | WideDateTime | None:
    if not valid_ymd(year, month, day) or not 0 <= nanos < DAY_NS:
        return None
    if 1 <= year <= 9999 and not nanos % 1000:
        seconds, micros = divmod(nanos // 1000, 1_000_000)
        return datetime(year, month, day, seconds // 3600, seconds // 60 % 60, seconds % 60, micros, tzinfo=zone)
    return WideDateTime(year, month, day, nanos, zone)


def make_datetime_from_days(days: int, nanos: int, zone: tzinfo | None) -> datetime | WideDateTime | None:
    """A date-time from a day number and nanoseconds that may run past midnight either way."""
    extra, nanos = divmod(nanos, DAY_NS)
    return make_datetime(*civil_from_days(days + extra), nanos, zone)


def make_duration(nanos: int) -> timedelta | WideDuration:
    if nanos % 1000 or abs(nanos) > _TIMEDELTA_MAX_NS:
        return WideDuration(nanos)
    return timedelta(microseconds=nanos // 1000)


def duration_nanos(value: object) -> int | None:
    """A days-and-time duration in nanoseconds; None for anything else."""
    if isinstance(value, timedelta):
        return (value // timedelta(microseconds=1)) * 1000
    if isinstance(value, WideDuration):
        return value.nanos
    return None


def fixed_offset(zone: tzinfo | None) -> timedelta | None:
    """A fixed offset's value; None for no zone and for named zones (their offset depends on the date)."""
    return None if zone is None else zone.utcoffset(None)


def offset_at(zone: tzinfo, days: int, nanos: int) -> int | None:
    """Seconds east of UTC that ``zone`` has at the local date-time (day number, nanoseconds)."""
    fixed = fixed_offset(zone)
    if fixed is not None:
        return int(fixed.total_seconds())
    year, month, day = civil_from_days(_near_days(days))
    seconds = nanos // SECOND_NS
    probe = datetime(year, month, day, seconds // 3600, seconds // 60 % 60, seconds % 60, tzinfo=zone)
    offset = probe.utcoffset()
    return None if offset is None else int(offset.total_seconds())


def local_of_instant(zone: tzinfo, instant: int) -> tuple[int, int]:
    """(day number, nanoseconds) that ``zone`` shows at ``instant`` (UTC nanoseconds since 1970)."""
    days, nanos = divmod(instant, DAY_NS)
    fixed = fixed_offset(zone)
    if fixed is not None:
        offset = int(fixed.total_seconds())
    else:
        year, month, day = civil_from_days(_near_days(days))
        seconds = nanos // SECOND_NS
        utc = datetime(year, month, day, seconds // 3600, seconds // 60 % 60, seconds % 60, tzinfo=UTC)
        shown = utc.astimezone(zone).utcoffset()
        offset = int(shown.total_seconds()) if shown is not None else 0
    return divmod(instant + offset * SECOND_NS, DAY_NS)


def _near_days(days: int) -> int:
    """``days`` moved by whole 400-year cycles into years Python's datetime (and zoneinfo) can hold."""
    year = civil_from_days(days)[0]
    if 2 <= year <= 9998:
        return days
    target = 2001 if year > 9998 else 401
    cycles = (year - target) // 400
    return days - cycles * _CYCLE_DAYS


def format_ymd(year: int, month: int, day: int) -> str:
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}"


def format_clock(nanos: int) -> str:
    seconds, fraction = divmod(nanos, SECOND_NS)
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return text + ("." + f"{fraction:09d}".rstrip("0") if fraction else "")


def format_duration_nanos(nanos: int) -> str:
    """ISO text like FEEL prints it: ``P1DT2H``, ``PT0.5S``, ``-P3D``, ``PT0S``."""
    sign = "-" if nanos < 0 else ""
    days, rest = divmod(abs(nanos), DAY_NS)
    hours, rest = divmod(rest, 3600 * SECOND_NS)
    minutes, rest = divmod(rest, 60 * SECOND_NS)
    seconds, fraction = divmod(rest, SECOND_NS)
    text = f"{days}D" if days else ""
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or fraction:
        clock += f"{seconds}" + ("." + f"{fraction:09d}".rstrip("0") if fraction else "") + "S"
    if clock:
        text += "T" + clock
    return f"{sign}P{text or 'T0S'}"
