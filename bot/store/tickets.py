"""Tickets (工单) of the 12345 closed loop: the ticket itself, its audit trail, the 并单 candidates linking
near-duplicates, and the daily number sequence.

The rules (which transitions are legal, who may make them, what is sent) live in ``handlers/tickets/``;
these are only the tables. Datetimes are naive UTC; ``due_date`` is a local calendar date (the last working
day of the limit), because limits are counted in local working days.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot.store.base import Base, utcnow

# States, in the order of the loop. 退单, 督办 and 重办 are side states the loop passes through.
ACCEPTED = "已受理"
DISPATCHED = "已派单"
IN_PROGRESS = "办理中"
ANSWERED = "已答复"
AWAITING_RATING = "待评价"
CLOSED = "已办结"
RETURNED = "退单"
SUPERVISED = "督办"
REOPENED = "重办"

STATES = (ACCEPTED, DISPATCHED, IN_PROGRESS, ANSWERED, AWAITING_RATING, CLOSED, RETURNED, SUPERVISED, REOPENED)
OPEN_STATES = tuple(state for state in STATES if state != CLOSED)
# States in which the handling department holds the ticket and its clock is running against the department.
DEPARTMENT_STATES = (DISPATCHED, IN_PROGRESS, SUPERVISED, REOPENED)

# Kinds as the enterprise said them.
KINDS = ("投诉", "诉求", "举报", "建议")

RATINGS = ("满意", "基本满意", "不满意")
NO_RATING = "未评价"


class Ticket(Base):
    """One 诉求/投诉/举报/建议 and where it stands."""

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8), index=True)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40), default="")
    department: Mapped[str] = mapped_column(String(64), default="", index=True)
    # Who filed it: ``work:<userid>`` (WeChat Work app and 智能机器人), ``mp:<openid>`` (公众号), ``cli:<name>``.
    complainant: Mapped[str] = mapped_column(String(160), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[str] = mapped_column(String(128), default="")
    company: Mapped[str] = mapped_column(String(128), default="")
    contact: Mapped[str] = mapped_column(String(64), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    accepted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # first 签收 or 答复
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    paused_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # waiting for the enterprise
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    overdue_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # past due_date, not yet answered
    ever_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[str | None] = mapped_column(String(8), nullable=True)
    rating_requested_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # two staff acting at once: the second write fails, not merges

    @property
    def is_open(self) -> bool:
        return self.state != CLOSED

    @property
    def paused(self) -> bool:
        return self.paused_since is not None


class TicketEvent(Base):
    """One line of a ticket's audit trail: who did what, when, why, and the state before and after."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(160))  # a staff user id, "system", or "enterprise"
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(12))
    from_state: Mapped[str] = mapped_column(String(8), default="")
    to_state: Mapped[str] = mapped_column(String(8), default="")
    department: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketLink(Base):
    """A 并单 candidate: ``ticket`` looks like ``other`` (filed by another enterprise), for staff to decide."""

    __tablename__ = "ticket_link"
    __table_args__ = (UniqueConstraint("ticket_id", "other_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TicketSequence(Base):
    """The last number given out on a local day (``YYYYMMDD``)."""

    __tablename__ = "ticket_sequence"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


def find_ticket(session: Session, number: str) -> Ticket | None:
    """The ticket with this number (case-insensitive), or None."""
    return session.scalars(select(Ticket).where(Ticket.number == number.strip().upper())).first()


def linked_tickets(session: Session, ticket: Ticket) -> list[tuple[Ticket, float]]:
    """The 并单 candidates of ``ticket`` (either direction), most similar first."""
    rows = session.execute(
        select(TicketLink).where((TicketLink.ticket_id == ticket.id) | (TicketLink.other_id == ticket.id))
    ).scalars()
    found = []
    for link in rows:
        other_id = link.other_id if link.ticket_id == ticket.id else link.ticket_id
        other = session.get(Ticket, other_id)
        if other is not None:
            found.append((other, link.score))
    return sorted(found, key=lambda item: -item[1])
