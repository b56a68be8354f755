"""Inbound messages already answered: the database-wide memory that makes WeChat's retries harmless.

WeChat retries a callback it got no answer to within 5 s, up to three times, possibly on another worker
process. Each accepted message is recorded here under its dedup key (``MsgId``; events ``FromUserName`` +
``CreateTime``; the aibot's ``msgid``) together with the answer, in the same transaction as the handler's work.
The unique key makes a second, concurrent handling of the same message fail at commit, so its work is rolled back
and the first answer is given again.

The same rows answer two more questions: how many messages a user sent in the last minute (the per-user rate
limit, counted across all processes) and when they last wrote (the Official Account's 48-hour window for
customer-service messages). Rows are kept for :data:`KEPT` for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from datetime import timedelta

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint, bindparam, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base, utcnow

KEPT = timedelta(days=3)  # longer than the 48-hour customer-service window


class InboundMessage(Base):
    """One message the bot has answered. ``deferred`` is true when the answer went out through the outbox."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("channel", "dedup_key"),
        Index("ix_inbound_message_received_at", "received_at"),
        Index("ix_inbound_message_sender", "channel", "user_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    dedup_key: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(128), default="")
    rate_limited: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    reply_mention: Mapped[str | None] = mapped_column(String(128), nullable=True)
    deferred: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class StoredAnswer:
    """The answer recorded for a message: what to say again when WeChat retries it."""

    text: str
    mention: str | None
    deferred: bool


_FIND = select(InboundMessage.reply_text, InboundMessage.reply_mention, InboundMessage.deferred).where(
    InboundMessage.channel == bindparam("channel"), InboundMessage.dedup_key == bindparam("dedup_key")
)
_ACCEPTED = select(func.count()).select_from(InboundMessage).where(
    InboundMessage.channel == bindparam("channel"),
    InboundMessage.user_id == bindparam("user_id"),
    InboundMessage.received_at >= bindparam("since"),
    InboundMessage.rate_limited.is_(False),
)
_LAST_SEEN = select(func.max(InboundMessage.received_at)).where(
    InboundMessage.channel == bindparam("channel"), InboundMessage.user_id == bindparam("user_id")
)
_RECORD = insert(InboundMessage)


def find_answer(session: Session, channel: str, dedup_key: str) -> StoredAnswer | None:
    """The answer already given to this message, or None when it has not been answered (committed) yet."""
    row = session.execute(_FIND, {"channel": channel, "dedup_key": dedup_key}).first()
    return StoredAnswer(row.reply_text, row.reply_mention, row.deferred) if row else None


def record_answer(
    session: Session,
    channel: str,
    dedup_key: str,
    answer: StoredAnswer,
    *,
    user_id: str = "",
    received_at: datetime | None = None,
    rate_limited: bool = False,
) -> None:
    """Record the answer in the caller's transaction; raises IntegrityError if it was recorded already."""
    session.flush()  # the handler's pending changes first, so a conflict here is the only IntegrityError
    values = {
        "channel": channel, "dedup_key": dedup_key, "user_id": user_id, "rate_limited": rate_limited,
        "received_at": received_at or utcnow(), "reply_text": answer.text, "reply_mention": answer.mention,
        "deferred": answer.deferred,
    }
    session.execute(_RECORD, values)


def accepted_since(session: Session, channel: str, user_id: str, since: datetime) -> int:
    """How many of the user's messages since ``since`` were accepted (not refused by the rate limit)."""
    return session.execute(_ACCEPTED, {"channel": channel, "user_id": user_id, "since": since}).scalar_one()


def last_seen(session: Session, channel: str, user_id: str) -> datetime | None:
    """When ``user_id`` last wrote on ``channel`` (within :data:`KEPT`), or None."""
    return session.execute(_LAST_SEEN, {"channel": channel, "user_id": user_id}).scalar()


def prune_answers(session: Session, before: datetime) -> int:
    """Forget answers older than ``before``; return how many."""
    return session.execute(delete(InboundMessage).where(InboundMessage.received_at < before)).rowcount
