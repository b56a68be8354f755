"""Working days (工作日) as Chinese government offices count them.

Statutory holidays and the make-up working days (调休上班) come from ``chinesecalendar``, which knows the years
the State Council has published (up to its release). For a later year the calendar falls back to
Monday–Friday plus the holidays and make-up days configured under ``calendar`` and logs a warning once per year::

    calendar:
      holidays: [2027-01-01, 2027-02-05]     # extra days off (any year; for years chinesecalendar does not know)
      workdays: [2027-02-20]                 # extra make-up working days

Limits are counted the way 12345 counts them: a ticket accepted on day D with a limit of N working days is due
at the end of the N-th working day after D (D itself does not count).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

import chinese_calendar

log = logging.getLogger(__name__)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class WorkCalendar:
    """Which days are working days; arithmetic in working days."""

    def __init__(self, holidays: Iterable[Any] = (), workdays: Iterable[Any] = ()) -> None:
        self.holidays = {_as_date(day) for day in holidays}
        self.workdays = {_as_date(day) for day in workdays}
        self._warned: set[int] = set()

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> "WorkCalendar":
        """The calendar described by the ``calendar`` section of the configuration (which may be absent)."""
        section = (config or {}).get("calendar") or {}
        return cls(section.get("holidays") or (), section.get("workdays") or ())

    def knows(self, day: date) -> bool:
        """Whether ``chinesecalendar`` has the official schedule for ``day``'s year."""
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def is_working_day(self, day: date | datetime) -> bool:
        """True on a working day: official schedule first, then the configured exceptions, else Mon–Fri."""
        day = _as_date(day)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning(
                    "chinesecalendar has no official holidays for %s: counting Monday-Friday plus configured "
                    "calendar.holidays/workdays; upgrade chinesecalendar once the State Council publishes them",
                    day.year,
                )
            return day.weekday() < 5

    def next_working_day(self, day: date | datetime) -> date:
        """The first working day after ``day``."""
        current = _as_date(day) + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def add_working_days(self, start: date | datetime, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count); ``days`` ≥ 0.
        With 0, ``start`` when it is a working day, else the next working day."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = _as_date(start)
        if days == 0:
            return current if self.is_working_day(current) else self.next_working_day(current)
        for _ in range(days):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        first, last = _as_date(start), _as_date(end)
        if last < first:
            return -self.working_days_between(last, first)
        count, current = 0, first
        while current < last:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count
