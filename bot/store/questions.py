"""Every policy question asked, with what the bot made of it: the staff's list of unanswered questions
(``python -m bot kb unanswered``) and the digest's "most asked" come from here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base, utcnow


SMALL_TALK = "small_talk"  # the outcome of declined chit-chat: logged, but no question staff should answer


class QuestionLog(Base):
    """One question: ``outcome`` is ``answer``, ``choices``, ``not_found`` or ``small_talk`` (chit-chat, declined);
    ``answered`` is true for ``answer``."""

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(20), default="")
    user: Mapped[str] = mapped_column(String(128), default="")
    group_id: Mapped[str] = mapped_column(String(128), default="")
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(12))
    answered: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    doc_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    clause_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)


def log_question(
    session: Session,
    *,
    channel: str,
    user: str,
    group: str | None,
    text: str,
    outcome: str,
    clause_key: str | None,
    score: float,
    asked_at: datetime | None = None,
) -> QuestionLog:
    """Record a question in the caller's transaction."""
    row = QuestionLog(
        asked_at=asked_at or utcnow(),
        channel=channel,
        user=user,
        group_id=group or "",
        text=text[:1000],
        outcome=outcome,
        answered=outcome == "answer",
        doc_id=clause_key.split("#", 1)[0] if clause_key else None,
        clause_key=clause_key,
        score=score,
    )
    session.add(row)
    session.flush()
    return row


def unanswered_questions(session: Session, since: datetime | None = None, limit: int = 100) -> list[QuestionLog]:
    """Questions the bot could not answer confidently, newest first (chit-chat left out)."""
    query = (
        select(QuestionLog)
        .where(QuestionLog.answered.is_(False), QuestionLog.outcome != SMALL_TALK)
        .order_by(QuestionLog.asked_at.desc())
    )
    if since is not None:
        query = query.where(QuestionLog.asked_at >= since)
    return list(session.scalars(query.limit(limit)))
