"""Policy notices (政策精准推送): a short announcement of a document to the groups and enterprises subscribed to it.

A notice holds the title, the issuer and date, three key points (clause headings taken across the document's
sections, with their lead department and deadline) and how to ask about it, within WeChat's 2048 bytes.
It is scheduled when a document is added (``scheduler.notices.on_add``) or at a time staff choose, and sent once
to each subscriber, however many of their subscriptions match.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.subscriptions import NOTICE_CANCELLED, NOTICE_DROPPED, NOTICE_PENDING, NOTICE_SENT, PolicyNotice
from bot.textsplit import TEXT_LIMIT, byte_length
from handlers.reminders.recipients import Message, Recipient, send_many
from handlers.subscriptions import matching_subscriptions

KEY_POINTS = 3
POINT_CHARS = 40
GENERIC_HEADINGS = {
    "总体思路", "总体要求", "指导思想", "工作目标", "主要目标", "总体目标", "基本原则", "工作安排", "重点任务", "主要任务",
    "工作任务", "保障措施", "工作要求", "相关要求", "组织领导", "组织保障", "加强组织领导", "强化组织领导", "附则", "总则",
    "法律责任", "工作措施", "实施步骤", "进度安排", "工作机制", "目的意义", "重要意义", "工作原则", "适用范围",
}
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章节编]\s*")
_SENTENCE_END = re.compile(r"(?<=[。；;！？])")


def _point_heading(clause: Any) -> str | None:
    heading = _CHAPTER.sub("", clause.heading or "").strip("。：: ")
    if len(heading) < 4 or heading in GENERIC_HEADINGS:
        return None
    return heading


def _describe_point(heading: str, clause: Any) -> str:
    extra = []
    if clause.departments:
        extra.append(f"{'、'.join(clause.departments[:2])}牵头")
    if clause.deadline:
        extra.append(f"时限：{clause.deadline}")
    text = heading[:POINT_CHARS] + ("…" if len(heading) > POINT_CHARS else "")
    return text + (f"（{'，'.join(extra)}）" if extra else "")


def _section_of(clause: Any) -> str | None:
    """The clause's innermost section, None when that is a generic one (总则, 附则, 法律责任 ...)."""
    section = clause.section[-1] if clause.section else ""
    return None if _CHAPTER.sub("", section).strip() in GENERIC_HEADINGS else section


def _first_sentence(clause: Any) -> str:
    sentence = _SENTENCE_END.split(clause.text.strip(), maxsplit=1)[0].replace("\n", "")
    return sentence[:POINT_CHARS] + ("…" if len(sentence) > POINT_CHARS else "")


def _round_robin(groups: dict[str | None, list[str]], count: int, taken: list[str]) -> list[str]:
    """Up to ``count`` points, the first of each group, then the second of each ... without repeats."""
    points = list(taken)
    depth = 0
    while len(points) < count and any(len(group) > depth for group in groups.values()):
        for group in groups.values():
            if depth < len(group) and group[depth] not in points and len(points) < count:
                points.append(group[depth])
        depth += 1
    return points


def key_points(document: Any, count: int = KEY_POINTS) -> list[str]:
    """``count`` key points taken across the document's sections: a policy's measure headings (with lead department
    and deadline), a regulation's articles (their first sentence); first sentences fill in when headings run out."""
    by_heading: dict[str | None, list[str]] = {}
    by_sentence: dict[str | None, list[str]] = {}
    for clause in document.clauses:
        section = _section_of(clause)
        heading = _point_heading(clause)
        if heading and document.kind != "law":
            by_heading.setdefault(section, []).append(_describe_point(heading, clause))
        if section is not None and clause.text.strip():
            by_sentence.setdefault(section, []).append(_first_sentence(clause))
    return _round_robin(by_sentence, count, _round_robin(by_heading, count, []))


def example_question(document: Any) -> str:
    """A question the bot can answer from the document, for the notice's "how to ask" line."""
    for clause in document.clauses:
        heading = _point_heading(clause)
        if heading and len(heading) <= 16:
            return f"{heading}有什么要求？"
    return f"《{document.title}》有哪些措施？"


def compose_notice(document: Any) -> str:
    """The notice text: title, issuer and date, key points, how to ask, how to stop receiving them."""
    issuer = "，".join(part for part in (document.issuer, document.date) if part)
    lines = [f"【政策速递】《{document.title}》"]
    if issuer:
        lines.append(f"发文：{issuer}")
    points = key_points(document)
    if points:
        lines.append("要点：")
        lines.extend(f"{number}. {point}" for number, point in enumerate(points, start=1))
    lines.append(f"想了解详情，直接发消息问我（群里请@我），例如“{example_question(document)}”")
    lines.append("不想再收到，回复“退订”。")
    text = "\n".join(lines)
    while byte_length(text) > TEXT_LIMIT and len(lines) > 3:
        lines.pop(-3)  # drop the last key point rather than cut a line
        text = "\n".join(lines)
    return text


def schedule_notice(session: Session, document: Any, send_at: datetime, requested_by: str, now: datetime) -> PolicyNotice:
    """Schedule the notice of ``document`` for ``send_at`` (naive UTC); a notice of it still pending is moved."""
    notice = session.scalars(
        select(PolicyNotice).where(PolicyNotice.doc_id == document.doc_id, PolicyNotice.status == NOTICE_PENDING)
    ).first()
    if notice is None:
        notice = PolicyNotice(doc_id=document.doc_id, created_at=now)
        session.add(notice)
    notice.document_title = document.title[:300]
    notice.send_at, notice.requested_by = send_at, requested_by[:128]
    session.flush()
    return notice


def cancel_notices_of(session: Session, doc_id: str, reason: str) -> int:
    """Cancel the pending notices of a document (it left the knowledge base)."""
    notices = session.scalars(select(PolicyNotice).where(PolicyNotice.doc_id == doc_id, PolicyNotice.status == NOTICE_PENDING))
    count = 0
    for notice in notices:
        notice.status, notice.reason = NOTICE_CANCELLED, reason
        count += 1
    return count


def due_notices(session: Session, now: datetime) -> list[PolicyNotice]:
    """Pending notices whose time has come, oldest first."""
    query = select(PolicyNotice).where(PolicyNotice.status == NOTICE_PENDING, PolicyNotice.send_at <= now)
    return list(session.scalars(query.order_by(PolicyNotice.send_at, PolicyNotice.id)))


def _tag(subscriber: str) -> str:
    return hashlib.sha1(subscriber.encode("utf-8")).hexdigest()[:16]


def deliver_notice(session: Session, notice: PolicyNotice, document: Any | None, analyzer: Any, now: datetime) -> int:
    """Queue ``notice`` to every matching subscriber once and mark it sent; return how many messages were queued."""
    if document is None:
        notice.status, notice.reason = NOTICE_DROPPED, "文件已不在知识库中"
        return 0
    text = compose_notice(document)
    subscribers = matching_subscriptions(session, document, analyzer)
    messages = [
        Message((Recipient(subscriptions[0].channel, subscriptions[0].target),), text, f"notice:{notice.id}:{_tag(subscriber)}")
        for subscriber, subscriptions in subscribers.items()
    ]
    queued = send_many(session, messages)
    notice.status, notice.sent_at, notice.recipients = NOTICE_SENT, now, len(subscribers)
    return queued
