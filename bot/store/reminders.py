"""Deadline tasks and their reminders.

A :class:`DeadlineTask` is one duty with a date: a clause of a policy document with a deadline
(``（完成时限：10月31日）``, ``6月底前``), or a recurring duty (``每月25日前填报工作进展情况表``), with the department
responsible for it. A :class:`Reminder` is one message about one occurrence of a task, due at ``fire_at``
(naive UTC): planned ahead (7, 3 and 1 days before by default), sent once, or dropped/cancelled with a reason.

The services that fill these tables live in :mod:`handlers.reminders`; the scheduler sends the due reminders.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.base import Base, utcnow

# Task states
ACTIVE = "active"
CANCELLED = "cancelled"

# Reminder states
PENDING = "pending"
SENT = "sent"
DROPPED = "dropped"
# (and CANCELLED)

# Where a task's year came from
YEAR_FROM_TEXT = "text"  # the deadline names its year (2024年6月底前)
YEAR_FROM_DOCUMENT = "document"  # the document's date or the year in its title
YEAR_FROM_ADDED = "added"  # the year the document was added to the knowledge base
YEAR_FROM_STAFF = "staff"  # corrected by a staff member
YEAR_NOT_NEEDED = "recurring"
YEAR_UNKNOWN = "unknown"  # the deadline text fits no known form: staff must give the date
BY_DOCUMENT = "document"


class DeadlineTask(Base):
    """One duty with a deadline or a recurrence, and who is responsible for it."""

    __tablename__ = "deadline_task"
    __table_args__ = (UniqueConstraint("clause_key", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    clause_key: Mapped[str] = mapped_column(String(80))
    rule: Mapped[str] = mapped_column(String(40))  # which deadline of the clause: once-1, monthly-25, quarterly ...
    document_title: Mapped[str] = mapped_column(String(300), default="")
    clause_number: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(300))  # what must be done
    department: Mapped[str] = mapped_column(String(128), default="")
    deadline_text: Mapped[str] = mapped_column(String(200), default="")  # as written in the document
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # one-off tasks
    recurrence: Mapped[str | None] = mapped_column(String(20), nullable=True)  # monthly:25, quarterly:end, yearly:03-31
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # last day a recurring duty runs
    year_source: Mapped[str] = mapped_column(String(12), default=YEAR_FROM_DOCUMENT)
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE, index=True)
    plan_again_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)  # None: plan at the next tick
    corrected_by: Mapped[str] = mapped_column(String(128), default="")  # set: a document update keeps date and department
    cancelled_by: Mapped[str] = mapped_column(String(128), default="")  # a staff id, or "document" when it left the document
    note: Mapped[str] = mapped_column(Text, default="")  # who corrected or cancelled it, and why
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    reminders: Mapped[list["Reminder"]] = relationship(back_populates="task", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        """``T12``: how staff refer to a task in chat and on the command line."""
        return f"T{self.id}"

    @property
    def is_recurring(self) -> bool:
        return self.recurrence is not None


class Reminder(Base):
    """One reminder about one occurrence of a task, ``offset_days`` before it is due."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("task_id", "occurrence", "offset_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("deadline_task.id", ondelete="CASCADE"), index=True)
    occurrence: Mapped[date] = mapped_column(Date)  # the due date this reminder is about
    offset_days: Mapped[int] = mapped_column(Integer)
    fire_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was dropped, cancelled or snoozed
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    task: Mapped[DeadlineTask] = relationship(back_populates="reminders")

    @property
    def label(self) -> str:
        """``R34``: how staff refer to a reminder."""
        return f"R{self.id}"
