"""The outbox worker: :func:`deliver_due` sends what is due once; :func:`run_worker` keeps doing it.

Each due row is claimed (a lease, so two workers never send the same row), handed to its channel's notifier
outside any transaction, and its outcome recorded: ``sent``; back to ``pending`` with exponential backoff;
``failed`` after ``outbox.max_attempts`` or a permanent error (visible in ``outbox list --failed``, retryable with
``outbox retry``). A row longer than its channel's byte limit is first replaced by numbered part rows. A worker
that dies mid-send leaves its rows claimed until the lease ends; then another worker sends them: nothing queued
is lost by a restart.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy.orm import Session, sessionmaker

from bot.notify.base import DeliveryError, Notifier
from bot.notify.queue import SPLIT, Claim, RetryPolicy, claim_due, record_outcome
from bot.store.base import session_scope, utcnow
from bot.store.inbound import KEPT as ANSWERS_KEPT, prune_answers
from bot.store.outbox import FAILED, PENDING, SENT, enqueue
from bot.store.ratelimit import prune_slots
from bot.textsplit import byte_length, split_text

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = timedelta(minutes=10)
SLOTS_KEPT = timedelta(hours=1)


def deliver_due(
    session_factory: sessionmaker[Session],
    notifiers: Mapping[str, Notifier],
    now: datetime | None = None,
    policy: RetryPolicy | None = None,
) -> int:
    """Send every outbox row due at ``now`` (one batch); return how many were sent."""
    now = now or utcnow()
    policy = policy or RetryPolicy()
    with session_scope(session_factory) as session:
        claims = claim_due(session, now, policy)
    sent = 0
    for claim in claims:
        sent += _deliver(session_factory, notifiers, claim, now, policy)
    return sent


def _deliver(sessions: sessionmaker[Session], notifiers: Mapping[str, Notifier], claim: Claim, now: datetime, policy: RetryPolicy) -> int:
    message = claim.message
    notifier = notifiers.get(message.channel)
    if notifier is None:
        return _failed(sessions, claim, f"no notifier for channel {message.channel!r} (not configured)", now, permanent=True)
    if byte_length(message.text) > notifier.limit(message.msgtype):
        return _split(sessions, claim, notifier.limit(message.msgtype))
    try:
        notifier.send(message)
    except DeliveryError as error:
        if not error.counts_attempt:
            with session_scope(sessions) as session:
                record_outcome(session, claim, not_before=error.retry_at or now + policy.backoff(1))
            return 0
        return _failed(sessions, claim, error.reason, now, permanent=error.permanent, retry_at=error.retry_at, policy=policy)
    except Exception as error:  # a notifier bug must not stop the queue; the row shows what happened
        log.exception("outbox %s: %s notifier failed", message.id, message.channel)
        return _failed(sessions, claim, f"unexpected {type(error).__name__}", now, policy=policy)
    with session_scope(sessions) as session:
        if not record_outcome(session, claim, status=SENT, sent_at=utcnow(), attempts=claim.attempts + 1, last_error=None):
            log.warning("outbox %s: sent after its lease ran out", message.id)
    return 1


def _failed(sessions, claim: Claim, reason: str, now: datetime, *, permanent: bool = False,
            retry_at: datetime | None = None, policy: RetryPolicy | None = None) -> int:
    policy = policy or RetryPolicy()
    attempts = claim.attempts + 1
    final = permanent or attempts >= policy.max_attempts
    values: dict[str, Any] = {"attempts": attempts, "last_error": reason[:500]}
    if final:
        values["status"] = FAILED
        log.error("outbox %s (%s) failed after %d attempt(s): %s", claim.message.id, claim.message.channel, attempts, reason)
    else:
        values["status"] = PENDING
        values["not_before"] = max(retry_at or now, now + policy.backoff(attempts))
        log.warning("outbox %s (%s) attempt %d failed, retrying at %s: %s", claim.message.id, claim.message.channel, attempts, values["not_before"], reason)
    with session_scope(sessions) as session:
        record_outcome(session, claim, **values)
    return 0


def _split(sessions, claim: Claim, limit: int) -> int:
    """Replace an over-limit row by its numbered parts (keys ``KEY#1/3`` ...), in one transaction."""
    message = claim.message
    parts = split_text(message.text, limit)
    with session_scope(sessions) as session:
        for number, part in enumerate(parts, start=1):
            enqueue(session, message.channel, message.target, part, key=f"{message.key}#{number}/{len(parts)}", msgtype=message.msgtype)
        record_outcome(session, claim, status=SPLIT, last_error=f"split into {len(parts)} parts")
    return 0


def housekeeping(session_factory: sessionmaker[Session], now: datetime | None = None) -> None:
    """Forget old inbound answers and rate-limit slots."""
    now = now or utcnow()
    with session_scope(session_factory) as session:
        answers = prune_answers(session, now - ANSWERS_KEPT)
        slots = prune_slots(session, now - SLOTS_KEPT)
    log.info("housekeeping: %d old answers and %d rate slots removed", answers, slots)


def run_worker(
    session_factory: sessionmaker[Session],
    notifiers: Mapping[str, Notifier],
    config: dict[str, Any],
    stop: threading.Event,
) -> None:
    """Deliver due rows until ``stop`` is set, polling every ``outbox.poll_seconds`` when idle."""
    policy = RetryPolicy.from_config(config)
    poll = float((config.get("outbox") or {}).get("poll_seconds", 1.0))
    next_housekeeping = utcnow()
    log.info("outbox worker started (channels: %s)", ", ".join(sorted(notifiers)))
    while not stop.is_set():
        try:
            if utcnow() >= next_housekeeping:
                housekeeping(session_factory)
                next_housekeeping = utcnow() + HOUSEKEEPING_EVERY
            busy = deliver_due(session_factory, notifiers, policy=policy)
        except Exception:  # the database may be away for a moment; keep going
            log.exception("outbox worker: delivery round failed")
            busy = 0
        if not busy:
            stop.wait(poll)
    log.info("outbox worker stopped")
