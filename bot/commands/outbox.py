"""`python -m bot outbox list [--failed|--pending|--sent] | retry [ID ...|--all-failed] | work [--once]`.

``list`` shows the queue (newest first), ``retry`` puts failed rows back with fresh attempts, ``work`` runs the
delivery worker (``python -m bot serve`` starts one itself).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from bot.notify.queue import list_messages, retry_failed, RetryPolicy
from bot.notify.registry import build_notifiers
from bot.notify.worker import deliver_due, run_worker
from bot.runtime import Runtime
from bot.store.base import utcnow
from bot.store.outbox import FAILED, PENDING, SENT


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("outbox", help="list, retry and deliver queued notifications")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="list outbox messages, newest first")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--failed", dest="status", action="store_const", const=FAILED)
    which.add_argument("--pending", dest="status", action="store_const", const=PENDING)
    which.add_argument("--sent", dest="status", action="store_const", const=SENT)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=list_outbox)
    retry = actions.add_parser("retry", help="queue failed messages again")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID")
    retry.add_argument("--all-failed", action="store_true", help="every failed message")
    retry.set_defaults(handler=retry_outbox)
    work = actions.add_parser("work", help="run the delivery worker")
    work.add_argument("--once", action="store_true", help="deliver what is due now and exit")
    work.set_defaults(handler=work_outbox)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def list_outbox(args: argparse.Namespace) -> int:
    runtime = Runtime()
    with runtime.session() as session:
        rows = list_messages(session, args.status, args.limit)
        for row in rows:
            text = row.text.replace("\n", " ")
            print(f"#{row.id:<6} {row.status:<8} {row.channel:<8} 尝试 {row.attempts}  {row.created_at:%Y-%m-%d %H:%M}  "
                  f"下次 {row.not_before:%H:%M:%S}  {row.target_json}  {text[:40]}")
            if row.last_error:
                print(f"        原因: {row.last_error}")
    if not rows:
        print("没有符合条件的消息。")
    return 0


def retry_outbox(args: argparse.Namespace) -> int:
    if not args.ids and not args.all_failed:
        print("请给出消息编号，或用 --all-failed 重试全部失败消息。")
        return 2
    runtime = Runtime()
    with runtime.session() as session:
        count = retry_failed(session, None if args.all_failed else args.ids, utcnow())
    print(f"已重新排队 {count} 条消息。")
    return 0 if count else 1


def work_outbox(args: argparse.Namespace) -> int:
    runtime = Runtime()
    notifiers = build_notifiers(runtime.config, runtime.sessions)
    if args.once:
        sent = deliver_due(runtime.sessions, notifiers, policy=RetryPolicy.from_config(runtime.config))
        print(f"已发送 {sent} 条消息。")
        return 0
    logging.getLogger().setLevel(runtime.config.get("log_level", "INFO"))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_worker(runtime.sessions, notifiers, runtime.config, stop)
    return 0
