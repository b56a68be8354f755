"""Per-conversation state that must survive a restart: pending choices (您是不是想问 1/2/3), the last answered
clause (for 全文 / 相关), a complaint-filing dialogue in progress.

A conversation is keyed by (channel, group, user); in a group chat each asker has their own.
State is a small JSON object; each feature keeps its own top-level key in it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base, utcnow


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("channel", "group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[str] = mapped_column(String(128))
    state_json: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


def _find(session: Session, channel: str, group: str | None, user: str) -> Conversation | None:
    return session.scalars(
        select(Conversation).where(
            Conversation.channel == channel,
            Conversation.group_id == (group or ""),
            Conversation.user_id == user,
        )
    ).first()


def load_state(session: Session, channel: str, group: str | None, user: str) -> dict[str, Any]:
    """The stored state of a conversation, ``{}`` when there is none."""
    row = _find(session, channel, group, user)
    return json.loads(row.state_json) if row else {}


def save_state(session: Session, channel: str, group: str | None, user: str, state: dict[str, Any]) -> None:
    """Replace the state of a conversation (in the caller's transaction)."""
    row = _find(session, channel, group, user)
    if row is None:
        row = Conversation(channel=channel, group_id=group or "", user_id=user)
        session.add(row)
    row.state_json = json.dumps(state, ensure_ascii=False)
    row.updated_at = utcnow()
    session.flush()
