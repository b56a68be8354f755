"""The outbox: every message the bot sends on its own initiative is first a row here.

A row is written in the same transaction as the change that causes it (a ticket dispatched, a reminder due),
then a worker delivers it through a notifier with bounded retries. The idempotency key makes a second
``enqueue`` of the same notification a no-op, so a crash between "sent" and "recorded" cannot double it.

Targets by notifier (``channel``):

- ``robot``: ``{"robot": NAME}`` — a 群机器人 webhook named in ``wechat.group_robots``
- ``work``: ``{"touser": [...], "toparty": [...], "totag": [...]}`` — WeChat Work app message
- ``mp``: ``{"openid": ...}`` — Official Account customer-service message (48 h window)
- ``aibot``: ``{"chatid": ..., "userid": ..., "response_url": ...}`` — reply into a group via the 智能机器人
- ``console``: ``{}`` — printed, for local use
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base, utcnow

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class OutboxMessage(Base):
    """One notification waiting to be delivered, delivered, or visibly failed."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    target_json: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    msgtype: Mapped[str] = mapped_column(String(20), default="text")
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def target(self) -> dict[str, Any]:
        return json.loads(self.target_json)


def enqueue(
    session: Session,
    channel: str,
    target: dict[str, Any],
    text: str,
    *,
    key: str,
    msgtype: str = "text",
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Queue ``text`` for ``target`` in the caller's transaction; return the existing row if ``key`` was queued before."""
    existing = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()
    if existing is not None:
        return existing
    row = OutboxMessage(
        idempotency_key=key,
        channel=channel,
        target_json=json.dumps(target, ensure_ascii=False, sort_keys=True),
        text=text,
        msgtype=msgtype,
        status=PENDING,
        attempts=0,
        not_before=not_before or utcnow(),
    )
    session.add(row)
    session.flush()
    return row
