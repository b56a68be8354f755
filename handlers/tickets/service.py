"""Ticket services: open a ticket, and take any action of the loop on it (:func:`perform`).

Each call works in the caller's transaction and does all of one change there: the state (checked by
:mod:`handlers.tickets.states`), the audit row, and the outbox notifications to whoever the change concerns.
A refused action raises :class:`handlers.tickets.states.TicketError` before anything is modified.
Nobody is told about their own action (the chat reply or CLI output does that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Mapping

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.tickets import NO_RATING, RATINGS, Ticket, TicketEvent, TicketSequence
from handlers.tickets import notify
from handlers.tickets.catalogue import Catalogue, load_catalogue
from handlers.tickets.clock import calendar, format_day, local_date
from handlers.tickets.masking import masked_logger
from handlers.tickets.render import department_brief, excerpt
from handlers.tickets.states import ENTERPRISE, SYSTEM, Actor, TicketError, check

log = masked_logger(__name__)


@dataclass
class Filing:
    """What an enterprise filed, as the filing dialogue collected it."""

    kind: str
    text: str
    channel: str
    user: str
    group: str | None = None
    company: str = ""
    contact: str = ""
    location: str = ""
    anonymous: bool = False
    category: str | None = None  # a catalogue category, or None for the dispatcher
    confident: bool = False  # the category is sure enough to dispatch without a dispatcher
    evidence: tuple[str, ...] = ()


@dataclass
class Change:
    """One action being taken: everything an effect needs."""

    session: Session
    ticket: Ticket
    action: str
    actor: Actor
    now: datetime
    config: Mapping[str, Any]
    note: str
    department: str | None
    key: str  # unique for this change of this ticket: the idempotency key of its notifications

    @property
    def by_enterprise(self) -> bool:
        return self.actor.role == ENTERPRISE


def next_number(session: Session, day: date) -> str:
    """The next ticket number of local ``day``: ``ZQ`` + date + a 3-digit daily sequence (4 digits after 999).

    One ``UPDATE … SET last = last + 1 … RETURNING last``: the increment takes the write lock before it reads,
    so two processes filing at the same moment never get the same number (on SQLite and PostgreSQL alike)."""
    stamp = day.strftime("%Y%m%d")
    increment = (
        update(TicketSequence)
        .where(TicketSequence.day == stamp)
        .values(last=TicketSequence.last + 1)
        .returning(TicketSequence.last)
        .execution_options(synchronize_session=False)
    )
    value = session.execute(increment).scalar_one_or_none()
    if value is None:  # the day's first ticket: create its row (another process may do it first), then count
        try:
            with session.begin_nested():
                session.add(TicketSequence(day=stamp, last=0))
        except IntegrityError:
            pass
        value = session.execute(increment).scalar_one()
    return f"ZQ{stamp}{value:03d}"


def open_ticket(session: Session, filing: Filing, now: datetime, config: Mapping[str, Any], catalogue: Catalogue) -> Ticket:
    """Register a ticket (已受理) and, when its category is sure and auto-dispatch is on, dispatch it (已派单)."""
    category = catalogue.get(filing.category) if filing.category else None
    limit = catalogue.limit_for(category, filing.kind)
    accepted_day = local_date(now, config)
    ticket = Ticket(
        number=next_number(session, accepted_day),
        kind=filing.kind,
        state="",
        text=filing.text,
        category=category.name if category else "",
        department=catalogue.dispatcher_department,
        complainant=notify.complainant_key(filing.channel, filing.user),
        channel=filing.channel,
        group_id=filing.group or "",
        company=filing.company,
        contact=filing.contact,
        location=filing.location,
        anonymous=filing.anonymous,
        limit_days=limit,
        due_date=calendar(config).add_working_days(accepted_day, limit),
        accepted_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    perform(session, ticket, "受理", Actor.enterprise(ticket.complainant), now, config)
    auto = (config.get("tickets") or {}).get("auto_dispatch", True)
    if category is not None and filing.confident and auto:
        note = f"按派单目录“{category.name}”自动派单（{'、'.join(filing.evidence[:3])}）"
        perform(session, ticket, "派单", Actor.system(), now, config, note=note, department=category.department)
    else:
        hint = f"建议：{category.department}（{category.name}）" if category else "派单目录中没有匹配的类别"
        text = f"【待派单】{ticket.number}（{ticket.kind}）\n{excerpt(ticket.text, 200)}\n{hint}\n派单 {ticket.number} 部门"
        notify.tell_dispatchers(session, ticket, text, "new")
    log.info("ticket %s opened (%s, %s)", ticket.number, ticket.kind, ticket.category or "uncategorised")
    return ticket


def perform(
    session: Session,
    ticket: Ticket,
    action: str,
    actor: Actor,
    now: datetime,
    config: Mapping[str, Any],
    *,
    note: str = "",
    department: str | None = None,
) -> TicketEvent:
    """Take ``action`` on ``ticket``: check it, apply its effect, record the audit row, queue the notifications."""
    to_state = check(ticket, action, actor, note)
    from_state = ticket.state
    change = Change(session, ticket, action, actor, now, config, note.strip(), department, f"v{ticket.version or 0}")
    effect = EFFECTS.get(action)
    if effect is not None:
        effect(change)  # validates first, raising TicketError before it modifies anything
    ticket.state = to_state
    ticket.updated_at = now
    event = TicketEvent(
        ticket_id=ticket.id,
        at=now,
        actor=actor.user_id,
        actor_name=actor.name,
        role=actor.role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        department=ticket.department,
        note=change.note,
    )
    session.add(event)
    session.flush()
    log.info("ticket %s: %s %s -> %s by %s", ticket.number, action, from_state or "-", to_state, actor.role)
    return event


# -- effects, one per action -----------------------------------------------------------------------------


def _dispatch(c: Change) -> None:
    department = (c.department or "").strip()
    if not department:
        raise TicketError(f"{c.action}要写明承办部门，例如：{c.action} {c.ticket.number} 市税务局")
    if c.action == "改派" and department == c.ticket.department:
        raise TicketError(f"工单 {c.ticket.number} 已由{department}承办。")
    previous = c.ticket.department
    c.ticket.department = department
    c.ticket.dispatched_at = c.now
    c.ticket.paused_since = None
    notify.tell_department(c.session, c.ticket, department_brief(c.ticket, c.config), c.key)
    if c.action == "改派":
        notify.tell_department(c.session, c.ticket, f"工单 {c.ticket.number} 已改派至{department}：{c.note}", c.key, previous)
    if c.actor.role != SYSTEM:
        notify.tell_enterprise(
            c.session, c.ticket,
            f"您的诉求 {c.ticket.number} 已交{department}办理，承诺{format_day(c.ticket.due_date)}前答复。", c.key,
        )


def _sign(c: Change) -> None:
    c.ticket.responded_at = c.ticket.responded_at or c.now
    notify.tell_enterprise(c.session, c.ticket, f"{c.ticket.department}已签收您的诉求 {c.ticket.number}，正在办理。", c.key)


def _answer(c: Change) -> None:
    if not c.note:
        raise TicketError(f"回复要写明答复内容，例如：回复 {c.ticket.number} 已协调供电公司，本周五送电")
    _end_pause(c)
    c.ticket.answer = c.note
    c.ticket.answered_at = c.now
    c.ticket.responded_at = c.ticket.responded_at or c.now
    c.ticket.overdue_since = None
    notify.tell_enterprise(c.session, c.ticket, f"您的诉求 {c.ticket.number} 有了答复（{c.ticket.department}）：\n{c.note}", c.key)
    notify.tell_dispatchers(
        c.session, c.ticket,
        f"【待办结】{c.ticket.number} {c.ticket.department}已答复：{excerpt(c.note, 200)}\n办结 {c.ticket.number} ｜ 驳回 {c.ticket.number} 原因",
        c.key,
    )


def _reject_answer(c: Change) -> None:
    notify.tell_department(c.session, c.ticket, f"工单 {c.ticket.number} 的答复被退回，请继续办理：{c.note}", c.key)


def _close(c: Change) -> None:
    c.ticket.rating_requested_at = c.now
    days = int((c.config.get("tickets") or {}).get("rating_days", 3))
    notify.tell_enterprise(
        c.session, c.ticket,
        f"您的诉求 {c.ticket.number} 已办结。请对办理结果评价，回复：满意 / 基本满意 / 不满意"
        f"（不满意可附上原因，我们将重新交办）。{days}个工作日内未评价的，记为未评价。",
        c.key,
    )


def _return(c: Change) -> None:
    previous = c.ticket.department
    c.ticket.department = _dispatcher_department(c.config)
    c.ticket.paused_since = None
    notify.tell_dispatchers(
        c.session, c.ticket, f"【退单】{c.ticket.number} {previous}退回：{c.note}\n请重新派单：派单 {c.ticket.number} 部门", c.key
    )
    notify.tell_enterprise(c.session, c.ticket, f"您的诉求 {c.ticket.number} 正在重新确定承办部门，我们会尽快告知您。", c.key)


def _supervise(c: Change) -> None:
    notify.tell_department(
        c.session, c.ticket,
        f"【督办】工单 {c.ticket.number}：{c.note}\n请于{format_day(c.ticket.due_date)}前答复：回复 {c.ticket.number} 答复内容",
        c.key,
    )
    notify.tell_enterprise(c.session, c.ticket, f"您的诉求 {c.ticket.number} 已列入督办，{c.ticket.department}将加快办理。", c.key)


def _rate(c: Change) -> None:
    if c.note not in RATINGS[:2]:
        raise TicketError("评价请回复：满意 / 基本满意 / 不满意")
    c.ticket.rating = c.note
    c.ticket.rated_at = c.now
    c.ticket.closed_at = c.now
    notify.tell_department(c.session, c.ticket, f"工单 {c.ticket.number} 企业评价：{c.note}。", c.key)


def _reopen(c: Change) -> None:
    ticket = c.ticket
    ticket.rating = RATINGS[2]
    ticket.rated_at = c.now
    ticket.reopen_count += 1
    ticket.overdue_since = None
    ticket.due_date = calendar(c.config).add_working_days(local_date(c.now, c.config), ticket.limit_days)
    reason = c.note or "未说明原因"
    notify.tell_department(
        c.session, ticket,
        f"【重办】工单 {ticket.number} 企业评价不满意：{reason}\n请重新办理，{format_day(ticket.due_date)}前答复。",
        c.key,
    )


def _expire_rating(c: Change) -> None:
    c.ticket.rating = NO_RATING
    c.ticket.closed_at = c.now
    notify.tell_department(c.session, c.ticket, f"工单 {c.ticket.number} 企业逾期未评价，已按未评价办结。", c.key)


def _overdue(c: Change) -> None:
    notify.tell_dispatchers(
        c.session, c.ticket, f"【超期】工单 {c.ticket.number} 超过办理时限仍未派单：派单 {c.ticket.number} 部门", c.key
    )


def _pause(c: Change) -> None:
    if c.ticket.paused:
        raise TicketError(f"工单 {c.ticket.number} 已在等待企业补充材料。")
    c.ticket.paused_since = c.now
    notify.tell_enterprise(
        c.session, c.ticket,
        f"{c.ticket.department}办理您的诉求 {c.ticket.number} 需要您补充：{c.note}\n请直接回复补充内容；补充期间办理时限暂停计算。",
        c.key,
    )


def _resume(c: Change) -> None:
    if not c.ticket.paused:
        raise TicketError(f"工单 {c.ticket.number} 没有在等待补充材料。")
    _end_pause(c)
    if c.by_enterprise:
        notify.tell_department(
            c.session, c.ticket,
            f"工单 {c.ticket.number} 企业已补充材料：{excerpt(c.note, 300)}\n时限顺延至{format_day(c.ticket.due_date)}。",
            c.key,
        )


def _follow_up(c: Change) -> None:
    if not c.note:
        raise TicketError("补充的内容是空的。")
    if c.ticket.dispatched_at is not None:
        notify.tell_department(c.session, c.ticket, f"工单 {c.ticket.number} 企业补充：{excerpt(c.note, 300)}", c.key)


def _end_pause(c: Change) -> None:
    """Stop the pause clock: the due date moves on by the working days the enterprise took."""
    ticket = c.ticket
    if ticket.paused_since is None:
        return
    work = calendar(c.config)
    held = max(0, work.working_days_between(local_date(ticket.paused_since, c.config), local_date(c.now, c.config)))
    ticket.due_date = work.add_working_days(ticket.due_date, held)
    ticket.paused_days += held
    ticket.paused_since = None


def _dispatcher_department(config: Mapping[str, Any]) -> str:
    return load_catalogue(config).dispatcher_department


EFFECTS: dict[str, Callable[[Change], None]] = {
    "派单": _dispatch,
    "改派": _dispatch,
    "签收": _sign,
    "回复": _answer,
    "驳回": _reject_answer,
    "办结": _close,
    "退单": _return,
    "督办": _supervise,
    "评价": _rate,
    "重办": _reopen,
    "超期未评价": _expire_rating,
    "补材料": _pause,
    "恢复": _resume,
    "追加": _follow_up,
    "超期": _overdue,
}
