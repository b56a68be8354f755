"""When each user last wrote to the bot, per channel.

The Official Account allows customer-service messages only within 48 hours of the user's last message, so the
``mp`` notifier checks this before sending (and fails the row visibly when the window has closed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base
from bot.store.upsert import insert_if_absent


class ContactSeen(Base):
    """The last time ``user_id`` sent a message on ``channel``."""

    __tablename__ = "contact_seen"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(128))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


def touch_last_seen(session: Session, channel: str, user_id: str, now: datetime) -> None:
    """Record that ``user_id`` wrote on ``channel`` at ``now`` (in the caller's transaction)."""
    values = {"channel": channel, "user_id": user_id, "last_seen_at": now}
    if not insert_if_absent(session, ContactSeen, values, ["channel", "user_id"]):
        session.execute(
            update(ContactSeen)
            .where(ContactSeen.channel == channel, ContactSeen.user_id == user_id, ContactSeen.last_seen_at < now)
            .values(last_seen_at=now)
        )


def last_seen(session: Session, channel: str, user_id: str) -> datetime | None:
    """When ``user_id`` last wrote on ``channel``, or None if never."""
    return session.scalars(
        select(ContactSeen.last_seen_at).where(ContactSeen.channel == channel, ContactSeen.user_id == user_id)
    ).first()
