"""Scheduler ticks at city scale: planning, an idle tick, a busy tick and a notice fan-out — and, in the same run,
the obvious way to plan (ask the database about each task's reminders one task at a time).

``python -m bot bench scheduler [--tasks 5000] [--subscribers 2000]`` builds a temporary instance (SQLite, the
shipped documents), adds ``--tasks`` synthetic deadline tasks due over the next 60 days (every tenth a monthly duty)
and ``--subscribers`` subscriptions, then times, on the simulated clock:

- the first planning pass (creates the reminders) and the pass every tick makes once they exist: ours (only the
  tasks not planned through the horizon) vs planning every task again with one query per task;
- a catch-up tick (the week before is overdue: superseded and stale reminders dropped, today's sent), an idle
  tick (every job, nothing due) and a busy tick (a working day's reminders, queued to the outbox);
- one policy notice sent to every subscriber; the lease renewal that fences each job.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from datetime import date, timedelta
from typing import Any, Callable

from bot.config import load_config
from bot.runtime import Runtime
from bot.store.base import utcnow
from bot.store.reminders import DeadlineTask
from bot.store.subscriptions import Subscription
from bot.workdays import WorkCalendar
from handlers.notices import schedule_notice
from handlers.reminders.localtime import parse_moment, zone
from handlers.reminders.planning import PlanSettings, plan_reminders, plan_task
from handlers.reminders.tasks import active_tasks
from scheduler import lease
from scheduler.run import run_once

START = "2026-10-27T09:00"
BUSY = "2026-10-28T09:00"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tasks", type=int, default=5000, help="synthetic deadline tasks")
    parser.add_argument("--subscribers", type=int, default=2000, help="subscriptions the policy notice fans out to")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def _populate(runtime: Runtime, tasks: int, subscribers: int) -> None:
    tz = zone(runtime.config)
    created = parse_moment("2026-10-01T09:00", tz)
    pick = random.Random(5)
    with runtime.session() as session:
        for number in range(tasks):
            recurring = number % 10 == 0
            session.add(DeadlineTask(
                doc_id=f"bench{number % 50}", clause_key=f"bench#{number}", rule="monthly-25" if recurring else "once",
                title=f"任务{number}", department=f"部门{number % 40}", deadline_text="每月25日前" if recurring else "某日",
                recurrence="monthly:25" if recurring else None,
                due_date=None if recurring else date(2026, 10, 21) + timedelta(days=pick.randrange(60)), created_at=created,
            ))
        regions = ["长春市", "滨海新区", "辽源市", ""]
        for number in range(subscribers):
            session.add(Subscription(subscriber=f"mp:bench{number}", channel="mp", target_json=f'{{"openid": "bench{number}"}}',
                                     region=regions[number % 4], topic=""))


def _plan_one_query_per_task(runtime: Runtime, now) -> int:
    """The obvious alternative: for each task, ask which reminders it already has."""
    settings, calendar = PlanSettings.from_config(runtime.config), WorkCalendar.from_config(runtime.config)
    with runtime.session() as session:
        return sum(len(plan_task(session, task, now, settings, calendar, runtime.config)) for task in active_tasks(session))


def _measure(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    tz = zone(runtime.config)
    start, busy = parse_moment(START, tz), parse_moment(BUSY, tz)
    figures: dict[str, Any] = {"tasks": args.tasks, "subscribers": args.subscribers}
    run_once(runtime, start - timedelta(days=1))  # takes the shipped documents in
    _populate(runtime, args.tasks, args.subscribers)
    calendar = WorkCalendar.from_config(runtime.config)
    with runtime.session() as session:
        figures["plan_first_ms"], figures["reminders_planned"] = _timed(lambda: plan_reminders(session, start, runtime.config, calendar))
    with runtime.session() as session:
        figures["plan_steady_ms"], _ = _timed(lambda: plan_reminders(session, start, runtime.config, calendar))
    figures["replan_one_query_per_task_ms"], created = _timed(lambda: _plan_one_query_per_task(runtime, start))
    assert created == 0
    figures["plan_speedup"] = round(figures["replan_one_query_per_task_ms"] / max(figures["plan_steady_ms"], 1e-6), 1)
    figures["catch_up_tick_ms"], outcomes = _timed(lambda: run_once(runtime, start))  # a week of reminders in the past
    figures["catch_up_tick_queued"] = _queued(outcomes)
    figures["idle_tick_ms"], _ = _timed(lambda: run_once(runtime, start + timedelta(minutes=1)))
    figures["busy_tick_ms"], outcomes = _timed(lambda: run_once(runtime, busy))
    figures["busy_tick_queued"] = _queued(outcomes)
    figures["busy_tick_messages_per_s"] = round(figures["busy_tick_queued"] / (figures["busy_tick_ms"] / 1000))
    document = next(d for d in runtime.knowledge.documents() if d.title.startswith("滨海新区"))
    with runtime.session() as session:
        schedule_notice(session, document, busy, "bench", busy)
    figures["notice_tick_ms"], outcomes = _timed(lambda: run_once(runtime, busy + timedelta(minutes=1)))
    figures["notice_messages"] = next(o.queued for o in outcomes if o.job == "policy-notices")
    with runtime.session() as session:
        assert lease.acquire(session, "bench", utcnow(), timedelta(days=1))
    rounds = 200
    elapsed, _ = _timed(lambda: [_renew(runtime) for _ in range(rounds)])
    figures["lease_renew_ms"] = round(elapsed / rounds, 3)
    import psutil

    figures["rss_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
    return {key: round(value, 1) if isinstance(value, float) else value for key, value in figures.items()}


def _queued(outcomes) -> int:
    return sum(outcome.queued for outcome in outcomes)


def _renew(runtime: Runtime) -> None:
    with runtime.session() as session:
        lease.renew(session, "bench", utcnow(), timedelta(days=1))


def run(args: argparse.Namespace) -> int:
    scheduler_log = logging.getLogger("scheduler")
    level = scheduler_log.level
    scheduler_log.setLevel(logging.ERROR)  # a week of dropped reminders is expected here
    try:
        with tempfile.TemporaryDirectory(prefix="zqt-bench-scheduler-") as folder:
            runtime = Runtime(load_config(path="", overrides={"instance_path": folder}, environ={}))
            figures = _measure(runtime, args)
            runtime.engine.dispose()
    finally:
        scheduler_log.setLevel(level)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            print(f"{key:<32} {value}")
    return 0
