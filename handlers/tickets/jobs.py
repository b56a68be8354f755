"""The ticket jobs the scheduler runs. Each takes the caller's session and an explicit ``now`` (naive UTC),
queues its notifications through the outbox with idempotency keys, returns how many outbox rows it queued,
and is safe to call twice for the same ``now`` (the second call queues nothing and changes nothing).

- :func:`remind_due_tickets`: tickets due within one working day → a reminder to the handling department
  (at most one per ticket per local day).
- :func:`escalate_overdue_tickets`: tickets past their limit become overdue and 督办 (audit row); the supervising
  leaders' group (``tickets.leaders_robot``) gets an escalation.
- :func:`send_overdue_lists`: each department's daily list of its overdue tickets.
- :func:`expire_ratings`: tickets not rated within ``tickets.rating_days`` working days are closed as 未评价.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.outbox import OutboxMessage
from bot.store.tickets import ACCEPTED, AWAITING_RATING, DEPARTMENT_STATES, RETURNED, Ticket
from handlers.tickets import notify
from handlers.tickets.clock import calendar, format_day, local_date
from handlers.tickets.masking import masked_logger
from handlers.tickets.render import excerpt
from handlers.tickets.service import perform
from handlers.tickets.states import Actor

log = masked_logger(__name__)
LIST_LIMIT = 30  # tickets named in one overdue list; the rest are counted


def _queued(session: Session) -> int:
    session.flush()
    return int(session.scalar(select(func.count(OutboxMessage.id))) or 0)


def _unanswered(session: Session, *states: str) -> list[Ticket]:
    """Open tickets in ``states`` that are not waiting for the enterprise, oldest due first."""
    query = select(Ticket).where(Ticket.state.in_(states), Ticket.paused_since.is_(None)).order_by(Ticket.due_date, Ticket.id)
    return list(session.scalars(query))


def remind_due_tickets(session: Session, now: datetime, config: Mapping[str, Any]) -> int:
    """Remind each handling department of its tickets due today or on the next working day."""
    before = _queued(session)
    today = local_date(now, config)
    horizon = calendar(config).next_working_day(today)
    for ticket in _unanswered(session, *DEPARTMENT_STATES):
        if not today <= ticket.due_date <= horizon:
            continue
        when = "今天" if ticket.due_date == today else format_day(ticket.due_date)
        text = (
            f"【即将到期】工单 {ticket.number}（{ticket.category or ticket.kind}）须在{when}前答复：{excerpt(ticket.text, 40)}\n"
            f"回复 {ticket.number} 答复内容"
        )
        notify.tell_department(session, ticket, text, f"remind:{today.isoformat()}")
    return _queued(session) - before


def escalate_overdue_tickets(session: Session, now: datetime, config: Mapping[str, Any]) -> int:
    """Mark tickets past their due date as overdue, 督办 them (or flag them to the dispatchers when none was
    dispatched), and tell the supervising leaders."""
    before = _queued(session)
    today = local_date(now, config)
    system = Actor.system()
    for ticket in _unanswered(session, *DEPARTMENT_STATES, ACCEPTED, RETURNED):
        if ticket.due_date >= today or ticket.overdue_since is not None:
            continue
        ticket.overdue_since = now
        ticket.ever_overdue = True
        reason = f"超过办理时限（{format_day(ticket.due_date)}）未答复，系统自动督办"
        if ticket.state in DEPARTMENT_STATES:
            perform(session, ticket, "督办", system, now, config, note=reason)
        else:
            perform(session, ticket, "超期", system, now, config, note="超过办理时限仍未派单")
        overdue_days = calendar(config).working_days_between(ticket.due_date, today)
        text = (
            f"【超期督办】工单 {ticket.number} {ticket.department}，超期{overdue_days}个工作日"
            f"（时限{format_day(ticket.due_date)}）：{excerpt(ticket.text, 60)}"
        )
        notify.tell_leaders(session, config, text, f"ticket:{ticket.number}:overdue:{ticket.due_date.isoformat()}:leaders")
        log.info("ticket %s overdue since %s, escalated", ticket.number, ticket.due_date)
    return _queued(session) - before


def overdue_tickets(session: Session, now: datetime, config: Mapping[str, Any]) -> list[Ticket]:
    """Open, unanswered tickets whose due date has passed (not counting those waiting for the enterprise)."""
    today = local_date(now, config)
    return [t for t in _unanswered(session, *DEPARTMENT_STATES, ACCEPTED, RETURNED) if t.due_date < today]


def send_overdue_lists(session: Session, now: datetime, config: Mapping[str, Any]) -> int:
    """Send every department with overdue tickets the day's list of them."""
    before = _queued(session)
    today = local_date(now, config)
    work = calendar(config)
    by_department: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in overdue_tickets(session, now, config):
        by_department[ticket.department].append(ticket)
    for department, tickets in sorted(by_department.items()):
        lines = [f"【超期工单】{department} 截至{format_day(today)}共{len(tickets)}件："]
        for ticket in tickets[:LIST_LIMIT]:
            days = work.working_days_between(ticket.due_date, today)
            lines.append(f"{ticket.number} 超期{days}个工作日 {ticket.state} — {excerpt(ticket.text, 24)}")
        if len(tickets) > LIST_LIMIT:
            lines.append(f"……另有{len(tickets) - LIST_LIMIT}件，发送“超期”查看全部。")
        users = notify.department_ids(session, department)
        if users:
            notify.tell_users(session, users, "\n".join(lines), f"tickets:overdue-list:{department}:{today.isoformat()}")
    return _queued(session) - before


def expire_ratings(session: Session, now: datetime, config: Mapping[str, Any]) -> int:
    """Close as 未评价 the tickets whose enterprise has not rated them within ``tickets.rating_days`` working days."""
    before = _queued(session)
    days = int((config.get("tickets") or {}).get("rating_days", 3))
    today = local_date(now, config)
    work = calendar(config)
    waiting = session.scalars(select(Ticket).where(Ticket.state == AWAITING_RATING).order_by(Ticket.id))
    for ticket in list(waiting):
        asked = ticket.rating_requested_at or ticket.updated_at
        if work.working_days_between(local_date(asked, config), today) >= days:
            perform(session, ticket, "超期未评价", Actor.system(), now, config, note=f"{days}个工作日内未评价")
    return _queued(session) - before

