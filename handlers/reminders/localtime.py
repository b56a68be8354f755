"""Local time (``config["timezone"]``, Asia/Shanghai by default) against the naive UTC stored everywhere."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo


def zone(config: Mapping[str, Any]) -> ZoneInfo:
    """The configured time zone."""
    return ZoneInfo(config.get("timezone") or "Asia/Shanghai")


def to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A naive UTC datetime as a naive local wall-clock datetime."""
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall-clock datetime as naive UTC."""
    return local.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The local calendar day of a naive UTC datetime."""
    return to_local(moment, tz).date()


def at_local_time(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """``day`` at the local wall-clock time ``clock``, as naive UTC."""
    return to_utc(datetime.combine(day, clock), tz)


def parse_clock(text: str) -> time:
    """``"09:00"`` → ``time(9, 0)``; a clear error for anything else."""
    try:
        hours, minutes = str(text).strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"not a time of day (HH:MM): {text!r}") from exc


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """An ISO date or datetime (``2026-10-28T09:00``, ``2026-10-28 09:00``, ``2026-10-28``) as naive UTC.

    Without an offset the text is local time; with one (``+08:00``, ``Z``) it is taken as written."""
    raw = str(text).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"not a date or time (use 2026-10-28T09:00): {text!r}") from exc
    if parsed.tzinfo is not None:
        return parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return to_utc(parsed, tz)


def format_local(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-10-28 09:00`` (local) for a naive UTC datetime."""
    return f"{to_local(moment, tz):%Y-%m-%d %H:%M}"
