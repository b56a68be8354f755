"""`python -m bot scheduler [--once [--now 2026-10-28T09:00]]`: run the scheduler.

Without ``--once`` it runs until stopped (SIGTERM or Ctrl-C), standing by while another scheduler holds the lease.
With ``--once`` it runs everything due at ``--now`` (local time; default the present) and exits: status 0 when
it ran, 3 when another scheduler holds the lease, 1 when a job failed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from bot.runtime import Runtime
from handlers.reminders.localtime import format_local, parse_moment, zone
from scheduler.run import FAILED, LeaseHeld, run_once
from scheduler.runner import SchedulerService

EXIT_LEASE_HELD = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("scheduler", help="run reminders, escalations, notices and digests")
    parser.add_argument("--once", action="store_true", help="run everything due now (or at --now) and exit")
    parser.add_argument("--now", metavar="TIME", help="with --once: the moment to run for, local time, e.g. 2026-10-28T09:00")
    parser.set_defaults(handler=run_scheduler)


def run_scheduler(args: argparse.Namespace) -> int:
    if args.now and not args.once:
        print("--now 只能和 --once 一起使用", file=sys.stderr)
        return 2
    runtime = Runtime()
    if not args.verbose:
        logging.getLogger("scheduler").setLevel(logging.INFO)
    if args.once:
        return _run_once(runtime, args.now)
    service = SchedulerService(runtime)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: service.request_stop())
    print(f"调度器 {service.holder} 已启动（Ctrl-C 停止）", file=sys.stderr)
    service.run_forever()
    return 0


def _run_once(runtime: Runtime, now_text: str | None) -> int:
    tz = zone(runtime.config)
    try:
        now = parse_moment(now_text, tz) if now_text else None
    except ValueError as exc:
        print(f"--now: {exc}", file=sys.stderr)
        return 2
    try:
        outcomes = run_once(runtime, now)
    except LeaseHeld as exc:
        print(f"另一个调度器正在运行，本次不执行：{exc}", file=sys.stderr)
        return EXIT_LEASE_HELD
    for outcome in outcomes:
        slot = f"  slot {format_local(outcome.slot, tz)}" if outcome.slot else ""
        note = f"  {outcome.note}" if outcome.note else ""
        print(f"{outcome.job:<20} {outcome.status:<12} queued {outcome.queued}{slot}{note}")
    return 1 if any(outcome.status == FAILED for outcome in outcomes) else 0
