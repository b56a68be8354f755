"""`python -m bot serve`: gunicorn with the app loaded before the fork, and the outbox worker beside it."""

import os
import socket
import subprocess
import sys
import time

import requests

from tests_paths import PROJECT_ROOT
from bot.commands.serve import gunicorn_options
from bot.cli import build_parser


def test_options_for_threads_and_workers() -> None:
    args = build_parser().parse_args(["serve", "--port", "9001", "--workers", "3", "--threads", "1"])
    options = gunicorn_options(args)
    assert options["bind"] == "127.0.0.1:9001" and options["workers"] == 3 and options["worker_class"] == "sync"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_healthz_delivers_the_outbox_and_runs_the_scheduler(tmp_path) -> None:
    from bot.runtime import Runtime
    from bot.store.outbox import SENT, OutboxMessage, enqueue
    from scheduler.lease import current

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZQT_")}
    env.update({"PYTHONPATH": str(PROJECT_ROOT), "ZQT_INSTANCE_PATH": str(tmp_path / "inst"), "ZQT_OUTBOX__POLL_SECONDS": "0.2"})
    runtime = Runtime(__import__("bot.config", fromlist=["load_config"]).load_config(path="", environ=env))
    with runtime.session() as session:
        row_id = enqueue(session, "console", {}, "启动后送达", key="serve-1").id
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", "1", "--with-scheduler"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, health = time.time() + 60, None
        while time.time() < deadline:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        assert health is not None and health.status_code == 200 and health.json()["status"] == "ok"
        while time.time() < deadline:
            with runtime.session() as session:
                if session.get(OutboxMessage, row_id).status == SENT:
                    break
            time.sleep(0.2)
        with runtime.session() as session:
            assert session.get(OutboxMessage, row_id).status == SENT
        while time.time() < deadline:  # the web worker's scheduler takes the lease
            with runtime.session() as session:
                lease = current(session)
                if lease is not None and lease.holder:
                    break
            time.sleep(0.2)
        assert lease is not None and lease.holder
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "启动后送达" in output
    runtime.engine.dispose()
