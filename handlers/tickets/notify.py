"""Who hears about a ticket and through which outbox channel.

- the enterprise: through the channel it filed on (``work:<userid>`` → WeChat Work app message to that user,
  ``mp:<openid>`` → Official Account customer-service message, anything else → console);
- the handling department: a WeChat Work app message to its active handlers and leaders (the dispatchers when
  the department has nobody registered, so nothing goes unseen);
- the dispatchers: a WeChat Work app message to every active dispatcher;
- the supervising leaders: the group robot named by ``tickets.leaders_robot`` (the leaders as app users when unset).

Every message is queued with :func:`bot.store.outbox.enqueue` in the caller's transaction, keyed by the ticket
number, the audit event (or job and day) and the recipient, so a retry never sends it twice.
"""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.outbox import enqueue
from bot.store.staff import StaffMember
from bot.store.tickets import Ticket
from bot.textsplit import TEXT_LIMIT, split_text


def complainant_key(channel: str, user: str) -> str:
    """How a complainant is identified across channels: ``work:<userid>`` (app and 智能机器人), ``mp:<openid>``."""
    prefix = "work" if channel in {"work", "aibot"} else channel
    return f"{prefix}:{user}"


def complainant_target(complainant: str) -> tuple[str, dict[str, Any]]:
    """The outbox channel and target that reach a complainant."""
    prefix, _, user = complainant.partition(":")
    if prefix == "work":
        return "work", {"touser": [user]}
    if prefix == "mp":
        return "mp", {"openid": user}
    return "console", {"user": complainant}


def staff_ids(session: Session, *, roles: tuple[str, ...], department: str | None = None) -> list[str]:
    """User ids of the active staff with one of ``roles`` (in ``department`` when given), sorted."""
    query = select(StaffMember.user_id).where(StaffMember.active.is_(True), StaffMember.role.in_(roles))
    if department is not None:
        query = query.where(StaffMember.department == department)
    return sorted(session.scalars(query))


def department_ids(session: Session, department: str) -> list[str]:
    """The handlers and leaders of ``department``, or the dispatchers when it has none."""
    return staff_ids(session, roles=("handler", "leader"), department=department) or dispatcher_ids(session)


def dispatcher_ids(session: Session) -> list[str]:
    return staff_ids(session, roles=("dispatcher",)) or staff_ids(session, roles=("admin",))


def _send(session: Session, channel: str, target: dict[str, Any], text: str, key: str) -> int:
    """Queue ``text`` (split to WeChat's byte limit, each part keyed) and count it as one notification."""
    for part, chunk in enumerate(split_text(text, TEXT_LIMIT)):
        enqueue(session, channel, target, chunk, key=key if part == 0 else f"{key}:{part}")
    return 1


def tell_users(session: Session, users: list[str], text: str, key: str) -> int:
    """Queue ``text`` for these WeChat Work users (nothing when there are none)."""
    return _send(session, "work", {"touser": users}, text, key) if users else 0


def tell_enterprise(session: Session, ticket: Ticket, text: str, key: str) -> int:
    """Queue ``text`` for the complainant of ``ticket``; returns the number of notifications queued."""
    channel, target = complainant_target(ticket.complainant)
    return _send(session, channel, target, text, f"ticket:{ticket.number}:{key}:enterprise")


def tell_department(session: Session, ticket: Ticket, text: str, key: str, department: str | None = None) -> int:
    """Queue ``text`` for the handling department (``department`` or the ticket's)."""
    department = department if department is not None else ticket.department
    users = department_ids(session, department)
    return tell_users(session, users, text, f"ticket:{ticket.number}:{key}:department:{department}")


def tell_dispatchers(session: Session, ticket: Ticket, text: str, key: str) -> int:
    """Queue ``text`` for every dispatcher."""
    return tell_users(session, dispatcher_ids(session), text, f"ticket:{ticket.number}:{key}:dispatchers")


def tell_leaders(session: Session, config: Mapping[str, Any], text: str, key: str) -> int:
    """Queue ``text`` for the supervising leaders: their group robot, else the leaders as app users."""
    robot = ((config.get("tickets") or {}).get("leaders_robot") or "").strip()
    if robot:
        return _send(session, "robot", {"robot": robot}, text, key)
    return tell_users(session, staff_ids(session, roles=("leader",)), text, key)
