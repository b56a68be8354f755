"""`python -m bot serve [--host H] [--port P] [--workers N] [--threads T] [--no-outbox-worker] [--with-scheduler]`.

Runs the web app under gunicorn (the knowledge base loaded once in the master, shared by the forked workers)
and, beside it, the outbox worker as a child process (``python -m bot outbox work``), stopped with the server.
``--with-scheduler`` also runs the scheduler in each web worker (:func:`scheduler.runner.start_in_background`):
the database lease lets one of them act at a time, and another takes over when that worker stops — the
single-machine default, with no separate ``python -m bot scheduler`` to keep running.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from typing import Any

from gunicorn.app.base import BaseApplication


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the WeChat webhook (gunicorn) and the outbox worker")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="web worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per web worker (default 4)")
    parser.add_argument("--no-outbox-worker", action="store_true", help="do not start the outbox worker")
    parser.add_argument("--with-scheduler", action="store_true", help="also run the scheduler (reminders, notices, digests)")
    parser.set_defaults(handler=serve)


class WebhookServer(BaseApplication):
    """gunicorn running :func:`bot.web.create_app`, loaded before the fork."""

    def __init__(self, options: dict[str, Any], config: dict[str, Any] | None = None, with_scheduler: bool = False) -> None:
        self.options = options
        self.bot_config = config
        self.with_scheduler = with_scheduler
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("preload_app", True)
        if self.with_scheduler:
            self.cfg.set("post_worker_init", start_scheduler_in_worker)

    def load(self):
        from bot.web import create_app

        app = create_app(self.bot_config)
        app.extensions["zqt"]["runtime"].knowledge  # load once, before the workers fork
        app.extensions["zqt"]["runtime"].engine.dispose()  # no database connection may cross the fork
        return app


def start_scheduler_in_worker(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook: the scheduler in a thread of this web worker, on its runtime."""
    from scheduler.runner import start_in_background

    start_in_background(worker.wsgi.extensions["zqt"]["runtime"])


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    """gunicorn settings for the command-line arguments."""
    return {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread" if args.threads > 1 else "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": None,
        "loglevel": "warning",
    }


def serve(args: argparse.Namespace) -> int:
    logging.getLogger().setLevel(logging.INFO)
    worker = None if args.no_outbox_worker else subprocess.Popen([sys.executable, "-m", "bot", "outbox", "work"])
    try:
        WebhookServer(gunicorn_options(args), with_scheduler=args.with_scheduler).run()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=15)
    return 0
