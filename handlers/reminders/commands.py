"""Staff chat commands for what is scheduled (the same actions as ``python -m bot reminders``):

- ``提醒列表`` — the next reminders (a handler sees their department's; others see all, with pending notices)
- ``时限任务`` — the deadline tasks taken from the documents
- ``推迟提醒 R12 1天`` / ``推迟提醒 R12 到 10月29日 9:00`` / ``推迟通知 N3 2小时``
- ``取消提醒 R12`` / ``取消任务 T5`` / ``取消通知 N3``
- ``更正时限 T5 2026-11-05`` / ``更正时限 T5 责任单位 区营商环境办``
- ``发布通知 <文件编号> [2026-11-02 09:00]`` — send a document's policy notice now or at that time

Only staff may use them. A handler (承办人) acts on their own department's reminders only; dispatchers, leaders
and admins act on everything, and only they cancel tasks, correct deadlines and publish notices.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from handlers.notices import schedule_notice
from handlers.reminders.localtime import at_local_time, local_date, parse_moment, zone
from handlers.reminders.manage import (
    cancel,
    describe_notice,
    describe_reminder,
    describe_task,
    parse_delay,
    pending_notices,
    reminder_department,
    snooze,
    upcoming_reminders,
)
from handlers.reminders.tasks import TaskError, correct_task, list_tasks
from handlers.types import Context, Handler, Incoming, Reply

MANAGER_ROLES = {"admin", "leader", "dispatcher"}
LISTED = 10
_COMMAND = re.compile(
    r"^\s*(提醒列表|待发提醒|我的提醒|时限任务|任务列表|取消提醒|取消任务|取消通知|推迟提醒|推迟通知|更正时限|发布通知)\s*(.*?)\s*$"
)
_CHINESE_TIME = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?\s*(?:(\d{1,2})(?:[:：点](\d{1,2})?)?分?)?$")
_DEPARTMENT = re.compile(r"(?:责任单位|责任部门|部门)\s*[:：]?\s*(\S+)")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
NOT_STAFF = "该命令仅限工作人员使用。"
NOT_ALLOWED = "您的角色不能执行这个操作（需要派单员、领导或管理员）。"


def parse_chat_time(text: str, now: datetime, tz) -> datetime:
    """``2026-10-29 09:00``, ``10月29日 9:00``, ``10月29日`` (09:00) as naive UTC; the next such day if it has passed."""
    text = text.strip().removeprefix("到").strip()
    match = _CHINESE_TIME.match(text)
    if not match:
        return parse_moment(text.replace(" ", "T", 1) if " " in text else text, tz)
    year, month, day, hour, minute = match.groups()
    clock = time(int(hour or 9), int(minute or 0))
    year_value = int(year) if year else local_date(now, tz).year
    moment = at_local_time(date(year_value, int(month), int(day)), clock, tz)
    if not year and moment <= now:
        moment = at_local_time(date(year_value + 1, int(month), int(day)), clock, tz)
    return moment


def _is_manager(ctx: Context) -> bool:
    return ctx.staff.role in MANAGER_ROLES


def _department_scope(ctx: Context) -> str | None:
    return None if _is_manager(ctx) else ctx.staff.department


def _may_touch_reminder(ctx: Context, reference: str) -> bool:
    return _is_manager(ctx) or ctx.staff.department in reminder_department(ctx.session, reference).split("、")


def _list_reminders(ctx: Context) -> str:
    reminders = upcoming_reminders(ctx.session, department=_department_scope(ctx), limit=LISTED)
    lines = [describe_reminder(reminder, ctx.config) for reminder in reminders]
    if _is_manager(ctx):
        lines += [describe_notice(notice, ctx.config) for notice in pending_notices(ctx.session)[:LISTED]]
    if not lines:
        return "没有待发送的提醒。"
    return "待发送：\n" + "\n".join(lines) + "\n回复“推迟提醒 R编号 1天”或“取消提醒 R编号”。"


def _list_tasks(ctx: Context) -> str:
    tasks = list_tasks(ctx.session, department=_department_scope(ctx))
    if not tasks:
        return "没有时限任务。"
    lines = [describe_task(task) for task in tasks[: LISTED * 2]]
    more = f"\n（另有 {len(tasks) - len(lines)} 项，python -m bot reminders tasks 查看全部）" if len(tasks) > len(lines) else ""
    return "时限任务：\n" + "\n".join(lines) + more + "\n日期不对请回复“更正时限 T编号 2026-11-05”。"


def _snooze(ctx: Context, kind: str, rest: str) -> str:
    reference, _, amount = rest.partition(" ")
    reference = _with_prefix(reference, kind)
    if kind == "R" and not _may_touch_reminder(ctx, reference):
        return "只能推迟本部门的提醒。"
    if kind == "N" and not _is_manager(ctx):
        return NOT_ALLOWED
    amount = amount.strip()
    if not amount:
        raise TaskError("请说明推迟多久，例如“推迟提醒 R12 1天”或“推迟提醒 R12 到 10月29日 9:00”")
    tz = zone(ctx.config)
    if amount.startswith("到"):
        until = parse_chat_time(amount, ctx.now, tz)
        return snooze(ctx.session, reference, by=ctx.staff.user_id, now=ctx.now, config=ctx.config, until=until)
    return snooze(ctx.session, reference, by=ctx.staff.user_id, now=ctx.now, config=ctx.config, delay=parse_delay(amount))


def _cancel(ctx: Context, kind: str, rest: str) -> str:
    reference = _with_prefix(rest.split(" ")[0], kind)
    if kind == "R" and not _may_touch_reminder(ctx, reference):
        return "只能取消本部门的提醒。"
    if kind != "R" and not _is_manager(ctx):
        return NOT_ALLOWED
    return cancel(ctx.session, reference, by=ctx.staff.user_id, now=ctx.now, config=ctx.config)


def _correct(ctx: Context, rest: str) -> str:
    if not _is_manager(ctx):
        return NOT_ALLOWED
    reference, _, change = rest.partition(" ")
    department_match = _DEPARTMENT.search(change)
    date_match = _ISO_DATE.search(change)
    due = date.fromisoformat("-".join(f"{int(p):02d}" for p in date_match.group(0).split("-"))) if date_match else None
    if due is None and department_match is None:
        raise TaskError("请给出新的日期或责任单位，例如“更正时限 T5 2026-11-05”或“更正时限 T5 责任单位 区营商环境办”")
    department = department_match.group(1) if department_match else None
    task = correct_task(ctx.session, reference, by=ctx.staff.user_id, now=ctx.now, due_date=due, department=department)
    return "已更正：" + describe_task(task)


def _publish(ctx: Context, rest: str) -> str:
    if not _is_manager(ctx):
        return NOT_ALLOWED
    reference, _, when = rest.partition(" ")
    document = ctx.knowledge.get(reference) if reference else None
    if document is None:
        raise TaskError(f"没有这个文件：{reference or '（未给出）'}。用法：发布通知 文件编号 [2026-11-02 09:00]")
    send_at = parse_chat_time(when, ctx.now, zone(ctx.config)) if when.strip() else ctx.now
    notice = schedule_notice(ctx.session, document, send_at, ctx.staff.user_id, ctx.now)
    return f"已安排：{describe_notice(notice, ctx.config)}，发给订阅其地区或主题的企业和群。"


def _with_prefix(reference: str, kind: str) -> str:
    reference = reference.strip().upper()
    return reference if reference[:1] in "RTN" else f"{kind}{reference}"


def is_reminder_command(message: Incoming, ctx: Context) -> bool:
    return message.msg_type == "text" and bool(_COMMAND.match(message.text))


def handle_reminder_command(message: Incoming, ctx: Context) -> Reply:
    """Carry out a staff command about reminders, tasks or notices, or say why not."""
    if not ctx.is_staff:
        return Reply(NOT_STAFF)
    command, rest = _COMMAND.match(message.text).groups()
    rest = re.sub(r"\s+", " ", rest)
    try:
        if command in ("提醒列表", "待发提醒", "我的提醒"):
            return Reply(_list_reminders(ctx))
        if command in ("时限任务", "任务列表"):
            return Reply(_list_tasks(ctx))
        if command.startswith("推迟"):
            return Reply(_snooze(ctx, "N" if command == "推迟通知" else "R", rest))
        if command.startswith("取消"):
            return Reply(_cancel(ctx, {"取消提醒": "R", "取消任务": "T", "取消通知": "N"}[command], rest))
        if command == "更正时限":
            return Reply(_correct(ctx, rest))
        return Reply(_publish(ctx, rest))
    except (TaskError, ValueError) as exc:
        return Reply(str(exc))


HANDLER = Handler("reminder-commands", is_reminder_command, handle_reminder_command)
