"""Planning reminders: for each occurrence of each active task due within the horizon, one reminder per offset.

Settings (``scheduler.deadlines``): ``offsets_days`` (default 7, 3, 1 days before; 0 is the day itself),
``remind_at`` (local time of day, 09:00) and ``horizon_days`` (how far ahead occurrences are planned, 60).
A reminder that would fall on a non-working day moves to the working day before it, so it still comes in time
(``scheduler.hold_on_non_working_days``). Reminders are never planned for before the task existed; a task that
arrives after all its offsets have passed gets one reminder at once, when its date is still ahead.

Planning is idempotent (one row per task, occurrence and offset) and incremental: each task records the day its
next occurrence enters the horizon (``plan_again_on``; never, for a one-off task already planned), and a change to
the task clears it. The pass that runs on every scheduler tick is one indexed query when there is nothing to plan.
Changed offsets apply to the occurrences planned after the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.store.reminders import ACTIVE, DeadlineTask, Reminder
from bot.workdays import WorkCalendar
from handlers.reminders.deadline_text import occurrences
from handlers.reminders.localtime import at_local_time, local_date, parse_clock, zone


@dataclass(frozen=True)
class PlanSettings:
    """The ``scheduler.deadlines`` settings, checked."""

    offsets: tuple[int, ...]
    remind_at: Any
    horizon_days: int
    shift_off_non_working_days: bool

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "PlanSettings":
        section = config["scheduler"]["deadlines"]
        offsets = tuple(sorted({int(days) for days in section.get("offsets_days") or ()}, reverse=True))
        if any(days < 0 for days in offsets):
            raise ValueError("scheduler.deadlines.offsets_days must not be negative")
        return cls(
            offsets=offsets,
            remind_at=parse_clock(section.get("remind_at") or "09:00"),
            horizon_days=int(section.get("horizon_days") or 60),
            shift_off_non_working_days=bool(config["scheduler"].get("hold_on_non_working_days", True)),
        )


def task_occurrences(task: DeadlineTask, start: date, end: date) -> list[date]:
    """The due dates of ``task`` in ``[start, end]`` (none for a task without a date)."""
    if task.recurrence:
        last = min(end, task.ends_on) if task.ends_on else end
        return occurrences(task.recurrence, start, last) if start <= last else []
    if task.due_date and start <= task.due_date <= end:
        return [task.due_date]
    return []


def _reminder_day(due: date, offset: int, calendar: WorkCalendar, shift: bool) -> date:
    day = due - timedelta(days=offset)
    while shift and not calendar.is_working_day(day) and day > due - timedelta(days=offset + 10):
        day -= timedelta(days=1)
    return day


def plan_task(
    session: Session,
    task: DeadlineTask,
    now: datetime,
    settings: PlanSettings,
    calendar: WorkCalendar,
    config: Mapping[str, Any],
    existing: set[tuple[date, int]] | None = None,
) -> list[Reminder]:
    """Create the reminders ``task`` is missing for its occurrences within the horizon; return the new ones."""
    tz = zone(config)
    today = local_date(now, tz)
    created_on = local_date(task.created_at, tz)
    if existing is None:
        existing = {(r.occurrence, r.offset_days) for r in session.scalars(select(Reminder).where(Reminder.task_id == task.id))}
    planned_occurrences = {occurrence for occurrence, _ in existing}
    new: list[Reminder] = []
    for due in task_occurrences(task, max(today, created_on), today + timedelta(days=settings.horizon_days)):
        fire_times: dict[int, datetime] = {}
        days_taken: set[date] = set()
        for offset in reversed(settings.offsets):  # nearest first: two offsets moved onto one day keep the nearer
            day = _reminder_day(due, offset, calendar, settings.shift_off_non_working_days)
            fire_at = at_local_time(day, settings.remind_at, tz)
            if fire_at >= task.created_at and day not in days_taken:
                fire_times[offset] = fire_at
                days_taken.add(day)
        if not fire_times and due not in planned_occurrences:
            fire_times[(due - created_on).days] = task.created_at  # arrived too late for every offset: tell at once
        for offset, fire_at in fire_times.items():
            if (due, offset) in existing:
                continue
            reminder = Reminder(task_id=task.id, occurrence=due, offset_days=offset, fire_at=fire_at, created_at=now)
            session.add(reminder)
            existing.add((due, offset))
            new.append(reminder)
    return new


def next_planning_day(task: DeadlineTask, horizon_end: date, horizon_days: int) -> date:
    """The day ``task``'s next occurrence after ``horizon_end`` enters the horizon (``date.max``: none ever will)."""
    if task.recurrence:
        upcoming = task_occurrences(task, horizon_end + timedelta(days=1), horizon_end + timedelta(days=400))
        return upcoming[0] - timedelta(days=horizon_days) if upcoming else date.max
    if task.due_date and task.due_date > horizon_end:
        return task.due_date - timedelta(days=horizon_days)
    return date.max


def plan_reminders(session: Session, now: datetime, config: Mapping[str, Any], calendar: WorkCalendar) -> int:
    """Plan the missing reminders of the active tasks due for planning; return how many were created."""
    settings = PlanSettings.from_config(config)
    today = local_date(now, zone(config))
    horizon_end = today + timedelta(days=settings.horizon_days)
    tasks = list(session.scalars(
        select(DeadlineTask).where(
            DeadlineTask.status == ACTIVE,
            or_(DeadlineTask.plan_again_on.is_(None), DeadlineTask.plan_again_on <= today),
        )
    ))
    planned: dict[int, set[tuple[date, int]]] = {task.id: set() for task in tasks}
    for chunk in _chunks(list(planned)):
        rows = session.execute(select(Reminder.task_id, Reminder.occurrence, Reminder.offset_days).where(Reminder.task_id.in_(chunk)))
        for task_id, occurrence, offset in rows:
            planned[task_id].add((occurrence, offset))
    created = 0
    for task in tasks:
        created += len(plan_task(session, task, now, settings, calendar, config, planned[task.id]))
        task.plan_again_on = next_planning_day(task, horizon_end, settings.horizon_days)
    session.flush()
    return created


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]
