"""The figures the seed documents ask to 定期通报, for a period and per department.

For the tickets of a period ``[start, end)`` (naive UTC datetimes, or local dates):

- ``new``: tickets accepted in the period; ``dispatched``: of those, the ones dispatched to a department.
- ``responded_in_time`` / ``response_rate`` (响应率): of the dispatched, those the department signed for or answered
  within ``tickets.response_days`` working days of the first dispatch.
- ``resolved`` / ``resolution_rate`` (解决率): of the new, those answered (已答复, 待评价 or 已办结) by the end.
- ``closed``: tickets that reached 已办结 in the period.
- ``rated``, ``satisfied`` / ``satisfaction_rate`` (满意率): ratings given in the period (a ticket rated 不满意 and
  later 满意 counts twice); 满意 and 基本满意 count as satisfied; ``unrated``: closed as 未评价 in the period.
- ``overdue``: tickets whose due date fell in the period and were not answered by it (a ticket whose due date
  is still ahead of now is not counted).

A rate is None when there is nothing to divide by. ``by_department`` has the same figures per department.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.base import utcnow
from bot.store.tickets import ANSWERED, AWAITING_RATING, CLOSED, RATINGS, Ticket, TicketEvent
from handlers.tickets.clock import calendar, local_date, local_midnight_utc

COUNTS = ("new", "dispatched", "responded_in_time", "resolved", "closed", "rated", "satisfied", "unrated", "overdue")
RATES = {"response_rate": ("responded_in_time", "dispatched"), "resolution_rate": ("resolved", "new"),
         "satisfaction_rate": ("satisfied", "rated")}


def _as_utc(moment: date | datetime, config: Mapping[str, Any] | None) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return local_midnight_utc(moment, config)


def _empty() -> dict[str, Any]:
    return {name: 0 for name in COUNTS}


def _add_rates(figures: dict[str, Any]) -> dict[str, Any]:
    for rate, (part, whole) in RATES.items():
        figures[rate] = round(figures[part] / figures[whole], 4) if figures[whole] else None
    return figures


def ticket_statistics(
    session: Session,
    start: date | datetime,
    end: date | datetime,
    config: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The period's figures (see the module docstring), overall and in ``by_department``."""
    config = config or {}
    begin, finish = _as_utc(start, config), _as_utc(end, config)
    now = now or utcnow()
    response_days = int((config.get("tickets") or {}).get("response_days", 1))
    work = calendar(config)
    per_department: dict[str, dict[str, Any]] = defaultdict(_empty)

    def count(ticket: Ticket, name: str) -> None:
        per_department[ticket.department or ""][name] += 1

    for ticket in session.scalars(select(Ticket).where(_within(Ticket.accepted_at, begin, finish))):
        count(ticket, "new")
        first_dispatch, first_response = _first_times(session, ticket)
        if first_dispatch is not None:
            count(ticket, "dispatched")
            if first_response is not None and work.working_days_between(
                local_date(first_dispatch, config), local_date(first_response, config)
            ) <= response_days:
                count(ticket, "responded_in_time")
        if ticket.state in {ANSWERED, AWAITING_RATING, CLOSED} and (ticket.answered_at or now) < finish:
            count(ticket, "resolved")
    for ticket in session.scalars(select(Ticket).where(_within(Ticket.closed_at, begin, finish))):
        count(ticket, "closed")
    rating_events = session.execute(
        select(TicketEvent, Ticket)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(_within(TicketEvent.at, begin, finish), TicketEvent.action.in_(("评价", "重办", "超期未评价")))
    )
    for event, ticket in rating_events:
        if event.action == "超期未评价":
            count(ticket, "unrated")
            continue
        count(ticket, "rated")
        if event.action == "评价" and event.note in RATINGS[:2]:
            count(ticket, "satisfied")
    first_day, last_day = local_date(begin, config), local_date(finish, config)
    today = local_date(now, config)
    for ticket in session.scalars(select(Ticket).where(Ticket.due_date >= first_day, Ticket.due_date < last_day)):
        answered_day = local_date(ticket.answered_at, config) if ticket.answered_at else None
        missed = answered_day > ticket.due_date if answered_day else ticket.due_date < today and not ticket.paused
        if missed or ticket.ever_overdue:
            count(ticket, "overdue")
    totals = _empty()
    for figures in per_department.values():
        for name in COUNTS:
            totals[name] += figures[name]
    result = _add_rates(totals)
    result["start"], result["end"] = begin.isoformat(), finish.isoformat()
    result["by_department"] = {name: _add_rates(figures) for name, figures in sorted(per_department.items())}
    return result


def _within(column, begin: datetime, finish: datetime):
    return (column >= begin) & (column < finish)


def _first_times(session: Session, ticket: Ticket) -> tuple[datetime | None, datetime | None]:
    """When ``ticket`` was first dispatched, and when a department first signed for or answered it after that."""
    events = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action.in_(("派单", "签收", "回复")))
        .order_by(TicketEvent.id)
    )
    dispatched = responded = None
    for event in events:
        if event.action == "派单" and dispatched is None:
            dispatched = event.at
        elif event.action in {"签收", "回复"} and dispatched is not None and responded is None:
            responded = event.at
    return dispatched, responded


def month_bounds(month: str) -> tuple[date, date]:
    """``2026-11`` → (2026-11-01, 2026-12-01); raises ValueError for anything else."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"月份应写作 YYYY-MM，例如 2026-11，而不是 {month!r}") from exc
    following = date(year + (number == 12), number % 12 + 1, 1)
    return first, following
