"""Only one scheduler acts at a time: a lease row in the project's database (``scheduler_lease``).

A scheduler takes the lease when nobody holds it or the holder let it expire; it renews it while it runs and
gives it up when it stops. Taking and renewing are single conditional ``UPDATE`` statements, atomic in SQLite and
PostgreSQL alike, so two schedulers racing for it cannot both win.

Every job runs in a transaction that starts by renewing the lease (:func:`renew`): a scheduler that lost the lease
(paused past its expiry, cut off from the database) cannot queue anything, and while a job's transaction is open
the row is locked, so nobody can take the lease from under it. The lease uses the wall clock, never the simulated
``--now`` of a one-off run.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.schedule import SchedulerLease

LEASE_NAME = "scheduler"


class LeaseLost(RuntimeError):
    """This scheduler does not hold the lease (any more): it must not act."""


def new_holder_id() -> str:
    """``host:pid:random`` — unique per scheduler instance, readable in ``reminders status``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(session: Session, holder: str, now: datetime, ttl: timedelta, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease for ``holder`` until ``now + ttl``; False when someone else holds it."""
    table = SchedulerLease.__table__
    result = session.execute(
        update(table)
        .where(table.c.name == name, or_(table.c.holder == holder, table.c.expires_at <= now))
        .values(
            acquired_at=_keep_if_renewing(table, holder, now),
            holder=holder,
            expires_at=now + ttl,
        )
    )
    if result.rowcount == 1:
        return True
    if session.get(SchedulerLease, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
    except IntegrityError:  # another scheduler inserted the row first
        return False
    return True


def _keep_if_renewing(table, holder: str, now: datetime):
    """``acquired_at`` stays when the holder renews, becomes ``now`` when the lease changes hands."""
    return case((table.c.holder == holder, table.c.acquired_at), else_=now)


def renew(session: Session, holder: str, now: datetime, ttl: timedelta, name: str = LEASE_NAME) -> None:
    """Extend a lease ``holder`` still holds; :class:`LeaseLost` when it expired or someone else has it."""
    table = SchedulerLease.__table__
    result = session.execute(
        update(table)
        .where(table.c.name == name, table.c.holder == holder, table.c.expires_at > now)
        .values(expires_at=now + ttl)
    )
    if result.rowcount != 1:
        raise LeaseLost(f"scheduler {holder} does not hold the lease")


def release(session: Session, holder: str, now: datetime, name: str = LEASE_NAME) -> None:
    """Give the lease up at once (so a standby takes over without waiting for it to expire)."""
    table = SchedulerLease.__table__
    session.execute(update(table).where(table.c.name == name, table.c.holder == holder).values(expires_at=now))


def current(session: Session, name: str = LEASE_NAME) -> SchedulerLease | None:
    """The lease row, whoever holds it (it may have expired)."""
    return session.scalars(select(SchedulerLease).where(SchedulerLease.name == name)).first()
