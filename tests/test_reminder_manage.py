"""Listing, cancelling and snoozing what is scheduled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.reminders.manage import cancel, parse_delay, snooze, upcoming_reminders
from handlers.reminders.tasks import TaskError


@pytest.mark.parametrize("text, minutes", [("2小时", 120), ("1天", 1440), ("30分钟", 30), ("2h", 120), ("1d", 1440), ("1周", 10080)])
def test_delays(text, minutes) -> None:
    assert parse_delay(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "0天", "一天", "soon"])
def test_unreadable_delays(text) -> None:
    with pytest.raises(TaskError):
        parse_delay(text)


def test_references_and_what_each_kind_allows(sched) -> None:
    sched.run("2026-10-20T09:00")
    now = sched.at("2026-10-22T10:00")
    with sched.runtime.session() as session:
        first = upcoming_reminders(session)[0]
        for bad in ("X1", "R", "Rabc"):
            with pytest.raises(TaskError, match="看不懂编号"):
                cancel(session, bad, by="s", now=now, config=sched.runtime.config)
        with pytest.raises(TaskError, match="任务不能推迟"):
            snooze(session, "T4", by="s", now=now, config=sched.runtime.config, delay=timedelta(hours=1))
        with pytest.raises(TaskError, match="晚于现在"):
            snooze(session, first.label, by="s", now=now, config=sched.runtime.config, until=now - timedelta(hours=1))
        assert snooze(session, str(first.id), by="s", now=now, config=sched.runtime.config, delay=timedelta(hours=1)).endswith("2026-10-22 11:00")
        assert "推迟至 2026-10-22 11:00" in first.reason
        cancel(session, first.label, by="s", now=now, config=sched.runtime.config)
        assert first not in upcoming_reminders(session)
