"""Local dates and working days for tickets: stored times are naive UTC, limits are counted in local working days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from bot.workdays import WorkCalendar


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(config: Mapping[str, Any] | None) -> ZoneInfo:
    """The configured time zone (``timezone``, Asia/Shanghai by default)."""
    return _zone((config or {}).get("timezone") or "Asia/Shanghai")


def local_date(moment: datetime, config: Mapping[str, Any] | None) -> date:
    """The local calendar date of a naive UTC datetime."""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone(config)).date()


def local_midnight_utc(day: date, config: Mapping[str, Any] | None) -> datetime:
    """The naive UTC datetime at which local ``day`` begins."""
    start = datetime.combine(day, time.min, tzinfo=zone(config))
    return start.astimezone(timezone.utc).replace(tzinfo=None)


def end_of_local_day_utc(day: date, config: Mapping[str, Any] | None) -> datetime:
    """The naive UTC datetime at which local ``day`` ends (the next day's midnight)."""
    return local_midnight_utc(day + timedelta(days=1), config)


def calendar(config: Mapping[str, Any] | None) -> WorkCalendar:
    """The working-day calendar of the configuration."""
    return WorkCalendar.from_config(config)


def format_day(day: date) -> str:
    """``2026年10月13日（周二）`` — how a promised date is written to an enterprise."""
    weekday = "一二三四五六日"[day.weekday()]
    return f"{day.year}年{day.month}月{day.day}日（周{weekday}）"
