"""When routine messages may go out: not in quiet hours (22:00–08:00 local by default) and not on non-working days.

Settings: ``scheduler.quiet_hours.start``/``end`` (equal times: no quiet hours) and
``scheduler.hold_on_non_working_days`` (statutory holidays and weekends, make-up working days included, from
:class:`bot.workdays.WorkCalendar`). A held message is not lost: it goes out at the window's next opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from bot.workdays import WorkCalendar
from handlers.reminders.localtime import parse_clock, to_local, to_utc, zone

MAX_SEARCH_DAYS = 60


@dataclass(frozen=True)
class DeliveryWindow:
    """Quiet hours and working days in the configured time zone."""

    tz: ZoneInfo
    quiet_start: time
    quiet_end: time
    calendar: WorkCalendar | None  # None: non-working days do not hold

    @classmethod
    def from_config(cls, config: Mapping[str, Any], calendar: WorkCalendar | None = None) -> "DeliveryWindow":
        settings = config["scheduler"]
        quiet = settings.get("quiet_hours") or {}
        hold_days = settings.get("hold_on_non_working_days", True)
        return cls(
            tz=zone(config),
            quiet_start=parse_clock(quiet.get("start") or "00:00"),
            quiet_end=parse_clock(quiet.get("end") or "00:00"),
            calendar=(calendar or WorkCalendar.from_config(config)) if hold_days else None,
        )

    def _quiet(self, clock: time) -> bool:
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= clock < self.quiet_end
        return clock >= self.quiet_start or clock < self.quiet_end

    def allows(self, moment: datetime) -> bool:
        """Whether a routine message may go out at ``moment`` (naive UTC)."""
        local = to_local(moment, self.tz)
        if self.calendar is not None and not self.calendar.is_working_day(local.date()):
            return False
        return not self._quiet(local.time())

    def release_time(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` (naive UTC) when the window is open."""
        local = to_local(moment, self.tz)
        for _ in range(MAX_SEARCH_DAYS * 3):
            if self.calendar is not None and not self.calendar.is_working_day(local.date()):
                local = datetime.combine(local.date() + timedelta(days=1), time(0))
                continue
            if not self._quiet(local.time()):
                return to_utc(local, self.tz)
            end = datetime.combine(local.date(), self.quiet_end)
            local = end if end > local else end + timedelta(days=1)
        raise ValueError(f"no working time within {MAX_SEARCH_DAYS} days of {moment}: check the calendar settings")
