"""What the scheduler runs, in the order it runs it.

Two kinds of job:

- a *sweep* runs on every tick (``scheduler.tick_seconds``) and deals with whatever is due at that moment: the
  reminders whose time has come, the tickets past their limit. Each item it sends carries its own idempotency key
  and state, so running a sweep twice for the same moment sends nothing twice.
- a *calendar* job has slots (a cron expression in local time, narrowed to working days where it says so): the
  daily overdue lists, the weekly digest. A slot runs once: its :class:`bot.store.schedule.JobRun` row is written in
  the same transaction as the messages it queued.

A *routine* job (reminders, notices, lists, digests) does not send outside the delivery window (quiet hours,
non-working days, see :mod:`scheduler.window`); it sends when the window opens. Escalations run on time and their
messages follow ``scheduler.hold_escalations`` (see :mod:`scheduler.ticket_jobs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from bot.workdays import WorkCalendar
from handlers.reminders.documents import take_in_documents
from handlers.reminders.localtime import parse_clock
from handlers.reminders.planning import plan_reminders
from scheduler.deliveries import send_due_notices, send_due_reminders
from scheduler import ticket_jobs
from scheduler.digest import send_weekly_digest
from scheduler.window import DeliveryWindow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class JobContext:
    """What a job gets: one transaction, the moment it runs for (naive UTC), and the runtime's parts."""

    session: Session
    now: datetime
    runtime: Any  # bot.runtime.Runtime: config, knowledge base
    calendar: WorkCalendar
    window: DeliveryWindow
    slot: datetime | None = None  # the calendar slot being run (naive UTC)

    @property
    def config(self) -> Mapping[str, Any]:
        return self.runtime.config

    @property
    def knowledge(self) -> Any:
        return self.runtime.knowledge

    @property
    def stale_after(self) -> timedelta:
        return timedelta(hours=float(self.config["scheduler"]["stale_after_hours"]))


@dataclass(frozen=True)
class JobSpec:
    """One job: its name, what it does (returns how many messages it queued) and when."""

    name: str
    description: str
    run: Callable[[JobContext], int]
    routine: bool = True
    cron: Mapping[str, Any] | None = None  # calendar job: APScheduler CronTrigger fields, local time
    is_slot: Callable[[date, WorkCalendar], bool] | None = field(default=None, compare=False)
    stale_after_hours: float | None = None  # a calendar slot later than this is dropped (None: scheduler.stale_after_hours)

    @property
    def is_calendar(self) -> bool:
        return self.cron is not None


def _daily_at(clock_text: str) -> dict[str, Any]:
    clock = parse_clock(clock_text)
    return {"hour": clock.hour, "minute": clock.minute}


def is_working_day(day: date, calendar: WorkCalendar) -> bool:
    """Slots on working days only."""
    return calendar.is_working_day(day)


def first_working_day_from(weekday: str) -> Callable[[date, WorkCalendar], bool]:
    """Slots on ``weekday`` of each week, or the next working day of that week when it is a day off."""
    if weekday not in WEEKDAYS:
        raise ValueError(f"scheduler.digest.weekday must be one of {', '.join(WEEKDAYS)}")
    wanted = WEEKDAYS.index(weekday)

    def is_slot(day: date, calendar: WorkCalendar) -> bool:
        if day.weekday() < wanted or not calendar.is_working_day(day):
            return False
        return not any(calendar.is_working_day(day - timedelta(days=back)) for back in range(1, day.weekday() - wanted + 1))

    return is_slot


def take_in_documents_job(ctx: JobContext) -> int:
    """New, replaced and removed documents: their tasks and notices (queues nothing itself)."""
    take_in_documents(ctx.session, ctx.knowledge.documents(), ctx.now, ctx.config)
    return 0


def plan_reminders_job(ctx: JobContext) -> int:
    """The reminders of tasks due for planning (queues nothing itself)."""
    plan_reminders(ctx.session, ctx.now, ctx.config, ctx.calendar)
    return 0


def build_jobs(config: Mapping[str, Any]) -> list[JobSpec]:
    """The jobs, in the order a tick runs them (tasks are planned before reminders are sent)."""
    settings = config["scheduler"]
    digest = settings["digest"]
    return [
        JobSpec("documents", "take new, replaced and removed documents in (tasks, notices)", take_in_documents_job, routine=False),
        JobSpec("plan-reminders", "plan the reminders of every deadline task", plan_reminders_job, routine=False),
        JobSpec("ticket-escalations", "tickets past their limit: overdue, 督办, leaders told", ticket_jobs.escalate, routine=False),
        JobSpec("ticket-reminders", "tickets due within one working day: the department reminded", ticket_jobs.remind),
        JobSpec("rating-expiry", "tickets not rated in time closed as 未评价", ticket_jobs.expire),
        JobSpec("deadline-reminders", "send the deadline reminders that are due", send_due_reminders),
        JobSpec("policy-notices", "send the policy notices that are due", send_due_notices),
        JobSpec(
            "overdue-lists",
            "each department's list of its overdue tickets",
            ticket_jobs.overdue_lists,
            cron=_daily_at(settings.get("overdue_lists_at") or "09:00"),
            is_slot=is_working_day,
            stale_after_hours=8,  # a day's list missed in the morning still helps that afternoon, not the next morning
        ),
        JobSpec(
            "weekly-digest",
            "the leaders' weekly digest",
            send_weekly_digest,
            cron=_daily_at(digest.get("at") or "09:00"),
            is_slot=first_working_day_from(str(digest.get("weekday") or "mon").lower()[:3]),
        ),
    ]
