"""The ticket limits through the scheduler: a reminder a working day before, 督办 at the due time with the leaders
told (held over quiet hours as configured), the daily overdue list on working days, the digest's ticket figures."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.config import ConfigError
from bot.store.outbox import OutboxMessage
from bot.store.tickets import Ticket
from handlers.tickets.catalogue import load_catalogue
from handlers.tickets.service import Filing, open_ticket
from ticket_helpers import TICKET_CONFIG, WEDNESDAY


@pytest.fixture
def office(sched):
    """Ticket staff and the leaders' robot; one 税务 complaint filed Wednesday 18 Nov 10:00, due Wednesday 2 Dec."""
    runtime = sched.runtime.make(**TICKET_CONFIG)
    with runtime.session() as session:
        filing = Filing(kind="投诉", text="退税申请交上去两个多月了一分钱没退", channel="work", user="boss", category="税务",
                        confident=True, company="长春某科技有限公司", contact="13812345678", location="高新区")
        ticket = open_ticket(session, filing, WEDNESDAY, runtime.config, load_catalogue(runtime.config))
        assert str(ticket.due_date) == "2026-12-02"
    return runtime


def _texts(sched, runtime, marker: str, user: str | None = None) -> list[OutboxMessage]:
    rows = [row for row in sched.queued(runtime=runtime) if marker in row.text]
    return [row for row in rows if user is None or user in json.loads(row.target_json).get("touser", [])]


def _state(runtime) -> str:
    with runtime.session() as session:
        return session.scalars(select(Ticket)).one().state


def test_the_department_is_reminded_a_working_day_before_once_a_day(sched, office) -> None:
    sched.run("2026-11-30T09:00", office)  # Monday: due in two working days
    assert _texts(sched, office, "【即将到期】") == []
    assert sched.run("2026-12-01T07:30", office)["ticket-reminders"] == "held"  # quiet hours
    sched.run("2026-12-01T08:00", office)
    sched.run("2026-12-01T15:00", office)
    assert len(_texts(sched, office, "【即将到期】", "tax1")) == 1


def test_at_the_due_time_the_ticket_is_escalated_and_the_leaders_told_in_the_morning(sched, office) -> None:
    sched.run("2026-12-02T20:00", office)  # the due day itself is still in time
    assert _state(office) != "督办"
    sched.run("2026-12-03T00:05", office)  # overdue from midnight: 督办 now ...
    assert _state(office) == "督办"
    (leaders,) = _texts(sched, office, "【超期督办】")
    assert leaders.channel == "robot" and leaders.target == {"robot": "leaders"}
    assert leaders.not_before == sched.at("2026-12-03T08:00")  # ... the leaders' message when the quiet hours end
    sched.run("2026-12-03T08:00", office)
    assert len(_texts(sched, office, "【超期督办】")) == 1


@pytest.mark.parametrize("hold, released", [(False, None), (True, "2026-12-07T08:00")])
def test_how_escalations_are_held_is_configurable(sched, hold, released) -> None:
    runtime = sched.runtime.make(**TICKET_CONFIG, scheduler={"hold_escalations": hold})
    with runtime.session() as session:
        filing = Filing(kind="投诉", text="退税申请交上去两个多月了一分钱没退", channel="work", user="boss", category="税务",
                        confident=True, company="长春某科技有限公司", contact="13812345678", location="高新区")
        ticket = open_ticket(session, filing, WEDNESDAY, runtime.config, load_catalogue(runtime.config))
        ticket.due_date = ticket.due_date.replace(day=4)  # Friday: overdue from Saturday midnight
    sched.run("2026-12-05T00:05", runtime)
    (leaders,) = _texts(sched, runtime, "【超期督办】")
    if released is None:
        assert leaders.not_before < sched.at("2026-12-05T08:00")
    else:
        assert leaders.not_before == sched.at(released)  # Monday morning


def test_a_wrong_hold_setting_stops_the_scheduler_at_start_and_changes_nothing(sched, office) -> None:
    runtime = sched.runtime.make(**TICKET_CONFIG, scheduler={"hold_escalations": "later"})
    with pytest.raises(ConfigError, match="hold_escalations"):
        sched.run("2026-12-03T10:00", runtime)
    assert _state(runtime) != "督办"


def test_the_overdue_list_goes_once_each_working_day(sched, office) -> None:
    assert sched.run("2026-12-03T08:59", office)["overdue-lists"] == "dropped"  # yesterday's: too late to help
    assert _texts(sched, office, "【超期工单】") == []
    for moment in ("2026-12-03T09:00", "2026-12-03T09:05", "2026-12-04T09:00", "2026-12-05T09:00", "2026-12-06T12:00"):
        sched.run(moment, office)
    lists = _texts(sched, office, "【超期工单】", "tax1")
    assert [row.text.split("\n")[0] for row in lists] == [
        "【超期工单】市税务局 截至2026年12月3日（周四）共1件：", "【超期工单】市税务局 截至2026年12月4日（周五）共1件：",
    ]


def test_the_digest_has_the_weeks_ticket_figures(sched, office) -> None:
    sched.run("2026-11-23T09:00", office)  # Monday after the ticket was filed
    (digest,) = [row for row in sched.queued("digest:", office)]
    assert "诉求：新受理 1 件，办结 0 件，超期 0 件" in digest.text
    assert digest.target == {"touser": ["lead1"]}
