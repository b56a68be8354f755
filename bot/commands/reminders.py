"""`python -m bot reminders list|tasks|cancel|snooze|correct|notice|status`: what the scheduler will send, for staff.

References: reminders ``R12``, tasks ``T5``, policy notices ``N3``. Times are local (``config.timezone``).
The shell is the server's own: whoever may run it is an administrator; the chat commands check roles.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date

from sqlalchemy import select

from bot.runtime import Runtime
from bot.store import base as store_base
from bot.store.base import utcnow
from bot.store.schedule import JobRun
from handlers.notices import schedule_notice
from handlers.reminders.localtime import format_local, parse_moment, zone
from handlers.reminders.manage import cancel, describe_notice, describe_reminder, describe_task, parse_delay, pending_notices, snooze, upcoming_reminders
from handlers.reminders.tasks import TaskError, correct_task, list_tasks
from scheduler import lease


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("reminders", help="see and manage scheduled reminders, tasks and notices")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="pending reminders and notices, soonest first")
    listing.add_argument("--department", help="only this department's")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=list_reminders)
    tasks = actions.add_parser("tasks", help="deadline tasks taken from the documents")
    tasks.add_argument("--department", help="only this department's")
    tasks.add_argument("--all", action="store_true", help="include cancelled tasks")
    tasks.set_defaults(handler=show_tasks)
    cancelling = actions.add_parser("cancel", help="cancel a reminder (R12), a task (T5) or a notice (N3)")
    cancelling.add_argument("reference")
    cancelling.set_defaults(handler=cancel_item)
    snoozing = actions.add_parser("snooze", help="put a reminder or notice off")
    snoozing.add_argument("reference")
    when = snoozing.add_mutually_exclusive_group(required=True)
    when.add_argument("--by", metavar="DELAY", help="e.g. 2h, 1d, 30min, 2小时, 1天")
    when.add_argument("--until", metavar="TIME", help="local time, e.g. 2026-10-29T09:00")
    snoozing.set_defaults(handler=snooze_item)
    correcting = actions.add_parser("correct", help="give a task its right date or department")
    correcting.add_argument("task", metavar="TASK", help="T5")
    correcting.add_argument("--due", metavar="DATE", help="e.g. 2026-11-05")
    correcting.add_argument("--department", help="the responsible department")
    correcting.set_defaults(handler=correct)
    notice = actions.add_parser("notice", help="send a document's policy notice at a chosen time")
    notice.add_argument("document", metavar="DOC", help="document id or title (kb list)")
    notice.add_argument("--at", metavar="TIME", help="local time (default: now)")
    notice.set_defaults(handler=schedule_document_notice)
    status = actions.add_parser("status", help="which scheduler holds the lease, and the last calendar runs")
    status.set_defaults(handler=show_status)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def _who() -> str:
    return f"cli:{getpass.getuser()}"


def list_reminders(args: argparse.Namespace) -> int:
    runtime = Runtime()
    with runtime.session() as session:
        reminders = upcoming_reminders(session, department=args.department, limit=args.limit)
        notices = pending_notices(session)
        for reminder in reminders:
            print(describe_reminder(reminder, runtime.config))
        for notice in notices:
            print(describe_notice(notice, runtime.config))
    if not reminders and not notices:
        print("没有待发送的提醒或通知（任务由调度器从文件中生成：python -m bot scheduler --once）。")
    return 0


def show_tasks(args: argparse.Namespace) -> int:
    runtime = Runtime()
    with runtime.session() as session:
        tasks = list_tasks(session, department=args.department, include_cancelled=args.all)
        for task in tasks:
            print(describe_task(task))
    if not tasks:
        print("没有时限任务（任务由调度器从文件中生成：python -m bot scheduler --once）。")
    return 0


def _change(action) -> int:
    runtime = Runtime()
    try:
        with runtime.session() as session:
            print(action(runtime, session))
    except (TaskError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def cancel_item(args: argparse.Namespace) -> int:
    return _change(lambda runtime, session: cancel(session, args.reference, by=_who(), now=utcnow(), config=runtime.config))


def snooze_item(args: argparse.Namespace) -> int:
    def action(runtime, session) -> str:
        until = parse_moment(args.until, zone(runtime.config)) if args.until else None
        delay = parse_delay(args.by) if args.by else None
        return snooze(session, args.reference, by=_who(), now=utcnow(), config=runtime.config, until=until, delay=delay)

    return _change(action)


def correct(args: argparse.Namespace) -> int:
    def action(runtime, session) -> str:
        due = date.fromisoformat(args.due) if args.due else None
        task = correct_task(session, args.task, by=_who(), now=utcnow(), due_date=due, department=args.department)
        return "已更正：" + describe_task(task)

    return _change(action)


def schedule_document_notice(args: argparse.Namespace) -> int:
    def action(runtime, session) -> str:
        document = runtime.knowledge.get(args.document)
        if document is None:
            raise TaskError(f"没有这个文件: {args.document}（用 kb list 查看文件编号）")
        at = parse_moment(args.at, zone(runtime.config)) if args.at else utcnow()
        notice = schedule_notice(session, document, at, _who(), utcnow())
        return f"已安排：{describe_notice(notice, runtime.config)}"

    return _change(action)


def show_status(args: argparse.Namespace) -> int:
    runtime = Runtime()
    tz = zone(runtime.config)
    with runtime.session() as session:
        holder = lease.current(session)
        if holder is None or holder.expires_at <= store_base.utcnow():  # the lease runs on the wall clock
            print("没有调度器在运行。")
        else:
            print(f"调度器 {holder.holder} 自 {format_local(holder.acquired_at, tz)} 起运行，租约至 {format_local(holder.expires_at, tz)}")
        runs = session.scalars(select(JobRun).order_by(JobRun.slot.desc()).limit(10))
        for run in runs:
            print(f"{run.job:<20} {format_local(run.slot, tz)}  {run.status:<8} queued {run.queued}  {run.note}")
    return 0
