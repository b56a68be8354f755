"""Per-conversation state that must survive a restart: pending choices (您是不是想问 1/2/3), the last answered
clause (for 全文 / 相关), a complaint-filing dialogue in progress.

A conversation is keyed by (channel, group, user); in a group chat each asker has their own.
State is a small JSON object; each feature keeps its own top-level key in it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base, utcnow
from bot.store.upsert import upsert


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("channel", "group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[str] = mapped_column(String(128))
    state_json: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


_STATE = select(Conversation.state_json).where(
    Conversation.channel == bindparam("channel"),
    Conversation.group_id == bindparam("group_id"),
    Conversation.user_id == bindparam("user_id"),
)


def load_state(session: Session, channel: str, group: str | None, user: str) -> dict[str, Any]:
    """The stored state of a conversation, ``{}`` when there is none."""
    state_json = session.execute(_STATE, {"channel": channel, "group_id": group or "", "user_id": user}).scalar()
    return json.loads(state_json) if state_json else {}


def save_state(session: Session, channel: str, group: str | None, user: str, state: dict[str, Any]) -> None:
    """Replace the state of a conversation (in the caller's transaction), in one INSERT ... ON CONFLICT."""
    values = {
        "channel": channel,
        "group_id": group or "",
        "user_id": user,
        "state_json": json.dumps(state, ensure_ascii=False),
        "updated_at": utcnow(),
    }
    upsert(session, Conversation, values, ["channel", "group_id", "user_id"], ["state_json", "updated_at"])
