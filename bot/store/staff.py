"""Staff members and their roles. Seeded from the ``staff`` list of the configuration, editable in the database.

Roles: ``dispatcher`` (派单员, sees and routes every ticket), ``handler`` (承办人, acts on their department's tickets),
``leader`` (领导, receives escalations and digests, may 督办), ``admin`` (everything, manages the knowledge base).
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.base import Base

ROLES = ("dispatcher", "handler", "leader", "admin")


class StaffMember(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def find_staff(session: Session, user_id: str) -> StaffMember | None:
    """The active staff member with this WeChat user id, or None for everyone else."""
    return session.scalars(
        select(StaffMember).where(StaffMember.user_id == user_id, StaffMember.active.is_(True))
    ).first()


def seed_staff(session: Session, entries: Iterable[dict[str, Any]]) -> None:
    """Insert or update the staff listed in the configuration."""
    for entry in entries:
        role = entry.get("role", "")
        if role not in ROLES:
            raise ValueError(f"staff entry {entry.get('user')!r}: role must be one of {', '.join(ROLES)}")
        member = session.scalars(select(StaffMember).where(StaffMember.user_id == entry["user"])).first()
        if member is None:
            member = StaffMember(user_id=entry["user"])
            session.add(member)
        member.name = entry.get("name", "")
        member.role = role
        member.department = entry.get("department", "")
        member.active = True
    session.flush()
