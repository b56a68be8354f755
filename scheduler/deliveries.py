"""Sending what is due: deadline reminders and policy notices.

A due item is sent once, or dropped with a reason and a log line:

- *superseded*: after downtime, of several due reminders for the same occurrence only the nearest to the
  deadline is sent (a late "3 days left" next to a "1 day left" would only confuse);
- *past*: the deadline itself has passed;
- *stale*: it is later than ``scheduler.stale_after_hours`` (notices: ``scheduler.notices.stale_after_hours``)
  past the moment it should have gone out, counted from when the delivery window opened after it fell due, so a
  reminder held over a holiday is not stale when the holiday ends.

Each item is queued and marked sent in one savepoint, with the idempotency key ``reminder:<id>`` /
``notice:<id>:<subscriber>``: an item that fails is rolled back alone and tried again on the next tick.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.store.reminders import ACTIVE, DROPPED, PENDING, SENT, DeadlineTask, Reminder
from bot.store.subscriptions import NOTICE_DROPPED
from handlers.notices import deliver_notice, due_notices
from handlers.reminders.localtime import format_local, local_date
from handlers.reminders.recipients import department_recipients, send

if TYPE_CHECKING:
    from scheduler.jobs import JobContext

log = logging.getLogger(__name__)
WEEKDAY_NAMES = "一二三四五六日"
YEAR_SOURCES = {"document": "文件年份", "added": "收录年份", "staff": "人工更正"}


def compose_reminder(task: DeadlineTask, reminder: Reminder, today: date) -> str:
    """The reminder a department reads."""
    days = (reminder.occurrence - today).days
    when = "今天到期" if days == 0 else f"还有{days}天"
    lines = [f"【时限提醒】{when}：{task.title}"]
    due = f"{reminder.occurrence:%Y年%m月%d日}（周{WEEKDAY_NAMES[reminder.occurrence.weekday()]}）"
    if task.recurrence:
        lines.append(f"完成时限：{due}，周期任务“{task.deadline_text}”")
    else:
        source = YEAR_SOURCES.get(task.year_source)
        lines.append(f"完成时限：{due}，原文“{task.deadline_text}”" + (f"，年份取自{source}" if source else ""))
    lines.append(f"出处：《{task.document_title}》{task.clause_number}")
    lines.append(f"责任单位：{task.department or '未注明（请工作人员指定）'}")
    lines.append(f"编号 {reminder.label}｜任务 {task.label}：回复“推迟提醒 {reminder.label} 1天”可稍后再提醒")
    return "\n".join(lines)


class _Drops:
    """Reminders dropped in one run, by kind: one log line per kind however many there are."""

    SHOWN = 10

    def __init__(self) -> None:
        self.labels: dict[str, list[str]] = defaultdict(list)

    def drop(self, reminder: Reminder, kind: str, reason: str) -> None:
        reminder.status, reminder.reason = DROPPED, f"{kind}: {reason}"
        self.labels[kind].append(reminder.label)
        log.debug("reminder %s (task T%s, due %s) dropped: %s: %s", reminder.label, reminder.task_id, reminder.occurrence, kind, reason)

    def log(self) -> None:
        for kind, labels in self.labels.items():
            shown = ", ".join(labels[: self.SHOWN]) + (f" and {len(labels) - self.SHOWN} more" if len(labels) > self.SHOWN else "")
            log.warning("deadline reminders dropped as %s: %d (%s)", kind, len(labels), shown)


def _due_reminders(ctx: "JobContext") -> dict[tuple[int, date], list[Reminder]]:
    query = (
        select(Reminder)
        .join(DeadlineTask)
        .where(Reminder.status == PENDING, Reminder.fire_at <= ctx.now, DeadlineTask.status == ACTIVE)
        .order_by(Reminder.fire_at, Reminder.id)
    )
    groups: dict[tuple[int, date], list[Reminder]] = defaultdict(list)
    for reminder in ctx.session.scalars(query):
        groups[(reminder.task_id, reminder.occurrence)].append(reminder)
    return groups


def send_due_reminders(ctx: "JobContext") -> int:
    """Send each due deadline reminder once (or drop it with a reason); return how many messages were queued."""
    tz = ctx.window.tz
    today = local_date(ctx.now, tz)
    queued = 0
    drops = _Drops()
    for reminders in _due_reminders(ctx).values():
        nearest = min(reminders, key=lambda r: (r.offset_days, -r.id))
        for other in reminders:
            if other is not nearest:
                drops.drop(other, "superseded", f"{nearest.label} is nearer the deadline")
        late = ctx.now - ctx.window.release_time(nearest.fire_at)
        if nearest.occurrence < today:
            drops.drop(nearest, "past", f"the deadline {nearest.occurrence} has passed")
        elif late > ctx.stale_after:
            drops.drop(nearest, "stale", f"due {format_local(nearest.fire_at, tz)}, {_hours(late)} late (limit {_hours(ctx.stale_after)})")
        else:
            queued += _send_reminder(ctx, nearest, today)
    drops.log()
    return queued


def _send_reminder(ctx: "JobContext", reminder: Reminder, today: date) -> int:
    task = reminder.task
    try:
        with ctx.session.begin_nested():
            recipients = department_recipients(ctx.session, ctx.config, task.department)
            count = send(ctx.session, recipients, compose_reminder(task, reminder, today), key=f"reminder:{reminder.id}")
            reminder.status, reminder.sent_at = SENT, ctx.now
    except Exception:
        log.exception("reminder %s could not be queued; it stays pending", reminder.label)
        return 0
    return count


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"


def send_due_notices(ctx: "JobContext") -> int:
    """Send each due policy notice to its subscribers once (or drop it when stale); return the messages queued."""
    stale_after = timedelta(hours=float(ctx.config["scheduler"]["notices"].get("stale_after_hours", 72)))
    queued = 0
    for notice in due_notices(ctx.session, ctx.now):
        late = ctx.now - ctx.window.release_time(notice.send_at)
        if late > stale_after:
            notice.status, notice.reason = NOTICE_DROPPED, f"stale: {_hours(late)} late"
            log.warning("policy notice %s of %s dropped: %s late (limit %s)", notice.label, notice.doc_id, _hours(late), _hours(stale_after))
            continue
        try:
            with ctx.session.begin_nested():
                document = ctx.knowledge.get(notice.doc_id)
                queued += deliver_notice(ctx.session, notice, document, ctx.knowledge.analyzer, ctx.now)
        except Exception:
            log.exception("policy notice %s could not be queued; it stays pending", notice.label)
    return queued
