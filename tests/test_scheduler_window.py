"""Quiet hours and non-working days: when routine messages may go out, and when a held one is released."""

from __future__ import annotations

from datetime import datetime

from bot.workdays import WorkCalendar
from zoneinfo import ZoneInfo

from handlers.reminders.localtime import to_local, to_utc
from scheduler.window import DeliveryWindow


def _window(make_config, **settings) -> DeliveryWindow:
    return DeliveryWindow.from_config(make_config(scheduler=settings), WorkCalendar())


def _utc(text: str) -> datetime:
    """A Shanghai wall-clock time as naive UTC."""
    return to_utc(datetime.fromisoformat(text), ZoneInfo("Asia/Shanghai"))


def test_quiet_hours_across_midnight(make_config) -> None:
    window = _window(make_config)
    assert window.allows(_utc("2026-10-28T08:00")) and window.allows(_utc("2026-10-28T21:59"))
    assert not window.allows(_utc("2026-10-28T22:00")) and not window.allows(_utc("2026-10-29T07:59"))
    assert to_local(window.release_time(_utc("2026-10-28T23:30")), window.tz) == datetime(2026, 10, 29, 8, 0)
    assert to_local(window.release_time(_utc("2026-10-29T03:00")), window.tz) == datetime(2026, 10, 29, 8, 0)
    assert window.release_time(_utc("2026-10-28T10:00")) == _utc("2026-10-28T10:00")


def test_weekends_and_holidays_hold_until_the_next_working_morning(make_config) -> None:
    window = _window(make_config)
    assert not window.allows(_utc("2026-10-31T10:00"))  # Saturday
    assert to_local(window.release_time(_utc("2026-10-30T22:30")), window.tz) == datetime(2026, 11, 2, 8, 0)
    assert to_local(window.release_time(_utc("2026-10-01T09:00")), window.tz) == datetime(2026, 10, 8, 8, 0)  # 国庆
    assert window.allows(_utc("2026-10-10T09:00"))  # the make-up working Saturday


def test_settings_turn_the_holds_off(make_config) -> None:
    window = _window(make_config, quiet_hours={"start": "00:00", "end": "00:00"}, hold_on_non_working_days=False)
    assert window.allows(_utc("2026-10-31T23:59")) and window.allows(_utc("2026-10-01T03:00"))
    daytime = _window(make_config, quiet_hours={"start": "12:00", "end": "13:30"})
    assert not daytime.allows(_utc("2026-10-28T12:30")) and daytime.allows(_utc("2026-10-28T13:30"))
