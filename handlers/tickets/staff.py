"""Staff commands from the WeChat Work app. A command is a verb, usually a ticket number, and the rest::

    待办                         my list (handler: my department's; dispatcher: to dispatch / to close; leader: 督办)
    超期                         overdue tickets (handler: my department's)
    查看 ZQ20261118001           details, audit trail, 并单 candidates
    派单 ZQ20261118001 市税务局 [说明]     改派 ZQ… 部门 原因
    签收 ZQ…    回复 ZQ… 答复内容    补材料 ZQ… 需补充的材料    恢复 ZQ…    退单 ZQ… 原因
    办结 ZQ… [说明]    驳回 ZQ… 原因    督办 ZQ… 意见    工单帮助

Every command is checked against the sender's role and department (:mod:`handlers.tickets.states`) and, when it
changes a ticket, recorded in the audit trail with the notifications it causes, in the message's transaction.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.store.tickets import ACCEPTED, ANSWERED, DEPARTMENT_STATES, OPEN_STATES, RETURNED, SUPERVISED, Ticket, find_ticket, linked_tickets
from handlers.tickets.catalogue import load_catalogue
from handlers.tickets.jobs import overdue_tickets
from handlers.tickets.render import staff_detail, status_line
from handlers.tickets.service import perform
from handlers.tickets.states import Actor, TicketError
from handlers.types import Context, Handler, Incoming, Reply

ACTIONS = ("派单", "改派", "签收", "回复", "补材料", "恢复", "退单", "办结", "驳回", "督办")
LISTS = {"待办": "mine", "我的工单": "mine", "超期": "overdue", "超期工单": "overdue"}
SHOW = ("查看", "工单")
HELP_WORD = "工单帮助"
COMMAND = re.compile(r"^\s*(?P<verb>" + "|".join((*ACTIONS, *LISTS, *SHOW, HELP_WORD)) + r")(?=\s|$|ZQ|zq|[:：])[\s:：]*(?P<number>ZQ\d{11,12})?[\s,，:：]*(?P<rest>.*)$", re.I | re.S)
LIST_LIMIT = 20
USAGE = __doc__.split("::", 1)[1].split("Every command")[0].rstrip()


def is_command(message: Incoming, ctx: Context) -> bool:
    return ctx.is_staff and message.msg_type == "text" and bool(COMMAND.match(message.text))


def run_command(message: Incoming, ctx: Context) -> Reply:
    """Run one staff command; a refusal is answered with its reason and changes nothing."""
    match = COMMAND.match(message.text)
    verb, number, rest = match.group("verb"), (match.group("number") or "").upper(), match.group("rest").strip()
    actor = Actor.from_staff(ctx.staff)
    if verb == HELP_WORD:
        return Reply("工单命令：" + USAGE)
    if verb in LISTS:
        return Reply(_list(ctx, actor, LISTS[verb]))
    if not number:
        return Reply(f"请写上工单编号，例如：{verb} ZQ20261118001" + (" 原因" if verb in {"退单", "督办", "驳回"} else ""))
    ticket = find_ticket(ctx.session, number)
    if ticket is None or not _may_see(actor, ticket):
        return Reply(f"没有找到您可以查看的工单 {number}。")
    if verb in SHOW:
        return Reply(staff_detail(ticket, ticket.events, linked_tickets(ctx.session, ticket), actor.role, ctx.config))
    try:
        department, note = _department_and_note(ctx, verb, rest)
        perform(ctx.session, ticket, verb, actor, ctx.now, ctx.config, note=note, department=department)
    except TicketError as refused:
        return Reply(str(refused))
    return Reply(f"已{verb}：{status_line(ticket, ctx.config)}")


def _department_and_note(ctx: Context, verb: str, rest: str) -> tuple[str | None, str]:
    """For 派单/改派 the first word names the department (matched against the catalogue); the rest is the note."""
    if verb not in {"派单", "改派"}:
        return None, rest
    parts = re.split(r"[\s,，]+", rest, maxsplit=1)
    name, note = parts[0], (parts[1] if len(parts) > 1 else "")
    if not name:
        raise TicketError(f"{verb}要写明承办部门，例如：{verb} ZQ20261118001 市税务局")
    found = load_catalogue(ctx.config).match_department(name)
    if not found:
        raise TicketError(f"派单目录里没有“{name}”这个部门。")
    if len(found) > 1:
        raise TicketError(f"“{name}”可以指：{'、'.join(found)}，请写全称。")
    return found[0], note.strip()


def _may_see(actor: Actor, ticket: Ticket) -> bool:
    """Dispatchers, leaders and admins see every ticket; a handler sees their department's."""
    return actor.role in {"dispatcher", "leader", "admin"} or ticket.department == actor.department


def _list(ctx: Context, actor: Actor, which: str) -> str:
    if which == "overdue":
        tickets = [t for t in overdue_tickets(ctx.session, ctx.now, ctx.config) if _may_see(actor, t)]
        title = "超期工单"
    else:
        tickets, title = _mine(ctx, actor)
    if not tickets:
        return f"{title}：没有。"
    lines = [f"{title}（{len(tickets)}件）："] + [status_line(t, ctx.config) for t in tickets[:LIST_LIMIT]]
    if len(tickets) > LIST_LIMIT:
        lines.append(f"……另有{len(tickets) - LIST_LIMIT}件，请用 python -m bot tickets list 查看全部。")
    return "\n".join(lines)


def _mine(ctx: Context, actor: Actor) -> tuple[list[Ticket], str]:
    query = select(Ticket).order_by(Ticket.due_date, Ticket.id)
    if actor.role == "handler":
        query = query.where(Ticket.department == actor.department, Ticket.state.in_(DEPARTMENT_STATES))
        title = f"{actor.department}待办"
    elif actor.role == "dispatcher":
        query = query.where(Ticket.state.in_((ACCEPTED, RETURNED, ANSWERED)))
        title = "待派单 / 待办结"
    elif actor.role == "leader":
        query = query.where(Ticket.state == SUPERVISED)
        title = "督办件"
    else:
        query = query.where(Ticket.state.in_(OPEN_STATES))
        title = "全部在办工单"
    return list(ctx.session.scalars(query)), title


HANDLER = Handler("tickets-staff", is_command, run_command)
