"""What staff see and change of what is scheduled: reminders (``R12``), tasks (``T5``) and policy notices (``N3``).

Used by the command line (``python -m bot reminders ...``) and by the staff chat commands alike, so both
behave the same. Every change is noted on the row with who made it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.reminders import ACTIVE, CANCELLED, PENDING, DeadlineTask, Reminder
from bot.store.subscriptions import NOTICE_CANCELLED, NOTICE_PENDING, PolicyNotice
from handlers.reminders.localtime import format_local, local_date, zone
from handlers.reminders.tasks import TaskError, cancel_task

_DELAY = re.compile(r"^\s*(\d{1,4})\s*(分钟|分|min|m|小时|个小时|h|天|日|d|周|w)\s*$", re.IGNORECASE)
_UNIT = {"分钟": 1, "分": 1, "min": 1, "m": 1, "小时": 60, "个小时": 60, "h": 60, "天": 1440, "日": 1440, "d": 1440,
         "周": 10080, "w": 10080}


_DONE_WORDS = {"sent": "发送", "dropped": "作废", "cancelled": "取消"}  # reminders and notices alike


def parse_delay(text: str) -> timedelta:
    """``2小时``, ``1天``, ``30分钟``, ``2h``, ``1d``, ``1周`` as a duration; :class:`TaskError` otherwise."""
    match = _DELAY.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise TaskError(f"看不懂推迟多久：{text!r}（例如 2小时、1天、30分钟）")
    return timedelta(minutes=int(match.group(1)) * _UNIT[match.group(2).lower()])


def upcoming_reminders(session: Session, *, department: str | None = None, limit: int = 50) -> list[Reminder]:
    """Pending reminders of active tasks, soonest first (only a department's when ``department`` is given)."""
    query = (
        select(Reminder)
        .join(DeadlineTask)
        .where(Reminder.status == PENDING, DeadlineTask.status == ACTIVE)
        .order_by(Reminder.fire_at, Reminder.id)
    )
    reminders = list(session.scalars(query))
    if department is not None:
        reminders = [r for r in reminders if department in r.task.department.split("、")]
    return reminders[:limit]


def pending_notices(session: Session) -> list[PolicyNotice]:
    """Policy notices not sent yet, soonest first."""
    query = select(PolicyNotice).where(PolicyNotice.status == NOTICE_PENDING).order_by(PolicyNotice.send_at, PolicyNotice.id)
    return list(session.scalars(query))


def describe_reminder(reminder: Reminder, config: Mapping[str, Any]) -> str:
    """``R12  2026-10-28 09:00  T3 10月31日前3天  优化政策供给（区营商环境办）``."""
    task = reminder.task
    when = "当天" if reminder.offset_days == 0 else f"前{reminder.offset_days}天"
    department = task.department or "责任单位未注明"
    return (
        f"{reminder.label}  {format_local(reminder.fire_at, zone(config))}  {task.label} "
        f"{reminder.occurrence:%m月%d日}{when}  {task.title}（{department}）"
    )


def describe_task(task: DeadlineTask) -> str:
    """``T3  2026-10-31  优化政策供给（区营商环境办）  《…》2（1）1  原文：10月31日，年份取自收录年份``."""
    if task.recurrence:
        due = f"周期 {task.deadline_text}" + (f"（至{task.ends_on}）" if task.ends_on else "")
    else:
        due = str(task.due_date) if task.due_date else "时限未识别，请更正"
    source = {"text": "原文", "document": "文件年份", "added": "收录年份", "staff": "人工更正"}.get(task.year_source)
    origin = f"原文：{task.deadline_text}" + (f"，年份取自{source}" if source and source != "原文" else "")
    state = "" if task.status == ACTIVE else "  [已取消]"
    return (
        f"{task.label}  {due}  {task.title}（{task.department or '责任单位未注明'}）  "
        f"《{task.document_title}》{task.clause_number}  {origin}{state}"
    )


def describe_notice(notice: PolicyNotice, config: Mapping[str, Any]) -> str:
    """``N3  2026-10-28 09:30  政策通知《…》``."""
    return f"{notice.label}  {format_local(notice.send_at, zone(config))}  政策通知《{notice.document_title}》"


def _split_reference(reference: str) -> tuple[str, int]:
    text = str(reference).strip().upper()
    kind, number = (text[0], text[1:]) if text[:1] in "RTN" else ("R", text)
    if not number.isdigit():
        raise TaskError(f"看不懂编号 {reference!r}（提醒 R12、任务 T5、通知 N3）")
    return kind, int(number)


_PENDING_KINDS = {"R": (Reminder, PENDING, "提醒"), "N": (PolicyNotice, NOTICE_PENDING, "通知")}


def _pending(session: Session, kind: str, number: int) -> Any:
    """The reminder ``R<number>`` or notice ``N<number>``, which must not have been sent, dropped or cancelled."""
    model, pending, name = _PENDING_KINDS[kind]
    item = session.get(model, number)
    if item is None:
        raise TaskError(f"没有{name} {kind}{number}")
    if item.status != pending:
        raise TaskError(f"{name} {kind}{number} 已{_DONE_WORDS.get(item.status, '处理')}")
    return item


def reminder_department(session: Session, reference: str) -> str:
    """The department (names joined by ``、``) responsible for reminder ``R12``'s task."""
    kind, number = _split_reference(reference)
    reminder = session.get(Reminder, number) if kind == "R" else None
    if reminder is None:
        raise TaskError(f"没有提醒 {reference}")
    return reminder.task.department


def cancel(session: Session, reference: str, *, by: str, now: datetime, config: Mapping[str, Any]) -> str:
    """Cancel a reminder, a task (with its reminders) or a pending notice; return what was done, in Chinese."""
    kind, number = _split_reference(reference)
    if kind == "T":
        task = cancel_task(session, number, by=by, now=now)
        return f"已取消任务 {task.label}（{task.title}）及其未发送的提醒"
    if kind == "N":
        notice = _pending(session, "N", number)
        notice.status, notice.reason = NOTICE_CANCELLED, f"{by} 取消"
        return f"已取消通知 {notice.label}《{notice.document_title}》"
    reminder = _pending(session, "R", number)
    reminder.status, reminder.reason = CANCELLED, f"{format_local(now, zone(config))} {by} 取消"
    return f"已取消提醒 {reminder.label}（{reminder.task.title}）"


def snooze(
    session: Session,
    reference: str,
    *,
    by: str,
    now: datetime,
    config: Mapping[str, Any],
    until: datetime | None = None,
    delay: timedelta | None = None,
) -> str:
    """Put a pending reminder or notice off until ``until`` (naive UTC) or by ``delay``; return what was done."""
    kind, number = _split_reference(reference)
    if kind == "T":
        raise TaskError("任务不能推迟；推迟它的某条提醒（R编号），或用“更正时限”改日期")
    item = _pending(session, kind, number)
    current = item.send_at if kind == "N" else item.fire_at
    moment = until if until is not None else max(now, current) + (delay or timedelta(0))
    if moment <= now:
        raise TaskError("推迟到的时间必须晚于现在")
    tz = zone(config)
    if kind == "R" and local_date(moment, tz) > item.occurrence:
        raise TaskError(f"不能推迟到完成时限 {item.occurrence} 之后")
    note = f"{format_local(now, tz)} {by} 推迟至 {format_local(moment, tz)}"
    if kind == "N":
        item.send_at, item.reason = moment, note
    else:
        item.fire_at, item.reason = moment, note
    return f"已将{'通知' if kind == 'N' else '提醒'} {item.label} 推迟到 {format_local(moment, tz)}"
