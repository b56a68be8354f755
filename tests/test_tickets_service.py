"""Opening tickets and every action of the loop through the services: state, audit row and outbox in one go."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.store.outbox import OutboxMessage
from bot.store.tickets import TicketEvent
from handlers.tickets.catalogue import load_catalogue
from handlers.tickets.service import Filing, next_number, open_ticket, perform
from handlers.tickets.states import Actor, TicketError
from ticket_helpers import TICKET_CONFIG, WEDNESDAY, events, later, outbox, sent_to


@pytest.fixture
def runtime(make_config):
    from bot.runtime import Runtime

    runtime = Runtime(make_config(**TICKET_CONFIG))
    yield runtime
    runtime.engine.dispose()


def staff(session, user_id):
    from bot.store.staff import find_staff

    return Actor.from_staff(find_staff(session, user_id))


def file(session, config, now=WEDNESDAY, category="税务", confident=True, **extra):
    filing = Filing(kind="投诉", text="退税申请交上去两个多月了一分钱没退", channel="work", user="boss", category=category,
                    confident=confident, company="长春某科技有限公司", contact="13812345678", location="高新区", **extra)
    return open_ticket(session, filing, now, config, load_catalogue(config))


def test_numbers_are_local_date_plus_daily_sequence(runtime) -> None:
    with runtime.session() as session:
        assert next_number(session, date(2026, 11, 18)) == "ZQ20261118001"
        assert next_number(session, date(2026, 11, 18)) == "ZQ20261118002"
        assert next_number(session, date(2026, 11, 19)) == "ZQ20261119001"
        # 02:00 UTC on the 18th is 10:00 on the 18th in Shanghai; 17:00 UTC is already the 19th there.
        assert file(session, runtime.config).number == "ZQ20261118003"
        assert file(session, runtime.config, now=later(WEDNESDAY, hours=15)).number == "ZQ20261119002"


def test_a_confident_category_is_dispatched_with_its_working_day_limit(runtime) -> None:
    with runtime.session() as session:
        ticket = file(session, runtime.config)
        assert ticket.state == "已派单" and ticket.department == "市税务局"
        assert ticket.limit_days == 10 and ticket.due_date == date(2026, 12, 2)  # 10 working days after Wed 18 Nov
        assert events(session, ticket) == [("受理", "", "已受理"), ("派单", "已受理", "已派单")]
        assert any("【新工单】" in text and ticket.number in text for text in sent_to(session, "tax1"))
        assert sent_to(session, "disp") == []  # dispatched without the dispatcher


def test_an_unsure_category_waits_for_the_dispatcher(runtime) -> None:
    with runtime.session() as session:
        ticket = file(session, runtime.config, category=None, confident=False)
        assert ticket.state == "已受理" and ticket.department == "市营商环境建设局"
        assert any("【待派单】" in text for text in sent_to(session, "disp"))


def test_limits_count_working_days_across_national_day_and_spring_festival(runtime) -> None:
    with runtime.session() as session:
        # Filed 30 Sep 2026 (10:00 local): 1-7 Oct off, Saturday 10 Oct a make-up day: 5 working days → 13 Oct.
        national = file(session, runtime.config, now=later(WEDNESDAY, days=-49), category="办电")
        assert national.limit_days == 5 and national.due_date == date(2026, 10, 13)
        # Filed Friday 13 Feb 2026: Saturday 14 Feb works, 15-23 Feb off: 14, 24, 25, 26, 27 Feb → 27 Feb.
        spring = file(session, runtime.config, now=later(WEDNESDAY, days=-278), category="办电")
        assert spring.due_date == date(2026, 2, 27)


def test_the_whole_loop_with_pause_and_reopening(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)
        tax = staff(session, "tax1")
        perform(session, ticket, "签收", tax, later(WEDNESDAY, hours=1), config)
        perform(session, ticket, "补材料", tax, later(WEDNESDAY, hours=2), config, note="退税申请表原件")
        assert ticket.paused and any("需要您补充" in row.text for row in outbox(session, channel="work") if "boss" in row.target_json)
        # The enterprise takes two working days (Thu, Fri): the due date moves by two working days.
        perform(session, ticket, "恢复", Actor.enterprise(ticket.complainant), later(WEDNESDAY, days=2, hours=1), config, note="已补交")
        assert not ticket.paused and ticket.paused_days == 2 and ticket.due_date == date(2026, 12, 4)
        perform(session, ticket, "回复", tax, later(WEDNESDAY, days=5), config, note="已退税到账")
        perform(session, ticket, "办结", staff(session, "disp"), later(WEDNESDAY, days=5, hours=1), config)
        assert ticket.state == "待评价"
        perform(session, ticket, "重办", Actor.enterprise(ticket.complainant), later(WEDNESDAY, days=6), config, note="只退了一半")
        assert ticket.state == "重办" and ticket.reopen_count == 1 and ticket.rating == "不满意"
        assert any("【重办】" in text and "只退了一半" in text for text in sent_to(session, "tax1"))
        perform(session, ticket, "回复", tax, later(WEDNESDAY, days=7), config, note="余款已退")
        perform(session, ticket, "办结", staff(session, "disp"), later(WEDNESDAY, days=7, hours=1), config)
        perform(session, ticket, "评价", Actor.enterprise(ticket.complainant), later(WEDNESDAY, days=8), config, note="满意")
        assert ticket.state == "已办结" and ticket.rating == "满意" and ticket.closed_at is not None
        actions = [action for action, _, _ in events(session, ticket)]
        assert actions == ["受理", "派单", "签收", "补材料", "恢复", "回复", "办结", "重办", "回复", "办结", "评价"]


def test_return_goes_back_to_the_dispatcher_and_reassignment_tells_both_departments(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)
        perform(session, ticket, "退单", staff(session, "tax1"), WEDNESDAY, config, note="不属于税务，属于供电")
        assert ticket.state == "退单" and ticket.department == "市营商环境建设局"
        assert any("【退单】" in text for text in sent_to(session, "disp"))
        perform(session, ticket, "派单", staff(session, "disp"), WEDNESDAY, config, department="市供电公司")
        perform(session, ticket, "改派", staff(session, "disp"), WEDNESDAY, config, department="市税务局", note="供电也不是")
        assert any("已改派至市税务局" in text for text in sent_to(session, "power1"))


def test_a_refused_action_changes_nothing_and_sends_nothing(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)
        before = (ticket.state, len(events(session, ticket)), len(outbox(session)))
        with pytest.raises(TicketError, match="当前状态为“已派单”，不能办结"):
            perform(session, ticket, "办结", staff(session, "disp"), WEDNESDAY, config)
        with pytest.raises(TicketError, match="市税务局承办"):
            perform(session, ticket, "回复", staff(session, "power1"), WEDNESDAY, config, note="x")
        with pytest.raises(TicketError, match="答复内容"):
            perform(session, ticket, "回复", staff(session, "tax1"), WEDNESDAY, config, note=" ")
        assert (ticket.state, len(events(session, ticket)), len(outbox(session))) == before


def test_a_failure_after_the_change_rolls_back_state_audit_and_outbox(runtime, monkeypatch) -> None:
    config = runtime.config
    with runtime.session() as session:
        number = file(session, config).number
    import handlers.tickets.notify as notify

    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(notify, "tell_enterprise", broken)
    with pytest.raises(RuntimeError):
        with runtime.session() as session:
            from bot.store.tickets import find_ticket

            perform(session, find_ticket(session, number), "签收", staff(session, "tax1"), WEDNESDAY, config)
    with runtime.session() as session:
        from bot.store.tickets import find_ticket

        ticket = find_ticket(session, number)
        assert ticket.state == "已派单"
        assert session.scalars(select(TicketEvent).where(TicketEvent.action == "签收")).all() == []
        assert not any("已签收" in row.text for row in session.scalars(select(OutboxMessage)))
