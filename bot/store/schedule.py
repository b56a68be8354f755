"""The scheduler's own records: who may act (the lease), which calendar slots have run, which documents it has seen.

- :class:`SchedulerLease`: one row per lease name. The scheduler that holds it (``holder``, until ``expires_at``,
  wall-clock naive UTC) is the only one that acts; see :mod:`scheduler.lease`.
- :class:`JobRun`: one row per (job, slot) of the calendar jobs (the daily overdue list, the weekly digest), written
  in the same transaction as the messages the run queued, so a slot runs once whatever happens.
- :class:`SeenDocument`: the knowledge-base documents the scheduler has turned into tasks, with the time it first saw
  them (the year a year-less deadline falls in) and a fingerprint of their deadlines (to notice a replaced document).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow

RUN_DONE = "done"
RUN_DROPPED = "dropped"


class SchedulerLease(Base):
    """The single-leader lease: a second scheduler cannot take it while ``expires_at`` is in the future."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(160))
    acquired_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class JobRun(Base):
    """A calendar job's slot that has been dealt with: run (``done``) or dropped as stale (``dropped``)."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    slot: Mapped[datetime] = mapped_column(DateTime)  # the scheduled moment (naive UTC)
    status: Mapped[str] = mapped_column(String(10), default=RUN_DONE)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    ran_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # the scheduler's "now" of the run
    holder: Mapped[str] = mapped_column(String(160), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class SeenDocument(Base):
    """A document of the knowledge base the scheduler has taken in."""

    __tablename__ = "seen_document"

    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(40), default="")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
