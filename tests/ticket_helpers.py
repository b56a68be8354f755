"""Shared set-up for the ticket tests: staff of a few departments, a fixed clock, and shortcuts to read the outbox."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.store.outbox import OutboxMessage
from bot.store.tickets import Ticket, TicketEvent

DISPATCHER_DEPARTMENT = "市营商环境建设局"
STAFF = [
    {"user": "disp", "name": "派单员甲", "role": "dispatcher", "department": DISPATCHER_DEPARTMENT},
    {"user": "tax1", "name": "税务承办", "role": "handler", "department": "市税务局"},
    {"user": "power1", "name": "供电承办", "role": "handler", "department": "市供电公司"},
    {"user": "build1", "name": "住建承办", "role": "handler", "department": "市住房城乡建设局"},
    {"user": "lead1", "name": "督查领导", "role": "leader", "department": "市营商环境建设局"},
    {"user": "admin1", "name": "管理员", "role": "admin", "department": ""},
]
TICKET_CONFIG = {"staff": STAFF, "tickets": {"leaders_robot": "leaders"}}

# 2026-11-18 10:00 local (a Wednesday) as naive UTC.
MONDAY_NOON = datetime(2026, 11, 16, 4, 0)
WEDNESDAY = datetime(2026, 11, 18, 2, 0)


def later(moment: datetime, **delta) -> datetime:
    return moment + timedelta(**delta)


def outbox(session, **where) -> list[OutboxMessage]:
    """Outbox rows, oldest first, optionally filtered by column values."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for column, value in where.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    return list(session.scalars(query))


def sent_to(session, user: str) -> list[str]:
    """Texts queued for a WeChat Work user (app messages)."""
    return [row.text for row in outbox(session, channel="work") if user in json.loads(row.target_json).get("touser", [])]


def events(session, ticket: Ticket) -> list[tuple[str, str, str]]:
    """(action, from_state, to_state) of a ticket's audit trail."""
    rows = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
    return [(e.action, e.from_state, e.to_state) for e in rows]
