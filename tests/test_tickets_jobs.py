"""The scheduler's ticket jobs, with explicit ``now`` values: what each queues, and that a second run queues nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.store.tickets import find_ticket
from handlers.tickets.jobs import escalate_overdue_tickets, expire_ratings, remind_due_tickets, send_overdue_lists
from handlers.tickets.service import perform
from handlers.tickets.states import Actor
from test_tickets_service import file, runtime, staff  # noqa: F401 - the fixture and helpers
from ticket_helpers import WEDNESDAY, events, outbox, sent_to


def local(year, month, day, hour=9):
    """A local (Asia/Shanghai) time as naive UTC."""
    return datetime(year, month, day, hour - 8) if hour >= 8 else datetime(year, month, day - 1, hour + 16)


def test_reminders_for_tickets_due_within_one_working_day_once_a_day(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)  # due Wednesday 2 December
        assert ticket.due_date == date(2026, 12, 2)
        assert remind_due_tickets(session, local(2026, 11, 30), config) == 0  # Monday: two working days ahead
        assert remind_due_tickets(session, local(2026, 12, 1), config) == 1  # Tuesday: due tomorrow
        assert remind_due_tickets(session, local(2026, 12, 1, 15), config) == 0  # same day again: nothing
        assert remind_due_tickets(session, local(2026, 12, 2), config) == 1  # due today
        assert sum("【即将到期】" in text for text in sent_to(session, "tax1")) == 2
        perform(session, ticket, "补材料", staff(session, "tax1"), local(2026, 12, 2), config, note="发票")
        assert remind_due_tickets(session, local(2026, 12, 2, 16), config) == 0  # waiting for the enterprise


def test_a_reminder_on_a_friday_covers_a_ticket_due_on_monday(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config, now=local(2026, 11, 13), category="办电")  # Friday 13 Nov, 5 days → Fri 20 Nov
        assert ticket.due_date == date(2026, 11, 20)
        ticket.due_date = date(2026, 11, 23)
        assert remind_due_tickets(session, local(2026, 11, 20), config) == 1


def test_overdue_tickets_are_supervised_once_and_leaders_are_told(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)  # due 2 December
        waiting = file(session, config, category=None, confident=False)  # with the dispatcher
        assert escalate_overdue_tickets(session, local(2026, 12, 2, 20), config) == 0  # the due day itself is fine
        queued = escalate_overdue_tickets(session, local(2026, 12, 3), config)
        assert ticket.state == "督办" and ticket.overdue_since is not None and ticket.ever_overdue
        assert events(session, ticket)[-1] == ("督办", "已派单", "督办")
        assert waiting.state == "已受理" and events(session, waiting)[-1] == ("超期", "已受理", "已受理")
        leaders = [row.text for row in outbox(session, channel="robot")]
        assert len(leaders) == 2 and all("【超期督办】" in text for text in leaders)
        assert any("【督办】" in text for text in sent_to(session, "tax1"))
        # 督办: department, enterprise, leaders; 超期 with the dispatcher: dispatchers, leaders.
        assert queued == 5
        assert escalate_overdue_tickets(session, local(2026, 12, 3), config) == 0
        assert escalate_overdue_tickets(session, local(2026, 12, 4), config) == 0  # already escalated for this due date


def test_answering_clears_overdue_and_a_reopened_ticket_can_be_escalated_again(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)
        escalate_overdue_tickets(session, local(2026, 12, 3), config)
        perform(session, ticket, "回复", staff(session, "tax1"), local(2026, 12, 3, 11), config, note="已处理")
        assert ticket.overdue_since is None and ticket.ever_overdue
        perform(session, ticket, "办结", staff(session, "disp"), local(2026, 12, 3, 12), config)
        perform(session, ticket, "重办", Actor.enterprise(ticket.complainant), local(2026, 12, 3, 13), config, note="没解决")
        assert ticket.due_date == date(2026, 12, 17)
        assert escalate_overdue_tickets(session, local(2026, 12, 18), config) > 0
        assert ticket.state == "督办"


def test_daily_overdue_list_per_department(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        first = file(session, config)
        file(session, config)
        file(session, config, category="办电")
        assert send_overdue_lists(session, local(2026, 11, 25), config) == 0  # the power ticket is due today
        assert send_overdue_lists(session, local(2026, 11, 26), config) == 1  # only the power ticket is overdue
        lists = [text for text in sent_to(session, "power1") if "【超期工单】" in text]
        assert len(lists) == 1 and "共1件" in lists[0] and "超期1个工作日" in lists[0]
        assert send_overdue_lists(session, local(2026, 11, 26, 17), config) == 0  # once a day
        assert send_overdue_lists(session, local(2026, 12, 3), config) == 2  # now the two tax tickets (due 2 Dec) too
        tax_list = [text for text in sent_to(session, "tax1") if "【超期工单】" in text][-1]
        assert "共2件" in tax_list and first.number in tax_list


def test_ratings_expire_after_the_configured_working_days(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)
        perform(session, ticket, "回复", staff(session, "tax1"), WEDNESDAY, config, note="已处理")
        perform(session, ticket, "办结", staff(session, "disp"), WEDNESDAY, config)  # asked on Wed 18 Nov
        assert expire_ratings(session, local(2026, 11, 20), config) == 0  # two working days
        assert ticket.state == "待评价"
        assert expire_ratings(session, local(2026, 11, 23), config) == 1  # three working days (Thu, Fri, Mon)
        assert ticket.state == "已办结" and ticket.rating == "未评价"
        assert expire_ratings(session, local(2026, 11, 23), config) == 0
        assert events(session, ticket)[-1] == ("超期未评价", "待评价", "已办结")


@pytest.mark.parametrize("job", [remind_due_tickets, escalate_overdue_tickets, send_overdue_lists, expire_ratings])
def test_every_job_is_safe_to_run_twice_for_the_same_now(runtime, job) -> None:
    config = runtime.config
    with runtime.session() as session:
        for _ in range(3):
            file(session, config)
        ticket = file(session, config, category="办电")
        perform(session, ticket, "回复", staff(session, "power1"), WEDNESDAY, config, note="好了")
        perform(session, ticket, "办结", staff(session, "disp"), WEDNESDAY, config)
        now = local(2026, 12, 2)
        job(session, now, config)
        rows, trail = len(outbox(session)), [events(session, t) for t in (ticket,)]
        assert job(session, now, config) == 0
        assert len(outbox(session)) == rows and [events(session, t) for t in (ticket,)] == trail
        assert find_ticket(session, ticket.number) is ticket
