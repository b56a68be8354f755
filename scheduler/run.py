"""Running jobs at a moment: each in its own transaction, fenced by the lease; calendar slots run once.

:func:`run_due` runs every job for one moment ``now`` (naive UTC): it is what a tick of the long-running scheduler
does, and what ``python -m bot scheduler --once --now 2026-10-28T09:00`` does before it exits. ``now`` may be
simulated; the lease always uses the wall clock.

A calendar job's slot is the latest one at or before ``now``. It runs when it has not run yet, the delivery window
is open (for routine jobs) and it is not stale; a stale slot is recorded as dropped with a log line, so after a long
downtime the digest is skipped once rather than sent late, and never twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Sequence

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.store.base import utcnow
from bot.store.schedule import RUN_DONE, RUN_DROPPED, JobRun
from bot.workdays import WorkCalendar
from scheduler import lease
from scheduler.jobs import JobContext, JobSpec, build_jobs
from scheduler.window import DeliveryWindow

log = logging.getLogger(__name__)
SLOT_LOOKBACK = timedelta(days=14)

RAN = "ran"
HELD = "held"
NOT_DUE = "not due"
ALREADY_RUN = "already run"
DROPPED = "dropped"
FAILED = "failed"
LEASE_LOST = "lease lost"


@dataclass
class Outcome:
    """What one job did at one moment."""

    job: str
    status: str
    queued: int = 0
    slot: datetime | None = None
    note: str = ""


class LeaseHeld(RuntimeError):
    """Another scheduler holds the lease, so this one may not act."""


def latest_slot(spec: JobSpec, now: datetime, tz: Any, calendar: WorkCalendar) -> datetime | None:
    """The latest slot of a calendar job at or before ``now`` (naive UTC) within two weeks, or None."""
    trigger = CronTrigger(**spec.cron, timezone=tz)
    moment = now.replace(tzinfo=timezone.utc).astimezone(tz)
    fire = trigger.get_next_fire_time(None, moment - SLOT_LOOKBACK)
    found = None
    while fire is not None and fire <= moment:
        if spec.is_slot is None or spec.is_slot(fire.date(), calendar):
            found = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return found.astimezone(timezone.utc).replace(tzinfo=None) if found else None


def _run_calendar_job(ctx: JobContext, spec: JobSpec, holder: str) -> Outcome:
    slot = latest_slot(spec, ctx.now, ctx.window.tz, ctx.calendar)
    if slot is None:
        return Outcome(spec.name, NOT_DUE)
    done = ctx.session.scalars(select(JobRun).where(JobRun.job == spec.name, JobRun.slot == slot)).first()
    if done is not None:
        return Outcome(spec.name, ALREADY_RUN, slot=slot)
    if spec.routine and not ctx.window.allows(ctx.now):
        return Outcome(spec.name, HELD, slot=slot)
    late = ctx.now - (ctx.window.release_time(slot) if spec.routine else slot)
    limit = timedelta(hours=spec.stale_after_hours) if spec.stale_after_hours is not None else ctx.stale_after
    if late > limit:
        note = f"slot {slot:%Y-%m-%d %H:%M} UTC missed by {late}, limit {limit}"
        ctx.session.add(JobRun(job=spec.name, slot=slot, status=RUN_DROPPED, ran_at=ctx.now, holder=holder, note=note))
        log.warning("job %s: stale slot dropped (%s)", spec.name, note)
        return Outcome(spec.name, DROPPED, slot=slot, note=note)
    ctx.slot = slot
    queued = spec.run(ctx)
    ctx.session.add(JobRun(job=spec.name, slot=slot, status=RUN_DONE, queued=queued, ran_at=ctx.now, holder=holder))
    return Outcome(spec.name, RAN, queued, slot)


def _run_sweep(ctx: JobContext, spec: JobSpec) -> Outcome:
    if spec.routine and not ctx.window.allows(ctx.now):
        return Outcome(spec.name, HELD)
    return Outcome(spec.name, RAN, spec.run(ctx))


def run_job(
    runtime: Any,
    spec: JobSpec,
    now: datetime,
    holder: str,
    *,
    lease_ttl: timedelta,
    wall_clock: Callable[[], datetime] = utcnow,
    calendar: WorkCalendar | None = None,
) -> Outcome:
    """Run one job for ``now`` in one transaction that first renews ``holder``'s lease.

    Raises :class:`scheduler.lease.LeaseLost` when the lease is not ``holder``'s; any other failure rolls the job
    back, is logged, and comes back as a ``failed`` outcome (the next tick tries again)."""
    calendar = calendar or WorkCalendar.from_config(runtime.config)
    window = DeliveryWindow.from_config(runtime.config, calendar)
    try:
        with runtime.session() as session:
            lease.renew(session, holder, wall_clock(), lease_ttl)
            ctx = JobContext(session=session, now=now, runtime=runtime, calendar=calendar, window=window)
            outcome = _run_calendar_job(ctx, spec, holder) if spec.is_calendar else _run_sweep(ctx, spec)
    except lease.LeaseLost:
        raise
    except Exception as exc:
        log.exception("job %s failed at %s; rolled back", spec.name, now)
        return Outcome(spec.name, FAILED, note=f"{type(exc).__name__}: {exc}")
    if outcome.queued:
        log.info("job %s queued %d message(s) for %s", spec.name, outcome.queued, now)
    return outcome


def run_due(
    runtime: Any,
    now: datetime,
    holder: str,
    *,
    lease_ttl: timedelta,
    jobs: Sequence[JobSpec] | None = None,
    wall_clock: Callable[[], datetime] = utcnow,
) -> list[Outcome]:
    """Run every job for ``now``, in order; stop (with a ``lease lost`` outcome) if the lease is lost."""
    calendar = WorkCalendar.from_config(runtime.config)
    outcomes = []
    for spec in jobs if jobs is not None else build_jobs(runtime.config):
        try:
            outcomes.append(run_job(runtime, spec, now, holder, lease_ttl=lease_ttl, wall_clock=wall_clock, calendar=calendar))
        except lease.LeaseLost as exc:
            log.warning("job %s not run: %s", spec.name, exc)
            outcomes.append(Outcome(spec.name, LEASE_LOST, note=str(exc)))
            break
    return outcomes


def check_settings(config: Any) -> None:
    """Read every ``scheduler`` setting once, so a mistake stops the scheduler at start with a clear message
    (:class:`bot.config.ConfigError`) instead of failing every job."""
    from bot.config import ConfigError
    from handlers.reminders.planning import PlanSettings
    from handlers.reminders.recipients import department_recipients_configured, fallback_recipients
    from scheduler.ticket_jobs import HOLD_MODES

    try:
        DeliveryWindow.from_config(config)
        PlanSettings.from_config(config)
        for spec in build_jobs(config):
            if spec.cron:
                CronTrigger(**spec.cron)
        fallback_recipients(config)
        department_recipients_configured(config)
        if config["scheduler"].get("hold_escalations", "quiet_hours") not in HOLD_MODES:
            raise ValueError("hold_escalations must be false, quiet_hours or true")
        lease_ttl_of(config), float(config["scheduler"]["tick_seconds"]), float(config["scheduler"]["stale_after_hours"])
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"scheduler settings: {exc}") from exc


def lease_ttl_of(config: Any) -> timedelta:
    """``scheduler.lease_seconds`` as a duration."""
    return timedelta(seconds=float(config["scheduler"]["lease_seconds"]))


def run_once(runtime: Any, now: datetime | None = None, *, holder: str | None = None) -> list[Outcome]:
    """Take the lease, run everything due at ``now`` (default: the present), give the lease back.

    Raises :class:`LeaseHeld` when another scheduler holds the lease."""
    check_settings(runtime.config)
    holder = holder or lease.new_holder_id()
    ttl = lease_ttl_of(runtime.config)
    with runtime.session() as session:
        taken = lease.acquire(session, holder, utcnow(), ttl)
        current = None if taken else lease.current(session)
    if not taken:
        raise LeaseHeld(f"scheduler {current.holder} holds the lease until {current.expires_at:%Y-%m-%d %H:%M:%S} UTC")
    try:
        return run_due(runtime, now or utcnow(), holder, lease_ttl=ttl)
    finally:
        with runtime.session() as session:
            lease.release(session, holder, utcnow())
