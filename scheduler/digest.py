"""The leaders' weekly digest (每周通报): the week's tickets and policy questions, sent on the first working day.

The week is the seven local days before the slot's day. Figures: new, closed and overdue tickets, 满意率, 响应率 and
解决率 and the departments with most overdue tickets (:func:`handlers.tickets.reports.ticket_statistics`), the
questions asked and answered, the clauses asked about most and the questions the
bot could not answer (the knowledge base's gaps, for staff to fill). Sent to ``scheduler.digest.recipients`` or
the staff with the ``leader`` role, once per slot (key ``digest:<slot>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.questions import SMALL_TALK, QuestionLog
from handlers.reminders.localtime import to_local, to_utc
from handlers.reminders.recipients import leader_recipients, send
from handlers.tickets.reports import ticket_statistics

if TYPE_CHECKING:
    from scheduler.jobs import JobContext

TOP = 5


@dataclass
class QuestionSummary:
    """The week's policy questions."""

    asked: int = 0
    answered: int = 0
    most_asked: list[tuple[str, int]] = field(default_factory=list)  # (clause key, times)
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # (question text, times)


def summarize_questions(session: Session, start: datetime, end: datetime, limit: int = TOP) -> QuestionSummary:
    """Questions asked in ``[start, end)`` (naive UTC), chit-chat left out: counts, the clauses answered most, the
    top unanswered."""
    in_week = (QuestionLog.asked_at >= start, QuestionLog.asked_at < end, QuestionLog.outcome != SMALL_TALK)  # chit-chat is no question
    summary = QuestionSummary()
    summary.asked = session.scalar(select(func.count()).select_from(QuestionLog).where(*in_week)) or 0
    summary.answered = session.scalar(select(func.count()).select_from(QuestionLog).where(*in_week, QuestionLog.answered.is_(True))) or 0
    times = func.count().label("times")
    asked = (
        select(QuestionLog.clause_key, times)
        .where(*in_week, QuestionLog.answered.is_(True), QuestionLog.clause_key.is_not(None))
        .group_by(QuestionLog.clause_key)
        .order_by(times.desc(), QuestionLog.clause_key)
        .limit(limit)
    )
    summary.most_asked = [(key, count) for key, count in session.execute(asked)]
    unanswered = (
        select(QuestionLog.text, times)
        .where(*in_week, QuestionLog.answered.is_(False))
        .group_by(QuestionLog.text)
        .order_by(times.desc(), func.max(QuestionLog.asked_at).desc())
        .limit(limit)
    )
    summary.unanswered = [(text, count) for text, count in session.execute(unanswered)]
    return summary


def _clause_name(knowledge: Any, key: str) -> str:
    found = knowledge.clause(key)
    if found is None:
        return key
    document, clause = found
    return f"{clause.heading or clause.text[:20]}（《{document.title}》{clause.number}）"


def _percent(rate: Any) -> str:
    return f"{rate * 100:.1f}%" if isinstance(rate, (int, float)) else "—"


def _ticket_lines(stats: dict[str, Any] | None) -> list[str]:
    """诉求 figures: counts, 满意率 / 响应率 / 解决率, and the departments with the most overdue tickets."""
    if stats is None:
        return []
    lines = [
        f"诉求：新受理 {stats['new']} 件，办结 {stats['closed']} 件，超期 {stats['overdue']} 件",
        f"满意率 {_percent(stats['satisfaction_rate'])}（评价 {stats['rated']} 件），"
        f"响应率 {_percent(stats['response_rate'])}，解决率 {_percent(stats['resolution_rate'])}",
    ]
    overdue = sorted(((f["overdue"], name) for name, f in stats.get("by_department", {}).items() if f["overdue"]), reverse=True)
    if overdue:
        lines.append("超期较多：" + "、".join(f"{name or '未派单'} {count} 件" for count, name in overdue[:TOP]))
    return lines


def compose_digest(first_day: date, last_day: date, tickets: dict[str, Any] | None, questions: QuestionSummary, knowledge: Any) -> str:
    """The digest text for the week ``first_day`` … ``last_day`` (local days)."""
    lines = [f"【每周通报】{first_day:%Y年%m月%d日}—{last_day:%m月%d日}"]
    lines.extend(_ticket_lines(tickets))
    lines.append(f"政策咨询：共 {questions.asked} 问，已解答 {questions.answered} 问")
    if questions.most_asked:
        lines.append("问得最多：")
        lines.extend(f"{n}. {_clause_name(knowledge, key)} {count} 次" for n, (key, count) in enumerate(questions.most_asked, 1))
    if questions.unanswered:
        lines.append("未能解答（请补充政策或答复口径，python -m bot kb unanswered 查看全部）：")
        lines.extend(f"{n}. “{text[:40]}” {count} 次" for n, (text, count) in enumerate(questions.unanswered, 1))
    return "\n".join(lines)


def week_before(slot: datetime, tz: Any) -> tuple[date, date, datetime, datetime]:
    """The seven local days before the slot's day: (first day, last day, start, end) with start/end naive UTC."""
    slot_day = to_local(slot, tz).date()
    first_day, last_day = slot_day - timedelta(days=7), slot_day - timedelta(days=1)
    return first_day, last_day, to_utc(datetime.combine(first_day, time(0)), tz), to_utc(datetime.combine(slot_day, time(0)), tz)


def send_weekly_digest(ctx: "JobContext") -> int:
    """Queue the digest for the slot being run to the leaders; return how many messages were queued."""
    assert ctx.slot is not None, "the weekly digest is a calendar job"
    first_day, last_day, start, end = week_before(ctx.slot, ctx.window.tz)
    questions = summarize_questions(ctx.session, start, end)
    tickets = ticket_statistics(ctx.session, start, end, ctx.config, now=ctx.now)
    text = compose_digest(first_day, last_day, tickets, questions, ctx.knowledge)
    return send(ctx.session, leader_recipients(ctx.session, ctx.config), text, key=f"digest:{ctx.slot:%Y%m%d%H%M}")
