"""Local time against stored naive UTC."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders.localtime import at_local_time, format_local, parse_clock, parse_moment, to_local

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_round_trips_and_formats() -> None:
    assert parse_moment("2026-10-28T09:00", SHANGHAI) == datetime(2026, 10, 28, 1, 0)
    assert parse_moment("2026-10-28 09:00", SHANGHAI) == datetime(2026, 10, 28, 1, 0)
    assert parse_moment("2026-10-28T09:00+00:00", SHANGHAI) == datetime(2026, 10, 28, 9, 0)
    assert parse_moment("2026-10-28T01:00Z", SHANGHAI) == datetime(2026, 10, 28, 1, 0)
    assert parse_moment("2026-10-28", SHANGHAI) == datetime(2026, 10, 27, 16, 0)
    assert to_local(datetime(2026, 10, 27, 16, 0), SHANGHAI) == datetime(2026, 10, 28, 0, 0)
    assert at_local_time(date(2026, 10, 28), time(9), SHANGHAI) == datetime(2026, 10, 28, 1, 0)
    assert format_local(datetime(2026, 10, 28, 1, 0), SHANGHAI) == "2026-10-28 09:00"


@pytest.mark.parametrize("bad", ["tomorrow", "28/10/2026", ""])
def test_unreadable_moments_are_clear_errors(bad) -> None:
    with pytest.raises(ValueError, match="2026-10-28T09:00"):
        parse_moment(bad, SHANGHAI)


def test_clock() -> None:
    assert parse_clock("09:30") == time(9, 30)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock("9点")
