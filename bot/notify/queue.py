"""The outbox as a queue: claim due rows with a lease, record outcomes, list and retry failures.

A claim is a conditional UPDATE (``WHERE status = 'pending' AND lease free``), atomic in SQLite and PostgreSQL
alike, so two workers never hold the same row. The lease end is also the claim's token: an outcome is recorded
only while the row still carries it, so a worker whose lease ran out cannot overwrite a later worker's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.notify.base import Outgoing
from bot.store.outbox import FAILED, PENDING, OutboxMessage

SPLIT = "split"  # replaced by numbered part rows because it exceeded the channel's byte limit


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff (``outbox`` section of the configuration)."""

    max_attempts: int = 6
    backoff_seconds: float = 30
    backoff_max_seconds: float = 3600
    lease_seconds: float = 120
    batch_size: int = 50

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "RetryPolicy":
        settings = config.get("outbox") or {}
        return cls(**{name: settings[name] for name in cls.__dataclass_fields__ if name in settings})

    def backoff(self, attempts: int) -> timedelta:
        """The wait before attempt ``attempts + 1``: backoff_seconds doubling, capped."""
        return timedelta(seconds=min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(attempts - 1, 0)))


@dataclass(frozen=True)
class Claim:
    """A claimed row and the lease that proves the claim."""

    message: Outgoing
    attempts: int
    lease: datetime


def _lease_free(now: datetime):
    return or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)


def claim_due(session: Session, now: datetime, policy: RetryPolicy, channels: Iterable[str] | None = None) -> list[Claim]:
    """Claim up to ``batch_size`` pending rows due at ``now`` (oldest first) for ``lease_seconds``."""
    query = select(OutboxMessage).where(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now, _lease_free(now))
    if channels is not None:
        query = query.where(OutboxMessage.channel.in_(list(channels)))
    rows = session.scalars(query.order_by(OutboxMessage.not_before, OutboxMessage.id).limit(policy.batch_size)).all()
    lease = now + timedelta(seconds=policy.lease_seconds)
    claims = []
    for row in rows:
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == PENDING, _lease_free(now))
            .values(locked_until=lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            message = Outgoing(row.id, row.channel, row.target, row.text, row.msgtype, row.idempotency_key)
            claims.append(Claim(message, row.attempts, lease))
    return claims


def record_outcome(session: Session, claim: Claim, **values: Any) -> bool:
    """Write ``values`` to the claimed row and release it, if the claim still holds; True when written."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claim.message.id, OutboxMessage.locked_until == claim.lease)
        .values(locked_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def list_messages(session: Session, status: str | None = None, limit: int = 50) -> list[OutboxMessage]:
    """Rows with ``status`` (all when None), newest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query))


def retry_failed(session: Session, ids: Iterable[int] | None, now: datetime) -> int:
    """Put failed rows (those in ``ids``, or all when None) back in the queue with fresh attempts; return how many."""
    statement = update(OutboxMessage).where(OutboxMessage.status == FAILED)
    if ids is not None:
        statement = statement.where(OutboxMessage.id.in_(list(ids)))
    values = {"status": PENDING, "attempts": 0, "not_before": now, "locked_until": None}
    return session.execute(statement.values(**values).execution_options(synchronize_session=False)).rowcount

