"""Working-day arithmetic across 国庆 and 春节 with their make-up days, and the fallback for unknown years."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.workdays import WorkCalendar


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts(calendar: WorkCalendar) -> None:
    # 2026: 10-01 .. 10-07 off, Saturday 10-10 is a make-up working day.
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.is_working_day(date(2026, 10, 10))
    # Accepted on 30 September: the 1st working day after is 8 October, the 3rd is 10 October (a Saturday).
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


def test_spring_festival_with_its_make_up_days(calendar: WorkCalendar) -> None:
    # 2026 春节: 2-15 .. 2-23 off; Saturdays 2-14 and 2-28 are make-up working days.
    assert calendar.is_working_day(date(2026, 2, 14))
    assert not calendar.is_working_day(date(2026, 2, 16))
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert calendar.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_zero_days_and_negative_spans(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 10, 9), 0) == date(2026, 10, 9)
    assert calendar.working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 10, 9), -1)


def test_a_year_the_library_does_not_know_falls_back_to_weekdays_and_configured_days(caplog) -> None:
    calendar = WorkCalendar.from_config({"calendar": {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}})
    with caplog.at_level(logging.WARNING, logger="bot.workdays"):
        assert not calendar.knows(date(2027, 1, 4))
        assert not calendar.is_working_day(date(2027, 1, 1))  # configured holiday (a Friday)
        assert calendar.is_working_day(date(2027, 1, 9))  # configured make-up Saturday
        assert calendar.is_working_day(date(2027, 1, 4)) and not calendar.is_working_day(date(2027, 1, 10))
        assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1
