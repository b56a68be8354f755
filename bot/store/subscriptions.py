"""Who wants policy notices, and the notices themselves.

A :class:`Subscription` is one (subscriber, region, topic) choice made in chat (``订阅 长春 政策``). The subscriber
is ``work:<userid>`` (WeChat Work app and 智能机器人 share one id space), ``mp:<openid>`` (公众号),
``group:<chatid>`` (a group chat) or ``cli:<user>``; ``channel`` and ``target`` say how to reach it through the outbox.
An empty ``region`` means every region, an empty ``topic`` every policy.

A :class:`PolicyNotice` is one announcement of one document, due at ``send_at`` (naive UTC): created when a
document is added, or at a time staff choose, and sent once to every matching subscription.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow

NOTICE_PENDING = "pending"
NOTICE_SENT = "sent"
NOTICE_CANCELLED = "cancelled"
NOTICE_DROPPED = "dropped"


class Subscription(Base):
    """One subscriber's wish to hear about a region's (or every region's) policies on a topic (or all)."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("subscriber", "region", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(160), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    target_json: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(String(40), default="")
    topic: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def target(self) -> dict[str, Any]:
        return json.loads(self.target_json)

    def describe(self) -> str:
        """``长春市 · 政策`` — how the subscription reads to its owner."""
        return f"{self.region or '全部地区'} · {self.topic or '全部政策'}"


class PolicyNotice(Base):
    """An announcement of one document to its subscribers."""

    __tablename__ = "policy_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), index=True)
    document_title: Mapped[str] = mapped_column(String(300), default="")
    send_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(12), default=NOTICE_PENDING, index=True)
    requested_by: Mapped[str] = mapped_column(String(128), default="")  # a staff id, or "kb add" / "scheduler"
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def label(self) -> str:
        """``N3``: how staff refer to a notice."""
        return f"N{self.id}"
