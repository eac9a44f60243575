"""Value types the expression languages add to plain Python/JSON values.

FEEL has two kinds of durations. Days-time durations (``P1DT2H``) are exact
lengths of time and map onto :class:`datetime.timedelta`. Years-months
durations (``P1Y2M``) are calendar amounts whose length depends on the date
they are added to, which ``timedelta`` cannot express, so they get the small
immutable type below. It counts months only, as FEEL normalises ``P14M`` and
``P1Y2M`` to the same value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class YearsMonthsDuration:
    """A FEEL years-and-months duration, stored as a signed number of months."""

    months: int

    def __post_init__(self) -> None:
        if isinstance(self.months, bool) or not isinstance(self.months, int):
            raise TypeError("YearsMonthsDuration.months must be an int")

    @property
    def years(self) -> int:
        """Whole years, with the sign of the duration (``P1Y2M`` -> 1)."""
        whole = abs(self.months) // 12
        return -whole if self.months < 0 else whole

    @property
    def remaining_months(self) -> int:
        """Months beyond the whole years, with the sign of the duration."""
        rest = abs(self.months) % 12
        return -rest if self.months < 0 else rest

    def isoformat(self) -> str:
        """ISO 8601 text as FEEL prints it, e.g. ``P1Y2M`` or ``-P3M``."""
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        text = ""
        if years:
            text += f"{years}Y"
        if months or not years:
            text += f"{months}M"
        return f"{sign}P{text}"

    def __str__(self) -> str:
        return self.isoformat()
