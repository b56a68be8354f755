"""The job list and the calendar jobs' slots."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.workdays import WorkCalendar
from scheduler.jobs import build_jobs, first_working_day_from


def test_jobs_run_in_order_tasks_before_their_reminders(config) -> None:
    names = [job.name for job in build_jobs(config)]
    assert names.index("documents") < names.index("plan-reminders") < names.index("deadline-reminders")
    calendar_jobs = {job.name: job.cron for job in build_jobs(config) if job.is_calendar}
    assert calendar_jobs == {"overdue-lists": {"hour": 9, "minute": 0}, "weekly-digest": {"hour": 9, "minute": 0}}
    assert names.index("ticket-escalations") < names.index("ticket-reminders") < names.index("overdue-lists")


def test_the_digest_falls_on_the_first_working_day_of_the_week() -> None:
    calendar = WorkCalendar()
    is_slot = first_working_day_from("mon")
    october = [date(2026, 9, 28) + timedelta(days=n) for n in range(21)]
    assert [day for day in october if is_slot(day, calendar)] == [date(2026, 9, 28), date(2026, 10, 8), date(2026, 10, 12)]
    assert [d for d in october if first_working_day_from("fri")(d, calendar)] == [date(2026, 10, 2) + timedelta(days=7), date(2026, 10, 16)]


def test_a_wrong_weekday_is_a_clear_error(make_config) -> None:
    with pytest.raises(ValueError, match="weekday"):
        build_jobs(make_config(scheduler={"digest": {"weekday": "someday"}}))
