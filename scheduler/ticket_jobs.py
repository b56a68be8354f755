"""The ticket limits as scheduler jobs, around the tickets' own functions (:mod:`handlers.tickets.jobs`), each of which
queues through the outbox with idempotency keys and is safe to run twice for one moment.

- ``ticket-escalations`` (every tick, whatever the hour): tickets past their limit become overdue and 督办 on time.
  Their messages follow ``scheduler.hold_escalations``: ``false`` sends them at once; ``quiet_hours`` (the default)
  keeps them until the quiet hours end; ``true`` also until the next working day. Held messages are queued with
  the outbox's ``not_before``, so the ticket's state and audit trail change on time and only the message waits.
- ``ticket-reminders`` (every tick in the delivery window): a reminder to the handling department of tickets due
  today or on the next working day, once per ticket per day.
- ``rating-expiry`` (every tick in the delivery window): tickets not rated in time are closed as 未评价.
- ``overdue-lists`` (working days at ``scheduler.overdue_lists_at``): each department's list of its overdue tickets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from bot.store.outbox import OutboxMessage
from handlers.tickets.jobs import escalate_overdue_tickets, expire_ratings, remind_due_tickets, send_overdue_lists
from scheduler.window import DeliveryWindow

if TYPE_CHECKING:
    from scheduler.jobs import JobContext

HOLD_MODES = {False: None, "quiet_hours": "quiet_hours", True: "all"}


def escalation_window(ctx: "JobContext") -> DeliveryWindow | None:
    """The window escalation messages wait for, per ``scheduler.hold_escalations`` (None: they do not wait)."""
    setting = ctx.config["scheduler"].get("hold_escalations", "quiet_hours")
    if setting not in HOLD_MODES:
        raise ValueError(f"scheduler.hold_escalations must be false, quiet_hours or true, not {setting!r}")
    mode = HOLD_MODES[setting]
    if mode is None:
        return None
    return ctx.window if mode == "all" else DeliveryWindow(ctx.window.tz, ctx.window.quiet_start, ctx.window.quiet_end, None)


def escalate(ctx: "JobContext") -> int:
    """Escalate overdue tickets now; hold their messages until the escalation window opens."""
    last_before = ctx.session.scalar(select(func.max(OutboxMessage.id))) or 0
    queued = escalate_overdue_tickets(ctx.session, ctx.now, ctx.config)
    window = escalation_window(ctx)
    if queued and window is not None and not window.allows(ctx.now):
        ctx.session.execute(
            update(OutboxMessage).where(OutboxMessage.id > last_before).values(not_before=window.release_time(ctx.now))
        )
    return queued


def remind(ctx: "JobContext") -> int:
    """Remind departments of the tickets due within one working day."""
    return remind_due_tickets(ctx.session, ctx.now, ctx.config)


def expire(ctx: "JobContext") -> int:
    """Close the tickets whose rating did not come in time."""
    return expire_ratings(ctx.session, ctx.now, ctx.config)


def overdue_lists(ctx: "JobContext") -> int:
    """Each department's list of its overdue tickets."""
    return send_overdue_lists(ctx.session, ctx.now, ctx.config)
