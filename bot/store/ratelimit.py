"""Sliding-window rate limits shared by every process through the database.

Used for each group robot's 20 messages a minute (``robot:<name>``); the per-user inbound limit counts the
recorded inbound messages instead (``bot.store.inbound``). A bucket row is upserted first, which locks it (a row lock in PostgreSQL,
the write lock in SQLite), so two processes taking slots of one bucket are serialized and the count is exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, Index, Integer, String, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base
from bot.store.upsert import upsert


class RateBucket(Base):
    """One limited thing (a user, a robot); its row is the lock taken while counting its slots."""

    __tablename__ = "rate_bucket"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(DateTime)


class RateSlot(Base):
    """One use of a bucket at ``taken_at``."""

    __tablename__ = "rate_slot"
    __table_args__ = (Index("ix_rate_slot_bucket_taken_at", "bucket", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def take_slot(session: Session, bucket: str, limit: int, window_seconds: float, now: datetime) -> datetime | None:
    """Use one of ``limit`` slots per ``window_seconds`` of ``bucket`` (in the caller's transaction, commit soon).

    Returns None when the slot was taken, else the time at which the next slot frees up.
    """
    upsert(session, RateBucket, {"name": bucket, "touched_at": now}, ["name"], ["touched_at"])  # locks the bucket
    window = timedelta(seconds=window_seconds)
    recent = session.scalars(
        select(RateSlot.taken_at)
        .where(RateSlot.bucket == bucket, RateSlot.taken_at > now - window)
        .order_by(RateSlot.taken_at)
        .limit(limit)
    ).all()
    if len(recent) >= limit:
        return recent[0] + window
    session.execute(insert(RateSlot).values(bucket=bucket, taken_at=now))
    return None


def prune_slots(session: Session, before: datetime) -> int:
    """Delete slots taken before ``before`` (older than any window); return how many."""
    return session.execute(delete(RateSlot).where(RateSlot.taken_at < before)).rowcount
