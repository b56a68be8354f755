"""How tickets are written for the people who read them: the enterprise (its own tickets only), the handling
department (never the identity of an anonymous reporter), the dispatchers and leaders (everything)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from bot.store.tickets import ANSWERED, AWAITING_RATING, CLOSED, Ticket, TicketEvent
from handlers.tickets.clock import format_day, local_date, zone
from handlers.tickets.masking import mask_personal
from handlers.tickets.states import ENTERPRISE, ROLE_NAMES

ANONYMOUS = "匿名举报（身份不向承办部门公开）"
EXCERPT_CHARS = 60


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters of ``text`` on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def local_time(moment: datetime | None, config: Mapping[str, Any]) -> str:
    """A naive UTC datetime as local ``YYYY-MM-DD HH:MM``."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone(config)).strftime("%Y-%m-%d %H:%M")


def shows_identity(ticket: Ticket, viewer_role: str) -> bool:
    """Whether a viewer with ``viewer_role`` may see who filed ``ticket`` (not a handler, for an anonymous one)."""
    return not ticket.anonymous or viewer_role in {"dispatcher", "leader", "admin"}


def identity_lines(ticket: Ticket, viewer_role: str) -> list[str]:
    """企业 / 联系电话 / 地点 lines as the viewer may see them."""
    lines = []
    if shows_identity(ticket, viewer_role):
        if ticket.anonymous:
            lines.append("匿名举报（承办部门不可见身份）")
        lines.append(f"企业：{ticket.company or '未提供'}")
        lines.append(f"联系电话：{ticket.contact or '未提供'}")
    else:
        lines.append(f"企业：{ANONYMOUS}")
    lines.append(f"地点：{ticket.location or '未提供'}")
    return lines


def ticket_text_for(ticket: Ticket, viewer_role: str) -> str:
    """The complaint's own words; for a handler looking at an anonymous 举报, with phone and ID numbers masked."""
    return ticket.text if shows_identity(ticket, viewer_role) else mask_personal(ticket.text)


def department_brief(ticket: Ticket, config: Mapping[str, Any], role: str = "handler") -> str:
    """What a department receives with a new ticket."""
    lines = [
        f"【新工单】{ticket.number}（{ticket.kind}·{ticket.category or '未分类'}）",
        ticket_text_for(ticket, role),
        *identity_lines(ticket, role),
        f"办理时限：{format_day(ticket.due_date)}前答复（{ticket.limit_days}个工作日）",
        f"操作：签收 {ticket.number} ｜ 回复 {ticket.number} 答复内容 ｜ 补材料 {ticket.number} 需补充的材料 ｜ 退单 {ticket.number} 原因",
    ]
    return "\n".join(lines)


def state_label(ticket: Ticket) -> str:
    """The state as an enterprise reads it (``办理中（等待您补充材料）``)."""
    if ticket.paused:
        return f"{ticket.state}（等待补充材料，时限暂停）"
    if ticket.state == CLOSED and ticket.rating:
        return f"{ticket.state}（{ticket.rating}）"
    return ticket.state


def status_line(ticket: Ticket, config: Mapping[str, Any]) -> str:
    """One line per ticket, for lists."""
    overdue = "【超期】" if ticket.overdue_since and ticket.is_open else ""
    return (
        f"{ticket.number} {overdue}{state_label(ticket)} {ticket.department or '待派单'} "
        f"{format_day(ticket.due_date)}前 — {excerpt(ticket.text, 30)}"
    )


def enterprise_status(ticket: Ticket, config: Mapping[str, Any]) -> str:
    """What an enterprise is told about its own ticket."""
    lines = [
        f"诉求 {ticket.number}（{ticket.kind}）",
        f"状态：{state_label(ticket)}",
        f"承办部门：{ticket.department or '待分派'}",
        f"受理时间：{local_time(ticket.accepted_at, config)}",
        f"承诺答复：{format_day(ticket.due_date)}前",
        f"内容：{excerpt(ticket.text)}",
    ]
    if ticket.answer and ticket.state in {ANSWERED, AWAITING_RATING, CLOSED}:
        lines.append(f"答复：{ticket.answer}")
    if ticket.state == AWAITING_RATING:
        lines.append("请评价：回复 满意 / 基本满意 / 不满意")
    return "\n".join(lines)


def event_line(event: TicketEvent, ticket: Ticket, viewer_role: str, config: Mapping[str, Any]) -> str:
    """One line of the audit trail as the viewer may see it."""
    if event.role == ENTERPRISE:
        who = "企业" if shows_identity(ticket, viewer_role) else "举报人"
    else:
        who = "·".join(p for p in (event.department if event.role == "handler" else "", event.actor_name or event.actor) if p)
        who = f"{ROLE_NAMES.get(event.role, event.role)} {who}".strip()
    move = f"{event.from_state}→{event.to_state}" if event.from_state != event.to_state else event.to_state
    note = event.note if shows_identity(ticket, viewer_role) else mask_personal(event.note)
    return f"{local_time(event.at, config)} {event.action} {move} {who}" + (f"：{excerpt(note, 80)}" if note else "")


def staff_detail(
    ticket: Ticket,
    events: Sequence[TicketEvent],
    links: Sequence[tuple[Ticket, float]],
    viewer_role: str,
    config: Mapping[str, Any],
) -> str:
    """Everything a staff member may see of a ticket: details, audit trail and 并单 candidates."""
    overdue = f"（{local_date(ticket.overdue_since, config)}起超期）" if ticket.overdue_since else ""
    lines = [
        f"工单 {ticket.number}（{ticket.kind}·{ticket.category or '未分类'}）",
        f"状态：{state_label(ticket)}{overdue}",
        f"承办部门：{ticket.department or '待派单'}",
        f"时限：{format_day(ticket.due_date)}前（{ticket.limit_days}个工作日，暂停{ticket.paused_days}天）",
        f"内容：{ticket_text_for(ticket, viewer_role)}",
        *identity_lines(ticket, viewer_role),
    ]
    if ticket.answer:
        lines.append(f"答复：{ticket.answer}")
    if ticket.rating:
        lines.append(f"评价：{ticket.rating}")
    lines.append("记录：")
    lines.extend("  " + event_line(event, ticket, viewer_role, config) for event in events)
    if links:
        lines.append("疑似重复（可并单）：" + "；".join(f"{other.number}（相似度{score:.0f}）" for other, score in links))
    return "\n".join(lines)
